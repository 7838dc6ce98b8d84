//! The values a referral is made of, each parsed from a client's input once, here.

use crate::error::{DomainError, DomainResult};
use crate::privacy::Personal;

/// The longest reason for a referral, in characters.
pub const MAX_REASON_CHARS: usize = 2000;
/// The longest idempotency key, in characters.
pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;

/// Why a citizen is referred (personal data, sealed with the citizen's key): 1–2000
/// characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralReason(Personal);

impl ReferralReason {
    /// Parses the input field `reason`.
    ///
    /// # Errors
    /// `Validation` on `reason`.
    pub fn parse(raw: &str) -> DomainResult<Self> {
        Personal::parse("reason", raw, MAX_REASON_CHARS).map(Self)
    }
}

impl From<ReferralReason> for Personal {
    fn from(reason: ReferralReason) -> Self {
        reason.0
    }
}

/// A client's key that makes retrying a submission safe: 1–200 visible ASCII characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Parses the key (the GraphQL field `idempotencyKey` or the REST `Idempotency-Key`
    /// header; errors name the field `idempotencyKey` either way).
    ///
    /// # Errors
    /// `Validation` on `idempotencyKey`.
    pub fn parse(raw: &str) -> DomainResult<Self> {
        if (1..=MAX_IDEMPOTENCY_KEY_CHARS).contains(&raw.len())
            && raw.chars().all(|c| c.is_ascii_graphic())
        {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::validation(
                "idempotencyKey",
                "must be 1-200 visible ASCII characters",
            ))
        }
    }

    /// The key.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_hold_at_their_value_and_refuse_one_past() {
        assert!(ReferralReason::parse(&"r".repeat(MAX_REASON_CHARS)).is_ok());
        assert!(ReferralReason::parse(&"r".repeat(MAX_REASON_CHARS + 1)).is_err());
        assert!(IdempotencyKey::parse(&"k".repeat(MAX_IDEMPOTENCY_KEY_CHARS)).is_ok());
        for bad in [
            String::new(),
            "k".repeat(201),
            "with space".to_owned(),
            "æøå".to_owned(),
        ] {
            assert!(IdempotencyKey::parse(&bad).is_err(), "{bad:?}");
        }
    }
}
