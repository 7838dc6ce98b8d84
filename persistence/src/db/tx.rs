//! A transaction acting in one tenant, usable wherever sea-orm expects a connection.

use peerbro_domain::DomainError;
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr,
    Statement,
};
use sea_query_sqlx::SqlxValues;
use tokio::sync::OwnedSemaphorePermit;

use crate::errors::unexpected;

pub(super) fn sqlx_err(err: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(err)))
}

/// A transaction acting in one tenant; it holds one of the tenant's share of connections
/// until it is committed or dropped (rolled back).
pub(crate) struct Tx {
    pub(super) inner: TxInner,
    pub(super) _permit: Option<OwnedSemaphorePermit>,
    pub(super) traffic: std::sync::Arc<super::pool::Traffic>,
}

pub(super) enum TxInner {
    Sea(DatabaseTransaction),
    Pg(tokio::sync::Mutex<sqlx::Transaction<'static, sqlx::Postgres>>),
}

impl Tx {
    /// Commits; dropping a `Tx` without committing rolls it back.
    pub(crate) async fn commit(self) -> Result<(), DomainError> {
        self.traffic.round_trip();
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
