//! Prometheus metrics (OpenMetrics text at `GET /metrics`), one registry per running server.
//!
//! Labels only ever take values from a closed set the server itself defines — route patterns,
//! GraphQL root field names the schema knows, error codes — never a value a client sends, a
//! tenant or any personal data, so that neither cardinality nor privacy depends on clients.
//!
//! | metric | type | labels |
//! | --- | --- | --- |
//! | `peerbro_http_requests_total` | counter | `route`, `method`, `status` |
//! | `peerbro_http_request_duration_seconds` | histogram | `route`, `method` |
//! | `peerbro_http_requests_in_flight` | gauge | |
//! | `peerbro_http_requests_cut_total` | counter | (cut at the shutdown grace limit) |
//! | `peerbro_graphql_operations_total` | counter | `operation`, `code` (`OK` or the first error's) |
//! | `peerbro_graphql_operation_duration_seconds` | histogram | `operation` |
//! | `peerbro_rate_limited_total` | counter | `limit` (`caller`, `anonymous`, `token`) |
//! | `peerbro_db_pool_connections` | gauge | `state` (`in_use`, `idle`) |
//! | `peerbro_db_pool_max_connections` | gauge | |
//! | `peerbro_db_pool_waiting` | gauge | (transactions waiting for a connection) |
//! | `peerbro_db_transactions_total` | counter | (transactions begun by the server's pool) |
//! | `peerbro_db_round_trips_total` | counter | (begin, each statement, commit) |
//! | `peerbro_callers_from_memory_total` | counter | (requests whose caller was not read) |
//! | `peerbro_callers_cache_live` | gauge | (1 while callers may be answered from memory) |
//! | `peerbro_outbox_events_total` | counter | (events fanned out to webhooks and subscribers) |
//! | `peerbro_outbox_lag_seconds` | histogram | (commit to dispatch) |
//! | `peerbro_webhook_attempts_total` | counter | `outcome` (`delivered`, `rejected`, `failed`) |
//! | `peerbro_webhook_attempt_duration_seconds` | histogram | |

use std::sync::Mutex;

