//! Database errors mapped to domain errors at the seam. Messages are fixed strings: database
//! error details can quote the offending values, which may be personal data.

use peerbro_domain::DomainError;
use sea_orm::{DbErr, SqlErr};

/// Maps a database error; `conflict` is the client-facing message for a unique violation.
pub(crate) fn map_db(err: DbErr, conflict: &str) -> DomainError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => DomainError::Conflict(conflict.to_owned()),
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => DomainError::NotFound {
            resource: "referenced resource",
        },
        _ => DomainError::Unknown(anyhow::Error::new(err).context("database")),
    }
}

/// Maps a database error where no constraint is expected.
pub(crate) fn unexpected(err: DbErr) -> DomainError {
    DomainError::Unknown(anyhow::Error::new(err).context("database"))
}
