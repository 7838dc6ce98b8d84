//! Personal data in memory: a wrapper whose `Debug` and `Display` never show the value, so that
//! a stray `?field` in a log line or an error message cannot leak it.

use crate::error::{DomainError, DomainResult};

/// A piece of personal data (a name, contact details, free text).
#[derive(Clone, PartialEq, Eq)]
pub struct Personal(String);

impl Personal {
    /// Validates free text of at most `max` characters: trimmed, not empty, no control
    /// characters other than line breaks.
    ///
    /// # Errors
    /// `Validation` naming `field` (never the value).
    pub fn parse(field: &str, raw: &str, max: usize) -> DomainResult<Self> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(DomainError::validation(field, "must not be empty"));
        }
        if value.chars().count() > max {
            return Err(DomainError::validation(
                field,
                format!("must be at most {max} characters"),
            ));
        }
        if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r')
        {
            return Err(DomainError::validation(
                field,
                "must not contain control characters",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// Wraps a value read back from storage.
    #[must_use]
    pub const fn from_storage(value: String) -> Self {
        Self(value)
    }

    /// The value, for the few places that must see it (encryption, the API response).
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The value normalised for exact-match search: lower-case, single spaces.
    #[must_use]
    pub fn normalised(&self) -> String {
        self.0
            .split_whitespace()
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl std::fmt::Debug for Personal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Personal([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_value() {
        let p = Personal::parse("name", "Karen Kvist", 200).unwrap();
        assert!(!format!("{p:?}").contains("Karen"));
        assert_eq!(p.expose(), "Karen Kvist");
    }

    #[test]
    fn names_normalise_for_search() {
        let p = Personal::parse("name", "  Karen   KVIST ", 200).unwrap();
        assert_eq!(p.normalised(), "karen kvist");
    }
}
