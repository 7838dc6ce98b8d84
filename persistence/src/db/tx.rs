//! A transaction acting in one tenant, usable wherever sea-orm expects a connection.

use peerbro_domain::DomainError;
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr,
    Statement,
};
use sea_query_sqlx::SqlxValues;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::OwnedSemaphorePermit;

use crate::errors::{FAILED_EARLIER, unexpected};

pub(super) fn sqlx_err(err: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(err)))
}

/// A transaction acting in one tenant, as a port call sees it: its own, or the request's
/// shared read transaction (see `scope.rs`), whose commit is the scope's to make.
pub(crate) enum Tx {
    /// A transaction of its own: committed by [`Tx::commit`], rolled back when dropped.
    Own(OwnTx),
    /// The request's read transaction: [`Tx::commit`] leaves it open for the next port call.
    Shared(Arc<OwnTx>),
}

/// A transaction acting in one tenant; it holds one of the tenant's share of connections
/// until it is committed or dropped (rolled back).
pub(crate) struct OwnTx {
    pub(super) inner: TxInner,
    pub(super) _permit: Option<OwnedSemaphorePermit>,
    pub(super) traffic: Arc<super::pool::Traffic>,
    /// A statement failed: on PostgreSQL the transaction is aborted and its COMMIT would
    /// quietly roll back, so a shared transaction that failed must not be reported committed.
    pub(super) failed: AtomicBool,
    /// Where the pool it came from notes tenants for its background work.
    pub(super) notes: Option<Arc<super::pool::Notes>>,
}

pub(super) enum TxInner {
    Sea(DatabaseTransaction),
    Pg(tokio::sync::Mutex<sqlx::Transaction<'static, sqlx::Postgres>>),
}

impl Tx {
    /// Commits a transaction of its own; dropping one without committing rolls it back. The
    /// request's shared transaction is committed by its scope when the request ends.
    pub(crate) async fn commit(self) -> Result<(), DomainError> {
        match self {
            Self::Own(tx) => tx.commit().await,
            Self::Shared(_) => Ok(()),
        }
    }

    /// Whether row locks (`FOR UPDATE`) are meaningful (PostgreSQL; SQLite locks the file).
    pub(crate) fn locks_rows(&self) -> bool {
        self.own().locks_rows()
    }

    /// Notes, on the database it was opened on, that `tenant` has pending audit entries.
    pub(crate) fn note_audit_pending(&self, tenant: peerbro_domain::ids::TenantId) {
        if let Some(notes) = &self.own().notes {
            super::pool::Notes::note(&notes.audit, tenant);
        }
    }

    /// Notes, on the database it was opened on, that `tenant` has new outbox events.
    pub(crate) fn note_outbox(&self, tenant: peerbro_domain::ids::TenantId) {
        if let Some(notes) = &self.own().notes {
            super::pool::Notes::note(&notes.outbox, tenant);
        }
    }

    fn own(&self) -> &OwnTx {
        match self {
            Self::Own(tx) => tx,
            Self::Shared(tx) => tx,
        }
    }
}

impl OwnTx {
    /// Commits; a transaction in which a statement failed is rolled back and reported failed.
    pub(crate) async fn commit(self) -> Result<(), DomainError> {
        self.traffic.round_trip();
        if self.failed.load(Ordering::Relaxed) {
            return Err(DomainError::Unavailable(FAILED_EARLIER));
        }
        match self.inner {
            TxInner::Sea(tx) => tx.commit().await.map_err(unexpected),
            TxInner::Pg(tx) => tx
                .into_inner()
                .commit()
                .await
                .map_err(|e| unexpected(sqlx_err(e))),
        }
    }

    /// Whether row locks (`FOR UPDATE`) are meaningful (PostgreSQL; SQLite locks the file).
    pub(crate) const fn locks_rows(&self) -> bool {
        matches!(self.inner, TxInner::Pg(_))
    }

    fn note<T>(&self, result: Result<T, DbErr>) -> Result<T, DbErr> {
        if result.is_err() {
            self.failed.store(true, Ordering::Relaxed);
        }
        result
    }
}

fn pg_query(stmt: &Statement) -> sqlx::query::Query<'_, sqlx::Postgres, SqlxValues> {
    let values = stmt
        .values
        .clone()
        .unwrap_or_else(|| sea_orm::sea_query::Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values))
}

#[async_trait::async_trait]
impl ConnectionTrait for Tx {
    fn get_database_backend(&self) -> DbBackend {
        self.own().get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let own = self.own();
        own.note(own.execute_raw(stmt).await)
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let own = self.own();
        own.note(own.execute_unprepared(sql).await)
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let own = self.own();
        own.note(own.query_one_raw(stmt).await)
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let own = self.own();
        own.note(own.query_all_raw(stmt).await)
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for OwnTx {
    fn get_database_backend(&self) -> DbBackend {
        match &self.inner {
            TxInner::Sea(tx) => tx.get_database_backend(),
            TxInner::Pg(_) => DbBackend::Postgres,
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.traffic.round_trip();
        match &self.inner {
            TxInner::Sea(tx) => tx.execute_raw(stmt).await,
            TxInner::Pg(tx) => {
                let mut tx = tx.lock().await;
                pg_query(&stmt)
                    .execute(&mut **tx)
                    .await
                    .map(Into::into)
                    .map_err(sqlx_err)
            }
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.traffic.round_trip();
        match &self.inner {
            TxInner::Sea(tx) => tx.execute_unprepared(sql).await,
            TxInner::Pg(tx) => {
                let mut tx = tx.lock().await;
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut **tx)
                    .await
                    .map(Into::into)
                    .map_err(sqlx_err)
            }
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.traffic.round_trip();
        match &self.inner {
            TxInner::Sea(tx) => tx.query_one_raw(stmt).await,
            TxInner::Pg(tx) => {
                let mut tx = tx.lock().await;
                pg_query(&stmt)
                    .fetch_optional(&mut **tx)
                    .await
                    .map(|row| row.map(Into::into))
                    .map_err(sqlx_err)
            }
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.traffic.round_trip();
        match &self.inner {
            TxInner::Sea(tx) => tx.query_all_raw(stmt).await,
            TxInner::Pg(tx) => {
                let mut tx = tx.lock().await;
                pg_query(&stmt)
                    .fetch_all(&mut **tx)
                    .await
                    .map(|rows| rows.into_iter().map(Into::into).collect())
                    .map_err(sqlx_err)
            }
        }
    }
}
