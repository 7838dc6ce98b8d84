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

/// The longest case reference, in characters.
pub const MAX_CASE_REFERENCE_CHARS: usize = 40;

/// The referrer's own reference for the case (its id in their case system), by which they
/// find the referral again: 1–40 letters, digits and `. _ / : # -`, no spaces — an
/// identifier, never a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseReference(String);

impl CaseReference {
    /// Parses the input field `caseReference`.
    ///
    /// # Errors
    /// `Validation` on `caseReference`.
    pub fn parse(raw: &str) -> DomainResult<Self> {
        let ok = (1..=MAX_CASE_REFERENCE_CHARS).contains(&raw.chars().count())
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._/:#-".contains(c));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::validation(
                "caseReference",
                "must be 1-40 letters, digits and . _ / : # - (your case system's id, never a name)",
            ))
        }
    }

    /// The reference.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
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
    fn a_case_reference_is_an_identifier_never_a_name() {
        for good in [
            "BOS-2026/0142",
            "SAG:77#1",
            "a",
            &"9".repeat(MAX_CASE_REFERENCE_CHARS),
        ] {
            assert_eq!(CaseReference::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            "Jens Hansen",
            " BOS-1",
            "Ærø-7",
            &"9".repeat(MAX_CASE_REFERENCE_CHARS + 1),
        ] {
            assert!(
                CaseReference::parse(bad).is_err_and(|e| e.code() == "VALIDATION"),
                "{bad}"
            );
        }
    }

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
