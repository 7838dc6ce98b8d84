//! The domain's error type. Every transport maps it once, by whitelist, to its own codes.
//!
//! Messages never carry personal data: they name the rule or field, never the value.

/// What went wrong, in terms a client can act on.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The resource does not exist in the caller's tenant (or the caller may not know it does).
    #[error("{resource} not found")]
    NotFound {
        /// The kind of resource, e.g. "organisation".
        resource: &'static str,
    },
    /// The caller is known but their role or relationship does not allow the action.
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    /// A value failed validation.
    #[error("invalid {field}: {message}")]
    Validation {
        /// The input field, in the client's vocabulary.
        field: String,
        /// The rule that was broken (never the offending value).
        message: String,
    },
    /// The change conflicts with the current state (duplicate, illegal transition, limit).
    #[error("conflict: {0}")]
    Conflict(String),
    /// No (valid) identity was presented.
    #[error("authentication required")]
    Unauthenticated,
    /// The service cannot answer now: the database is unreachable or saturated, or a statement
    /// or the request ran out of time. Nothing was changed; the same request may succeed later.
    #[error("temporarily unavailable: {0}")]
    Unavailable(&'static str),
    /// The caller sent more requests than their share allows.
    #[error("too many requests: retry in {retry_after_seconds} s")]
    RateLimited {
        /// When a retry may succeed.
        retry_after_seconds: u64,
    },
    /// Anything unexpected; the transport answers with a generic message and logs the cause.
    #[error(transparent)]
    Unknown(#[from] anyhow::Error),
}

impl DomainError {
    /// A validation error for `field`.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The stable machine-readable code, shared by GraphQL `extensions.code` and REST problems.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "NOT_FOUND",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::Validation { .. } => "VALIDATION",
            Self::Conflict(_) => "CONFLICT",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Unavailable(_) => "UNAVAILABLE",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Unknown(_) => "INTERNAL",
        }
    }
}

/// How long a client should wait before retrying an `UNAVAILABLE` answer.
pub const UNAVAILABLE_RETRY_AFTER_SECONDS: u64 = 2;

impl DomainError {
    /// Seconds after which a retry may succeed, for the errors that are worth retrying.
    #[must_use]
    pub const fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            Self::Unavailable(_) => Some(UNAVAILABLE_RETRY_AFTER_SECONDS),
            Self::RateLimited {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }
}

/// Result alias for domain operations.
pub type DomainResult<T> = Result<T, DomainError>;
