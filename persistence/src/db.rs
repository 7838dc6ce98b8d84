//! The connection pool and tenant transactions.
//!
//! On PostgreSQL a tenant transaction is opened with one simple-query round trip,
//! `BEGIN; SELECT set_config('app.tenant_id', '<uuid>', true)`: the setting is local to the
//! transaction, so it can never leak to the next user of a pooled connection, and sending it
//! with `BEGIN` avoids the extra round trip that was measured to cost far more than the policy
//! itself. sea-orm has no hook for a custom `BEGIN`, so the transaction is a sqlx transaction
//! wrapped in [`Tx`], which implements sea-orm's `ConnectionTrait` so that entities and query
//! builders work on it unchanged. On SQLite (development and tests) it is a sea-orm
//! transaction, begun `IMMEDIATE` so that concurrent writers wait instead of failing.

use std::time::Duration;

use anyhow::Context as _;
use peerbro_domain::ids::TenantId;
use peerbro_domain::{DomainError, DomainResult};
use peerbro_migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, QueryResult, RuntimeErr, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};
use sea_query_sqlx::SqlxValues;
use sqlx::postgres::PgPool;

use crate::errors::unexpected;

/// Which database the server talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL (production).
    Postgres,
    /// SQLite (the embedded default, development and tests).
    Sqlite,
}

/// A pool of connections to one database.
#[derive(Clone, Debug)]
pub struct Database {
    conn: DatabaseConnection,
    pg: Option<PgPool>,
}

impl Database {
    /// Connects to `url` (`postgres://…` or `sqlite://…`).
    ///
    /// # Errors
    /// When the URL is not understood or the database cannot be reached.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(max_connections)
            .min_connections(0)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false);
        let conn = sea_orm::Database::connect(options)
            .await
            .context("could not connect to the database")?;
        let pg = match conn.get_database_backend() {
            DbBackend::Postgres => Some(conn.get_postgres_connection_pool().clone()),
            _ => None,
        };
        Ok(Self { conn, pg })
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

    /// Applies pending migrations.
    ///
    /// # Errors
    /// When a migration fails.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        Migrator::up(&self.conn, None)
            .await
            .context("migration failed")
    }

    /// Whether the database answers.
    ///
    /// # Errors
    /// When it does not.
    pub async fn ping(&self) -> anyhow::Result<()> {
        self.conn.ping().await.context("database ping failed")
    }

    /// On PostgreSQL, refuses a role that could escape row-level security: a superuser, a role
    /// with `BYPASSRLS`, or the owner of any table (owners can turn policies off).
    ///
    /// # Errors
    /// When the connected role is such a role.
    pub async fn ensure_rls_cannot_be_bypassed(&self) -> anyhow::Result<()> {
        if self.pg.is_none() {
            return Ok(());
        }
        let row = self
            .conn
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT current_user::text AS role, r.rolsuper, r.rolbypassrls, \
                 (SELECT count(*) FROM pg_tables t WHERE t.schemaname = 'public' \
                  AND t.tableowner = current_user) AS owned \
                 FROM pg_roles r WHERE r.rolname = current_user",
            ))
            .await?
            .context("could not read the connected role")?;
        let role: String = row.try_get("", "role")?;
        let superuser: bool = row.try_get("", "rolsuper")?;
        let bypass: bool = row.try_get("", "rolbypassrls")?;
        let owned: i64 = row.try_get("", "owned")?;
        if superuser || bypass || owned > 0 {
            anyhow::bail!(
                "PEERBRO_DATABASE_URL connects as role {role:?}, which is a superuser, has \
                 BYPASSRLS or owns tables, so row-level security would not hold. Connect as \
                 the unprivileged role `{}` and give the owner's URL in \
                 PEERBRO_DATABASE_ADMIN_URL for migrations.",
                peerbro_migration::APP_ROLE
            );
        }
        Ok(())
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(self) {
        if let Err(err) = self.conn.close().await {
            tracing::warn!(error = %err, "closing the database pool failed");
        }
    }

    /// The raw connection, for statements that are not tenant data (tenant registry).
    pub(crate) const fn raw(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Opens a transaction acting in `tenant`.
    pub(crate) async fn begin(&self, tenant: TenantId) -> DomainResult<Tx> {
        match &self.pg {
            Some(pool) => {
                // A UUID's text form is hex and dashes only, so it is safe to inline.
                let sql = format!(
                    "BEGIN; SELECT set_config('app.tenant_id', '{}', true)",
                    tenant.as_uuid()
                );
                let tx = pool
                    .begin_with(sqlx::AssertSqlSafe(sql))
                    .await
                    .map_err(|e| unexpected(sqlx_err(e)))?;
                Ok(Tx::Pg(tokio::sync::Mutex::new(tx)))
            }
            None => {
                let options = TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..TransactionOptions::default()
                };
                let tx = self
                    .conn
                    .begin_with_options(options)
                    .await
                    .map_err(unexpected)?;
                Ok(Tx::Sea(tx))
            }
        }
    }
}

fn sqlx_err(err: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(err)))
}

/// A transaction acting in one tenant.
pub(crate) enum Tx {
    Sea(DatabaseTransaction),
    Pg(tokio::sync::Mutex<sqlx::Transaction<'static, sqlx::Postgres>>),
}

impl Tx {
    /// Commits; dropping a `Tx` without committing rolls it back.
    pub(crate) async fn commit(self) -> Result<(), DomainError> {
        match self {
            Self::Sea(tx) => tx.commit().await.map_err(unexpected),
            Self::Pg(tx) => tx
                .into_inner()
                .commit()
                .await
                .map_err(|e| unexpected(sqlx_err(e))),
        }
    }

    /// Whether row locks (`FOR UPDATE`) are meaningful (PostgreSQL; SQLite locks the file).
    pub(crate) const fn locks_rows(&self) -> bool {
        matches!(self, Self::Pg(_))
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
        match self {
            Self::Sea(tx) => tx.get_database_backend(),
            Self::Pg(_) => DbBackend::Postgres,
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match self {
            Self::Sea(tx) => tx.execute_raw(stmt).await,
            Self::Pg(tx) => {
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
        match self {
            Self::Sea(tx) => tx.execute_unprepared(sql).await,
            Self::Pg(tx) => {
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
        match self {
            Self::Sea(tx) => tx.query_one_raw(stmt).await,
            Self::Pg(tx) => {
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
        match self {
            Self::Sea(tx) => tx.query_all_raw(stmt).await,
            Self::Pg(tx) => {
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
