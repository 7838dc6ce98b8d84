//! The identity provider's subject of a person: what links their memberships (ADR 0028).

use crate::error::{DomainError, DomainResult};

/// The identity provider's subject of a person (OpenID Connect `sub`): 1–255 printable ASCII
/// characters without spaces, compared exactly.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdpSubject(String);

impl IdpSubject {
    /// The most characters a subject may have (OpenID Connect Core §2).
    pub const MAX: usize = 255;

    /// Parses a subject.
    ///
    /// # Errors
    /// `Validation` (field `idpSubject`) when empty, longer than 255 characters or holding
    /// anything but printable ASCII without spaces.
    pub fn parse(raw: &str) -> DomainResult<Self> {
        if raw.is_empty() {
            return Err(DomainError::validation("idpSubject", "must not be empty"));
        }
        if raw.len() > Self::MAX {
            return Err(DomainError::validation(
                "idpSubject",
                format!("must be at most {} characters", Self::MAX),
            ));
        }
        if !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(DomainError::validation(
                "idpSubject",
                "must be printable ASCII without spaces",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The subject.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
