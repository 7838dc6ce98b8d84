//! How the pool behaves under load and failure: timeouts, each tenant's share of it, what the
//! readiness probe found, and the figures metrics and readiness read.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use peerbro_domain::ids::TenantId;
use sea_orm::ConnectOptions;
use tokio::sync::Semaphore;

/// How the pool behaves under load and failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolSettings {
    /// Connections in the pool.
    pub max_connections: u32,
    /// How long a transaction waits for a connection (or for its tenant's share) before the
    /// request is answered `UNAVAILABLE`. During an outage this is also how long the pool keeps
    /// retrying the connection, so it bounds how late the answer comes.
    pub acquire_timeout: Duration,
    /// The longest a statement, or a wait for a row lock, may take on PostgreSQL (zero: no
    /// limit, for migrations). SQLite waits this long for its write lock.
    pub statement_timeout: Duration,
    /// How many connections one tenant may hold at once, so that one tenant's flood leaves
    /// the rest of the pool to the others.
    pub tenant_share: u32,
    /// PostgreSQL plans each prepared statement once per connection
    /// (`plan_cache_mode = force_generic_plan`) instead of choosing per execution (ADR 0024).
    pub generic_plans: bool,
}

impl PoolSettings {
    /// The defaults for a pool of `max_connections`: a 1 s acquire timeout, a 5 s statement
    /// timeout, half the pool (rounded up) for any one tenant, and generic plans.
    #[must_use]
    pub fn new(max_connections: u32) -> Self {
        let max_connections = max_connections.max(1);
        Self {
            max_connections,
            acquire_timeout: Duration::from_secs(1),
            statement_timeout: Duration::from_secs(5),
            tenant_share: max_connections.div_ceil(2),
            generic_plans: true,
        }
    }

    /// For the schema owner's short-lived pool: no statement timeout (a migration may build
    /// an index on a large table) and patient acquisition.
    #[must_use]
    pub fn admin(max_connections: u32) -> Self {
        Self {
            acquire_timeout: Duration::from_secs(30),
            statement_timeout: Duration::ZERO,
            tenant_share: max_connections.max(1),
            ..Self::new(max_connections)
        }
    }
}

/// What the pool is doing, for readiness and metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// The pool's size limit.
    pub max: u32,
    /// Connections open.
    pub open: u32,
    /// Of which idle.
    pub idle: u32,
    /// Transactions waiting for a connection or for their tenant's share.
    pub waiting: u32,
    /// Transactions begun since the pool was made.
    pub transactions: u64,
    /// Round trips to the database since the pool was made: a transaction's begin (with the
    /// tenant setting), each statement, and its commit.
    pub round_trips: u64,
    /// Whether callers are answered from memory now (`crate::callers`).
    pub callers_live: bool,
    /// Callers answered from memory since the pool was made.
    pub callers_from_memory: u64,
}

/// A set of tenants noted by a pool's transactions.
pub(crate) type Noted = std::sync::Mutex<std::collections::HashSet<TenantId>>;

/// What a pool's transactions note for the background work of this process: tenants with
/// pending audit entries (the audit sealer), tenants with new outbox events (the webhook
/// worker). Noted before commit: a transaction that rolls back leaves a harmless note.
#[derive(Debug, Default)]
pub(crate) struct Notes {
    pub(crate) audit: Noted,
    pub(crate) outbox: Noted,
}

impl Notes {
    pub(crate) fn note(set: &Noted, tenant: TenantId) {
        set.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(tenant);
    }

    pub(crate) fn take(set: &Noted) -> std::collections::HashSet<TenantId> {
        std::mem::take(
            &mut *set
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// Counts the work a pool's transactions send (for `/metrics` and the statement-count tests).
#[derive(Debug, Default)]
pub(crate) struct Traffic {
    pub(crate) transactions: std::sync::atomic::AtomicU64,
    pub(crate) round_trips: std::sync::atomic::AtomicU64,
}

impl Traffic {
    pub(crate) fn round_trip(&self) {
        self.round_trips
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

impl PoolStats {
    /// Connections handed out.
    #[must_use]
    pub const fn in_use(&self) -> u32 {
        self.open.saturating_sub(self.idle)
    }

    /// Every connection is in use and others wait for one.
    #[must_use]
    pub const fn saturated(&self) -> bool {
        self.in_use() >= self.max && self.waiting > 0
    }
}

/// What the readiness probe found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// The database answers and the pool has room.
    Up,
    /// The database answers but every connection is in use and requests queue.
    Busy,
    /// The database does not answer within the probe's time.
    Down,
}

/// One semaphore per tenant, sized to the tenant's share of the pool.
#[derive(Debug)]
pub(super) struct TenantGates {
    pub(super) share: u32,
    pub(super) gates: std::sync::Mutex<HashMap<TenantId, Arc<Semaphore>>>,
}

impl TenantGates {
    pub(super) fn gate(&self, tenant: TenantId) -> Arc<Semaphore> {
        let mut gates = self
            .gates
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        gates
            .entry(tenant)
            .or_insert_with(|| Arc::new(Semaphore::new(self.share as usize)))
            .clone()
    }
}

/// Counts a waiter for as long as it lives (also when its future is dropped).
pub(super) struct Waiting<'a>(&'a AtomicU32);

impl<'a> Waiting<'a> {
    pub(super) fn new(counter: &'a AtomicU32) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        Self(counter)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

pub(super) fn connect_options(url: &str, settings: &PoolSettings, max: u32) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(max)
        .min_connections(0)
        .connect_timeout(settings.acquire_timeout.max(Duration::from_millis(100)))
        .acquire_timeout(settings.acquire_timeout)
        .sqlx_logging(false);
    let mut startup: Vec<(&'static str, String)> = Vec::new();
    let statement = settings.statement_timeout;
    if !statement.is_zero() {
        let ms = statement.as_millis().to_string();
        startup.push(("statement_timeout", ms.clone()));
        startup.push(("lock_timeout", ms));
        // A transaction left open by a stuck client releases its locks.
        startup.push(("idle_in_transaction_session_timeout", "60000".to_owned()));
    }
    // SQLite: deleted and overwritten content is zeroed, not left in free space, so that an
    // erasure leaves no old bytes in the file (issue 13).
    options.map_sqlx_sqlite_opts(move |o| {
        let o = o.pragma("secure_delete", "on");
        if statement.is_zero() {
            o
        } else {
            o.busy_timeout(statement)
        }
    });
    if settings.generic_plans {
        // Plan each prepared statement once per connection (ADR 0024): every statement is
        // scoped by tenant on indexes that lead with the tenant, and PostgreSQL's default
        // kept re-planning the list on every execution.
        startup.push(("plan_cache_mode", "force_generic_plan".to_owned()));
    }
    if !startup.is_empty() {
        options.map_sqlx_postgres_opts(move |o| o.options(startup.clone()));
    }
    options
}
