//! Database errors mapped to domain errors at the seam. Messages are fixed strings: database
//! error details can quote the offending values, which may be personal data.
//!
//! Three kinds of failure are told apart here, once, for every adapter:
//! - the environment (database unreachable, pool or tenant share exhausted, a statement or lock
//!   timeout, the server shutting down): `Unavailable`, answered 503 with `Retry-After`;
//! - a reference to a row that does not exist in the tenant (a foreign-key violation, which is
//!   what another tenant's id produces): `NotFound`, never `INTERNAL`;
//! - anything else: `Unknown`, answered `INTERNAL` with the cause in the log.

use peerbro_domain::DomainError;
use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr, SqlErr};

/// The pool had no connection within the acquire timeout: every connection was in use, or
/// none could be opened (sqlx retries a refused connection until the same deadline).
pub(crate) const BUSY: &str = "the database is unreachable or busy; retry shortly";
/// The tenant's share of the pool stayed in use for the whole acquire timeout.
pub(crate) const SHARE_IN_USE: &str =
    "this partnership's share of database connections is in use; retry shortly";
/// The database cannot be reached.
pub(crate) const DOWN: &str = "the database cannot be reached; retry shortly";
/// A statement or lock wait ran past its limit.
const TIMED_OUT: &str = "the database did not finish in time; retry shortly";
/// A statement of the request's shared transaction failed earlier (its cause is answered
/// and logged where it happened), so nothing read in it may be reported.
pub(crate) const FAILED_EARLIER: &str = "the database failed part of this request; retry shortly";
/// The pool is closed: the server is stopping.
const STOPPING: &str = "the server is shutting down; retry on another instance";

/// Why the environment, not the request, failed, if it did.
pub(crate) fn unavailable(err: &DbErr) -> Option<&'static str> {
    match err {
        DbErr::ConnectionAcquire(ConnAcquireErr::Timeout) => Some(BUSY),
        DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed) => Some(DOWN),
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => unavailable_sqlx(e),
        _ => None,
    }
}

/// The same for a sqlx error.
pub(crate) fn unavailable_sqlx(err: &sqlx::Error) -> Option<&'static str> {
    match err {
        // A refused connection is retried by the pool until the acquire timeout, so an outage
        // and a saturated pool both end here; the readiness probe tells them apart.
        sqlx::Error::PoolTimedOut => Some(BUSY),
        sqlx::Error::PoolClosed => Some(STOPPING),
        // A connection that breaks mid-handshake or mid-message (a proxy or load balancer
        // with no database behind it answers that way) is the database being unreachable.
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => Some(DOWN),
        sqlx::Error::Database(db) => {
            let code = db.code()?;
            match code.as_ref() {
                // query_canceled (statement_timeout), lock_not_available (lock_timeout),
                // idle_in_transaction_session_timeout
                "57014" | "55P03" | "25P03" => Some(TIMED_OUT),
                // in_failed_sql_transaction: an earlier statement of the request's shared
                // read transaction failed, and was answered where it did
                "25P02" => Some(FAILED_EARLIER),
                // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections,
                // configuration_limit_exceeded, and the connection-exception class
                "57P01" | "57P02" | "57P03" | "53300" | "53400" => Some(DOWN),
                c if c.starts_with("08") => Some(DOWN),
                // serialization_failure, deadlock_detected: the same request may succeed
                "40001" | "40P01" => Some(BUSY),
                // SQLite: SQLITE_BUSY and SQLITE_LOCKED with their extended codes
                c => c
                    .parse::<u32>()
                    .ok()
                    .filter(|n| matches!(n % 256, 5 | 6))
                    .map(|_| TIMED_OUT),
            }
        }
        _ => None,
    }
}

fn foreign_key_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(SqlErr::ForeignKeyConstraintViolation(_))
    )
}

/// Maps a database error; a unique violation means `conflict`.
pub(crate) fn map_db(err: DbErr, conflict: impl Into<DomainError>) -> DomainError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => conflict.into(),
        _ => unexpected(err),
    }
}

/// Maps a database error where more than one unique constraint can be violated: the one whose
/// name (PostgreSQL) or columns (SQLite) contain `marker` means `when`, any other `otherwise`.
pub(crate) fn map_unique(
    err: DbErr,
    marker: &str,
    when: impl Into<DomainError>,
    otherwise: impl Into<DomainError>,
) -> DomainError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) if message.contains(marker) => when.into(),
        Some(SqlErr::UniqueConstraintViolation(_)) => otherwise.into(),
        _ => unexpected(err),
    }
}

/// Maps a database error where no constraint is expected.
pub(crate) fn unexpected(err: DbErr) -> DomainError {
    if let Some(why) = unavailable(&err) {
        tracing::warn!(error = %err, "database unavailable");
        return DomainError::Unavailable(why);
    }
    if foreign_key_violation(&err) {
        // Every input id is resolved in the tenant before it is written; this is the last
        // line, so that a missed check still answers NOT_FOUND rather than INTERNAL.
        tracing::warn!("a write referenced a row that is not in the tenant");
        return DomainError::NotFound {
            resource: "referenced resource",
        };
    }
    DomainError::Unknown(anyhow::Error::new(err).context("database"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn environment_failures_are_unavailable_and_others_are_not() {
        let sqlx = |e: sqlx::Error| DbErr::Query(RuntimeErr::SqlxError(Arc::new(e)));
        assert_eq!(
            unavailable(&DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)),
            Some(BUSY)
        );
        assert_eq!(unavailable(&sqlx(sqlx::Error::PoolTimedOut)), Some(BUSY));
        assert_eq!(
            unavailable(&sqlx(sqlx::Error::Io(std::io::Error::from(
                std::io::ErrorKind::ConnectionReset
            )))),
            Some(DOWN)
        );
        assert_eq!(unavailable(&sqlx(sqlx::Error::PoolClosed)), Some(STOPPING));
        assert_eq!(unavailable(&sqlx(sqlx::Error::RowNotFound)), None);
        assert_eq!(unavailable(&DbErr::Custom("x".to_owned())), None);
        assert!(matches!(
            unexpected(DbErr::Custom("x".to_owned())),
            DomainError::Unknown(_)
        ));
        assert!(matches!(
            unexpected(sqlx(sqlx::Error::PoolTimedOut)),
            DomainError::Unavailable(_)
        ));
    }
}