use peerbro_persistence::PoolStats;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The content type of the exposition.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationName {
    operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabels {
    limit: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

fn latency() -> Histogram {
    // 1 ms … ~16 s
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The server's metrics.
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<HttpLabels, Counter>,
    durations: Family<RouteLabels, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
    cut: Counter,
    operations: Family<OperationLabels, Counter>,
    operation_durations: Family<OperationName, Histogram, fn() -> Histogram>,
    rate_limited: Family<LimitLabels, Counter>,
    pool: Family<StateLabels, Gauge>,
    pool_max: Gauge,
    pool_waiting: Gauge,
    db_transactions: Counter,
    db_round_trips: Counter,
    callers_from_memory: Counter,
    callers_live: Gauge,
    seen: std::sync::Mutex<(u64, u64, u64)>,
    outbox_events: Counter,
    outbox_lag: Histogram,
    webhook_attempts: Family<OutcomeLabels, Counter>,
    webhook_durations: Histogram,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric registered.
    #[must_use]
    pub fn new() -> Self {
        let m = Self {
            registry: Mutex::new(Registry::with_prefix("peerbro")),
            requests: Family::default(),
            durations: Family::new_with_constructor(latency),
            in_flight: Gauge::default(),
            cut: Counter::default(),
            operations: Family::default(),
            operation_durations: Family::new_with_constructor(latency),
            rate_limited: Family::default(),
            pool: Family::default(),
            pool_max: Gauge::default(),
            pool_waiting: Gauge::default(),
            db_transactions: Counter::default(),
            db_round_trips: Counter::default(),
            callers_from_memory: Counter::default(),
            callers_live: Gauge::default(),
            seen: std::sync::Mutex::new((0, 0, 0)),
            outbox_events: Counter::default(),
            outbox_lag: Histogram::new(exponential_buckets(0.01, 2.0, 14)),
            webhook_attempts: Family::default(),
            webhook_durations: latency(),
        };
        if let Ok(mut r) = m.registry.lock() {
            r.register(
                "http_requests",
                "HTTP requests answered, by route pattern, method and status",
                m.requests.clone(),
            );
            r.register(
                "http_request_duration_seconds",
                "Time to answer an HTTP request",
                m.durations.clone(),
            );
            r.register(
                "http_requests_in_flight",
                "HTTP requests being answered",
                m.in_flight.clone(),
            );
            r.register(
                "http_requests_cut",
                "Requests still running when the shutdown grace period ended",
                m.cut.clone(),
            );
            r.register(
                "graphql_operations",
                "GraphQL operations, by root field and outcome code",
                m.operations.clone(),
            );
            r.register(
                "graphql_operation_duration_seconds",
                "Time to run a GraphQL operation",
                m.operation_durations.clone(),
            );
            r.register(
                "rate_limited",
                "Requests refused with 429, by limit",
                m.rate_limited.clone(),
            );
            r.register(
                "db_pool_connections",
                "Database connections open, by state",
                m.pool.clone(),
            );
            r.register(
                "db_pool_max_connections",
                "The pool's size limit",
                m.pool_max.clone(),
            );
            r.register(
                "db_pool_waiting",
                "Transactions waiting for a connection or for their tenant's share",
                m.pool_waiting.clone(),
            );
            r.register(
                "db_transactions",
                "Transactions begun by the server's pool",
                m.db_transactions.clone(),
            );
            r.register(
                "db_round_trips",
                "Round trips to the database: a transaction's begin, each statement, its commit",
                m.db_round_trips.clone(),
            );
            r.register(
                "callers_from_memory",
                "Requests whose caller was answered from memory instead of read (ADR 0022)",
                m.callers_from_memory.clone(),
            );
            r.register(
                "callers_cache_live",
                "1 while callers may be answered from memory (listening for their changes)",
                m.callers_live.clone(),
            );
            r.register(
                "outbox_events",
                "Outbox events fanned out to webhooks and live subscribers",
                m.outbox_events.clone(),
            );
            r.register(
                "outbox_lag_seconds",
                "Time from an event's commit to its dispatch",
                m.outbox_lag.clone(),
            );
            r.register(
                "webhook_attempts",
                "Webhook delivery attempts, by outcome",
                m.webhook_attempts.clone(),
            );
            r.register(
                "webhook_attempt_duration_seconds",
                "Time an endpoint took to answer",
                m.webhook_durations.clone(),
            );
        }
        m
    }

    /// One HTTP request answered.
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&HttpLabels {
                route: route.to_owned(),
                method: method.to_owned(),
                status,
            })
            .inc();
        self.durations
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
                method: method.to_owned(),
            })
            .observe(seconds);
    }

    /// The in-flight gauge.
    #[must_use]
    pub const fn in_flight(&self) -> &Gauge {
        &self.in_flight
    }

    /// A request cut at the end of the shutdown grace period.
    pub fn cut(&self) {
        self.cut.inc();
    }

    /// One GraphQL operation run.
    pub fn operation(&self, operation: &str, code: &str, seconds: f64) {
        self.operations
            .get_or_create(&OperationLabels {
                operation: operation.to_owned(),
                code: code.to_owned(),
            })
            .inc();
        self.operation_durations
            .get_or_create(&OperationName {
                operation: operation.to_owned(),
            })
            .observe(seconds);
    }

    /// A request refused by a rate limit.
    pub fn rate_limited(&self, limit: Limit) {
        self.rate_limited
            .get_or_create(&LimitLabels {
                limit: limit.as_str(),
            })
            .inc();
    }

    /// Events dispatched, each with its lag in seconds.
    pub fn outbox(&self, lags: impl IntoIterator<Item = f64>) {
        for lag in lags {
            self.outbox_events.inc();
            self.outbox_lag.observe(lag.max(0.0));
        }
    }

    /// One webhook attempt: `delivered` (2xx), `rejected` (another status) or `failed` (no
    /// answer).
    pub fn webhook_attempt(&self, outcome: &'static str, seconds: f64) {
        self.webhook_attempts
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
        self.webhook_durations.observe(seconds);
    }

    /// The exposition, with the pool's figures as of now.
    #[must_use]
    pub fn render(&self, pool: PoolStats) -> String {
        let gauge = |v: u32| i64::from(v);
        self.pool
            .get_or_create(&StateLabels { state: "in_use" })
            .set(gauge(pool.in_use()));
        self.pool
            .get_or_create(&StateLabels { state: "idle" })
            .set(gauge(pool.idle));
        self.pool_max.set(gauge(pool.max));
        self.pool_waiting.set(gauge(pool.waiting));
        if let Ok(mut seen) = self.seen.lock() {
            self.db_transactions
                .inc_by(pool.transactions.saturating_sub(seen.0));
            self.db_round_trips
                .inc_by(pool.round_trips.saturating_sub(seen.1));
            self.callers_from_memory
                .inc_by(pool.callers_from_memory.saturating_sub(seen.2));
            *seen = (
                pool.transactions.max(seen.0),
                pool.round_trips.max(seen.1),
                pool.callers_from_memory.max(seen.2),
            );
        }
        self.callers_live.set(i64::from(pool.callers_live));
        let mut out = String::new();
        if let Ok(registry) = self.registry.lock()
            && let Err(err) = prometheus_client::encoding::text::encode(&mut out, &registry)
        {
            tracing::warn!(error = %err, "metrics could not be encoded");
        }
        out
    }
}

/// Which limit refused a request (a metrics label).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limit {
    /// A signed-in caller's.
    Caller,
    /// An address's, without a valid token.
    Anonymous,
    /// The token endpoint's, per client id or per address.
    Token,
    /// Anonymous chat starts, per address.
    ChatStart,
    /// A citizen's chat session's messages and typing.
    ChatSession,
}

impl Limit {
    /// The label.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Caller => "caller",
            Self::Anonymous => "anonymous",
            Self::Token => "token",
            Self::ChatStart => "chat_start",
            Self::ChatSession => "chat_session",
        }
    }
}
