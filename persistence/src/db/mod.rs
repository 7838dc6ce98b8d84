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
//!
//! `pool.rs` holds the pool's behaviour (timeouts, tenant shares, readiness, statistics) and
//! `tx.rs` the transaction type.

mod local;
mod pool;
mod scope;
mod stats;
mod tx;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use peerbro_domain::ids::TenantId;
use peerbro_domain::{DomainError, DomainResult};
use peerbro_migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};
use sqlx::postgres::PgPool;
use tokio::runtime::Handle;

use pool::Traffic;
pub use pool::{PoolSettings, PoolStats, Readiness};
pub use scope::{Batch, ReadScope};
pub(crate) use tx::Tx;

use crate::errors::{DOWN, SHARE_IN_USE, unavailable_sqlx, unexpected};
use pool::{TenantGates, Waiting, connect_options};
use tx::{OwnTx, TxInner, sqlx_err};

/// Which database the server talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL (production).
    Postgres,
    /// SQLite (the embedded default, development and tests).
    Sqlite,
}

/// A pool of connections to one database.
///
/// PostgreSQL connections of the main pool are opened on the runtime that created it (the
/// process's main runtime): a socket belongs to the runtime that opened it, and a worker runtime
/// that stops first at shutdown would otherwise take with it connections that other work is
/// still using. An HTTP worker that [attaches](Self::attach_worker) gets a pool of its own on
/// its own runtime instead (ADR 0021).
#[derive(Clone, Debug)]
pub struct Database {
    conn: DatabaseConnection,
    pg: Option<PgPool>,
    health: DatabaseConnection,
    runtime: Handle,
    settings: PoolSettings,
    gates: Arc<TenantGates>,
    waiting: Arc<AtomicU32>,
    traffic: Arc<Traffic>,
    /// The HTTP workers' own pools.
    locals: Arc<local::Locals>,
    /// Tenants this process wrote pending audit entries or outbox events for.
    notes: Arc<pool::Notes>,
    /// Tenant settings read recently (`crate::settings`).
    pub(crate) settings_memo: Arc<std::sync::Mutex<SettingsMemo>>,
    /// Callers resolved recently (`crate::callers`).
    pub(crate) callers: Arc<crate::callers::CallerCache>,
    /// The chat's wake-ups (`crate::chat_wakeups`).
    pub(crate) chat: Arc<crate::chat_wakeups::ChatWakeups>,
}

/// Tenant settings rows as last read, with when they were read.
pub(crate) type SettingsMemo = std::collections::HashMap<
    TenantId,
    (
        std::time::Instant,
        Option<crate::entities::peers::tenant_settings::Model>,
    ),
>;

