//! What the pool is doing (`/metrics`, readiness) and the caller listener's start: the
//! parts of [`Database`] that only read its figures or hand its pool to a background task.

use std::sync::atomic::Ordering;

use sea_orm::DbBackend;

use super::pool::PoolStats;
use super::{Backend, Database};

impl Database {
    /// What the pool is doing now.
    #[must_use]
    pub fn stats(&self) -> PoolStats {
        let (open, idle) = match self.conn.get_database_backend() {
            DbBackend::Postgres => {
                let (open, idle) = self.locals.counts(self.conn.get_postgres_connection_pool());
                (open, u32::try_from(idle).unwrap_or(u32::MAX))
            }
            DbBackend::Sqlite => {
                let pool = self.conn.get_sqlite_connection_pool();
                (
                    pool.size(),
                    u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                )
            }
            _ => (0, 0),
        };
        PoolStats {
            max: self.settings.max_connections,
            open,
            idle,
            waiting: self.waiting.load(Ordering::Relaxed),
            transactions: self.traffic.transactions.load(Ordering::Relaxed),
            round_trips: self.traffic.round_trips.load(Ordering::Relaxed),
            callers_live: self.callers.is_live(),
            callers_from_memory: self.callers.hits(),
        }
    }

    /// The backend.
    #[must_use]
    pub fn backend(&self) -> Backend {
        if self.pg.is_some() {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// Starts following the chat's changes on PostgreSQL (`crate::chat_wakeups`); returns the
    /// task, to be aborted before the pool closes. On SQLite the store wakes subscribers itself.
    #[must_use]
    pub fn start_chat_listener(&self) -> Option<tokio::task::JoinHandle<()>> {
        let pool = self.pg.clone()?;
        Some(
            self.runtime
                .spawn(crate::pg_channel::follow(pool, self.chat.clone())),
        )
    }

    /// The chat's wake-ups in this process.
    #[must_use]
    pub fn chat_wakeups(&self) -> std::sync::Arc<crate::chat_wakeups::ChatWakeups> {
        self.chat.clone()
    }

    /// Starts following changes to callers on PostgreSQL, so that the callers of requests can
    /// be answered from memory (`crate::callers`, ADR 0022); until it runs, and on SQLite,
    /// every request reads its caller. Returns the task, to be aborted before the pool closes.
    #[must_use]
    pub fn start_caller_listener(&self) -> Option<tokio::task::JoinHandle<()>> {
        let pool = self.pg.clone()?;
        Some(
            self.runtime
                .spawn(crate::pg_channel::follow(pool, self.callers.clone())),
        )
    }
}

impl Database {
    /// On SQLite, copies the write-ahead log into the database file and empties the log, so
    /// that bytes an erasure overwrote are gone from the files too (a best effort: a reader
    /// still holding an older snapshot keeps its frames until the next checkpoint). Nothing on
    /// PostgreSQL, whose old row versions are reclaimed by vacuum.
    pub(crate) async fn checkpoint(&self) {
        use sea_orm::ConnectionTrait as _;
        if self.conn.get_database_backend() == sea_orm::DatabaseBackend::Sqlite
            && let Err(e) = self
                .conn
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await
        {
            tracing::warn!(error = %e, "the checkpoint after an erasure did not run");
        }
    }
}