impl Database {
    /// Connects to `url` (`postgres://…` or `sqlite://…`) with the default pool behaviour.
    ///
    /// # Errors
    /// When the URL is not understood or the database cannot be reached.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        Self::connect_with(url, PoolSettings::new(max_connections)).await
    }

    /// Connects to `url` with `settings`. Must be called on the runtime that outlives every
    /// user of the pool (the process's main runtime).
    ///
    /// # Errors
    /// When the URL is not understood or the database cannot be reached.
    pub async fn connect_with(url: &str, settings: PoolSettings) -> anyhow::Result<Self> {
        let options = connect_options(url, &settings, settings.max_connections);
        let conn = sea_orm::Database::connect(options)
            .await
            .context("could not connect to the database")?;
        // The readiness probe has a connection of its own, so that a full pool does not read
        // as a dead database.
        let mut probe = connect_options(url, &settings, 1);
        probe
            .acquire_timeout(Duration::from_millis(900))
            .connect_timeout(Duration::from_millis(900))
            .connect_lazy(true);
        let health = sea_orm::Database::connect(probe)
            .await
            .context("could not set up the readiness probe")?;
        let pg = match conn.get_database_backend() {
            DbBackend::Postgres => Some(conn.get_postgres_connection_pool().clone()),
            _ => None,
        };
        Ok(Self {
            conn,
            pg,
            health,
            runtime: Handle::current(),
            gates: Arc::new(TenantGates {
                share: settings
                    .tenant_share
                    .clamp(1, settings.max_connections.max(1)),
                gates: std::sync::Mutex::default(),
            }),
            settings,
            waiting: Arc::new(AtomicU32::new(0)),
            traffic: Arc::new(Traffic::default()),
            settings_memo: Arc::default(),
            notes: Arc::default(),
            locals: Arc::default(),
            callers: Arc::default(),
            chat: Arc::default(),
        })
    }

    /// Gives the calling HTTP worker thread a PostgreSQL pool of its own on its own runtime,
    /// `1/workers` of the pool's size (ADR 0021). A second call on a thread, or SQLite: no-op.
    pub fn attach_worker(&self, workers: u32) {
        if let Some(main) = &self.pg {
            let share = self.settings.max_connections.div_ceil(workers.max(1));
            self.locals.attach(main, share);
        }
    }

    /// The pool's behaviour.
    #[must_use]
    pub const fn settings(&self) -> PoolSettings {
        self.settings
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

    /// Whether the database answers within `within` on the probe's own connection, and
    /// whether the pool has room. Never waits longer than `within`.
    pub async fn readiness(&self, within: Duration) -> Readiness {
        let health = self.health.clone();
        let probe = self.runtime.spawn(async move { health.ping().await });
        match tokio::time::timeout(within, probe).await {
            Ok(Ok(Ok(()))) if self.stats().saturated() => Readiness::Busy,
            Ok(Ok(Ok(()))) => Readiness::Up,
            Ok(Ok(Err(err))) => {
                tracing::warn!(error = %err, "readiness probe failed");
                Readiness::Down
            }
            Ok(Err(_)) | Err(_) => Readiness::Down,
        }
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
        for pool in self.locals.all() {
            pool.close().await;
        }
        if let Err(err) = self.conn.close().await {
            tracing::warn!(error = %err, "closing the database pool failed");
        }
        self.health.close().await.ok();
    }

    /// Notes that `tenant` has pending audit entries.
    pub(crate) fn note_audit_pending(&self, tenant: TenantId) {
        pool::Notes::note(&self.notes.audit, tenant);
    }

    /// The tenants noted with pending audit entries since the last call.
    pub(crate) fn take_audit_pending(&self) -> std::collections::HashSet<TenantId> {
        pool::Notes::take(&self.notes.audit)
    }

    /// The tenants noted with new outbox events since the last call.
    pub(crate) fn take_outbox_noted(&self) -> std::collections::HashSet<TenantId> {
        pool::Notes::take(&self.notes.outbox)
    }

    /// The raw connection (tests and benchmarks).
    #[cfg(feature = "testing")]
    pub(crate) const fn raw(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// A transaction acting in `tenant`: inside a request's [`ReadScope`], the request's shared
    /// one (opened now if it is the first); otherwise one of its own.
    pub(crate) async fn begin(&self, tenant: TenantId) -> DomainResult<Tx> {
        if ReadScope::current().is_some() {
            // The scope's transaction, or for another tenant (the national view, ADR 0034) a
            // read of its own, not waiting on the SQLite write lock the scope may hold.
            return self.begin_read(tenant).await;
        }
        self.begin_own(tenant).await.map(Tx::Own)
    }

    /// A read acting in `tenant`: the read scope's transaction when in the same tenant, else
    /// its own, taking no SQLite write lock (a request reading its caller's memberships of
    /// other tenants, ADR 0028, must not wait on its own scope's lock).
    pub(crate) async fn begin_read(&self, tenant: TenantId) -> DomainResult<Tx> {
        if let Some(scope) = ReadScope::current()
            && let Some(tx) = scope.shared(tenant, || self.begin_own(tenant)).await?
        {
            return Ok(Tx::Shared(tx));
        }
        self.begin_own_with(tenant, SqliteTransactionMode::Deferred)
            .await
            .map(Tx::Own)
    }

    /// A transaction of its own acting in `tenant`, also inside a read scope: for use cases
    /// that take locks and decide their own commit.
    pub(crate) async fn begin_write(&self, tenant: TenantId) -> DomainResult<Tx> {
        self.begin_own(tenant).await.map(Tx::Own)
    }

    /// Opens a transaction acting in `tenant`, within the tenant's share of the pool.
    ///
    /// The tenant is set with `SET LOCAL` after `citus.propagate_set_commands = 'local'`, in
    /// the same round trip as `BEGIN`: on a database distributed by tenant (Citus) only a
    /// propagated `SET LOCAL` reaches the shards, where `set_config(…, true)` does not; on
    /// plain PostgreSQL the `citus.` setting is an inert placeholder. The value is the typed
    /// id's own rendering (hex digits and dashes), never text from a request.
    async fn begin_own(&self, tenant: TenantId) -> DomainResult<OwnTx> {
        self.begin_own_with(tenant, SqliteTransactionMode::Immediate)
            .await
    }

    async fn begin_own_with(
        &self,
        tenant: TenantId,
        sqlite: SqliteTransactionMode,
    ) -> DomainResult<OwnTx> {
        let _waiting = Waiting::new(&self.waiting);
        let gate = self.gates.gate(tenant);
        let permit = tokio::time::timeout(self.settings.acquire_timeout, gate.acquire_owned())
            .await
            .map_err(|_| {
                tracing::warn!(tenant = %tenant, "the tenant's share of the pool is exhausted");
                DomainError::Unavailable(SHARE_IN_USE)
            })?
            .map_err(|_| DomainError::Unavailable(SHARE_IN_USE))?;
        let uuid: uuid::Uuid = tenant.as_uuid();
        let sql = format!(
            "BEGIN; SET LOCAL citus.propagate_set_commands = 'local'; \
             SET LOCAL app.tenant_id = '{}'",
            uuid.as_hyphenated()
        );
        let inner = self.open(sql, sqlite).await?;
        Ok(OwnTx {
            inner,
            _permit: Some(permit),
            traffic: self.traffic.clone(),
            failed: std::sync::atomic::AtomicBool::new(false),
            notes: Some(self.notes.clone()),
        })
    }

    /// Opens a transaction that acts in no tenant, for the tenant registry (which has no
    /// tenant column): listing tenants, finding one by slug.
    pub(crate) async fn begin_unscoped(&self) -> DomainResult<Tx> {
        let _waiting = Waiting::new(&self.waiting);
        // A read: on SQLite it need not take the write lock.
        let inner = self
            .open("BEGIN".to_owned(), SqliteTransactionMode::Deferred)
            .await?;
        Ok(Tx::Own(OwnTx {
            inner,
            _permit: None,
            traffic: self.traffic.clone(),
            failed: std::sync::atomic::AtomicBool::new(false),
            notes: None,
        }))
    }

    async fn open(&self, begin: String, sqlite: SqliteTransactionMode) -> DomainResult<TxInner> {
        self.traffic.transactions.fetch_add(1, Ordering::Relaxed);
        self.traffic.round_trip();
        match &self.pg {
            Some(pool) => {
                let begun = if let Some(here) = self.locals.here() {
                    // This worker's own pool, on its own runtime.
                    here.begin_with(sqlx::AssertSqlSafe(begin)).await
                } else {
                    let pool = pool.clone();
                    // On the main runtime, so that a connection it opens lives on that runtime.
                    self.runtime
                        .spawn(async move { pool.begin_with(sqlx::AssertSqlSafe(begin)).await })
                        .await
                        .map_err(|_| DomainError::Unavailable(DOWN))?
                };
                let tx = begun.map_err(|e| match unavailable_sqlx(&e) {
                    Some(why) => {
                        tracing::warn!(error = %e, "database unavailable");
                        DomainError::Unavailable(why)
                    }
                    None => unexpected(sqlx_err(e)),
                })?;
                Ok(TxInner::Pg(tokio::sync::Mutex::new(tx)))
            }
            None => {
                let options = TransactionOptions {
                    sqlite_transaction_mode: Some(sqlite),
                    ..TransactionOptions::default()
                };
                let tx = self
                    .conn
                    .begin_with_options(options)
                    .await
                    .map_err(unexpected)?;
                Ok(TxInner::Sea(tx))
            }
        }
    }
}
