//! The settings, their defaults and their documentation.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize};

/// The embedded default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://peerbro.db?mode=rwc";

/// Log output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Asymmetric JWT algorithms accepted for production keys. HS256 exists only for the
/// generated development key and cannot be configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JwtAlgorithm {
    /// Ed25519.
    EdDSA,
    /// RSA PKCS#1 v1.5 with SHA-256.
    RS256,
    /// ECDSA P-256 with SHA-256.
    ES256,
}

/// Every setting, with its default.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// `PEERBRO_DATABASE_URL`: `sqlite://FILE?mode=rwc` or `postgres://…`. On PostgreSQL this
    /// must be an unprivileged role (see `database_admin_url`).
    pub database_url: String,
    /// `PEERBRO_DATABASE_ADMIN_URL`: the schema owner's URL, used only to migrate and seed.
    /// Defaults to `database_url`.
    pub database_admin_url: Option<String>,
    /// `PEERBRO_DATABASE_MAX_CONNECTIONS`.
    pub database_max_connections: u32,
    /// `PEERBRO_DATABASE_ACQUIRE_TIMEOUT_MS`: how long a request waits for a connection (or
    /// its tenant's share of them) before it is answered 503 `UNAVAILABLE`; during an outage,
    /// how long before the answer comes.
    pub database_acquire_timeout_ms: u64,
    /// `PEERBRO_DATABASE_STATEMENT_TIMEOUT_MS`: the longest one statement or row-lock wait may
    /// take on PostgreSQL (and SQLite's wait for its write lock); 0 for none.
    pub database_statement_timeout_ms: u64,
    /// `PEERBRO_DATABASE_TENANT_SHARE`: connections one tenant may hold at once (default: half
    /// the pool, rounded up), so that no tenant waits on another's flood.
    pub database_tenant_share: Option<u32>,
    /// `PEERBRO_DATABASE_GENERIC_PLANS`: on PostgreSQL, plan each prepared statement once per
    /// connection (`plan_cache_mode = force_generic_plan`, ADR 0024); `false` leaves the
    /// choice to PostgreSQL.
    pub database_generic_plans: bool,
    /// `PEERBRO_REQUEST_TIMEOUT_SECONDS`: the longest a request may take before it is answered
    /// 503 `UNAVAILABLE` and its work rolled back.
    pub request_timeout_seconds: u64,
    /// `PEERBRO_LISTEN`: address and port to bind.
    pub listen: SocketAddr,
    /// `PEERBRO_AUTO_MIGRATE`: apply pending migrations on `serve`.
    pub auto_migrate: bool,
    /// `PEERBRO_DEMO_SEED`: seed the demo tenants on `serve`; defaults to on for SQLite only.
    pub demo_seed: Option<bool>,
    /// `PEERBRO_GRAPHIQL`: serve GraphiQL on `GET /graphql`.
    pub graphiql: bool,
    /// `PEERBRO_CORS_ALLOWED_ORIGINS`: comma-separated origins allowed to call the API from a
    /// browser (none by default).
    #[serde(deserialize_with = "comma_list")]
    pub cors_allowed_origins: Vec<String>,
    /// `PEERBRO_JWT_ISSUER`: the required `iss`.
    pub jwt_issuer: String,
    /// `PEERBRO_JWT_AUDIENCE`: the required `aud`.
    pub jwt_audience: String,
    /// `PEERBRO_JWT_ALGORITHM`: `EdDSA`, `RS256` or `ES256`; required with a public key or JWKS.
    pub jwt_algorithm: Option<JwtAlgorithm>,
    /// `PEERBRO_JWT_PUBLIC_KEY_FILE`: PEM public key that verifies tokens.
    pub jwt_public_key_file: Option<PathBuf>,
    /// `PEERBRO_JWT_JWKS_FILE`: local JWKS file; the key is selected by the token's `kid`.
    pub jwt_jwks_file: Option<PathBuf>,
    /// `PEERBRO_JWT_PRIVATE_KEY_FILE`: PEM private key, only for `peerbro token`.
    pub jwt_private_key_file: Option<PathBuf>,
    /// `PEERBRO_JWT_KEY_ID`: the `kid` written into tokens minted with the private key.
    pub jwt_key_id: Option<String>,
    /// `PEERBRO_JWT_DEV_KEY_FILE`: an HS256 development key file (created if missing). Without
    /// any key setting, a SQLite database gets one beside its file.
    pub jwt_dev_key_file: Option<PathBuf>,
    /// `PEERBRO_MASTER_KEY_FILE`: the master key that wraps every tenant key (32 bytes,
    /// base64url). Without it, a SQLite database gets one beside its file; PostgreSQL refuses
    /// to start.
    pub master_key_file: Option<PathBuf>,
    /// `PEERBRO_JWT_LEEWAY_SECONDS`: clock skew allowed on `exp` and `nbf`.
    pub jwt_leeway_seconds: u64,
    /// `PEERBRO_JWT_TOKEN_TTL_SECONDS`: lifetime of tokens minted by `peerbro token`.
    pub jwt_token_ttl_seconds: u64,
    /// `PEERBRO_API_CLIENT_TOKEN_TTL_SECONDS`: lifetime of tokens issued to partner API
    /// clients by `POST /api/v1/oauth/token`.
    pub api_client_token_ttl_seconds: u64,
    /// `PEERBRO_LOG_FORMAT`: `text` or `json`.
    pub log_format: LogFormat,
    /// `PEERBRO_LOG_LEVEL`: a tracing filter such as `info` or `info,peerbro=debug`.
    pub log_level: String,
    /// `PEERBRO_MAX_BODY_BYTES`: the largest request body accepted.
    pub max_body_bytes: usize,
    /// `PEERBRO_GRAPHQL_MAX_DEPTH`: deepest field nesting (the standard introspection query
    /// needs 15).
    pub graphql_max_depth: u64,
    /// `PEERBRO_GRAPHQL_MAX_NODES`: fields in the document with every fragment expanded,
    /// `__typename` included.
    pub graphql_max_nodes: u64,
    /// `PEERBRO_GRAPHQL_MAX_ALIASES`: aliased fields, expanded.
    pub graphql_max_aliases: u64,
    /// `PEERBRO_GRAPHQL_MAX_FRAGMENT_SPREADS`: fragment spreads, expanded.
    pub graphql_max_fragment_spreads: u64,
    /// `PEERBRO_GRAPHQL_MAX_COMPLEXITY`: the weighted cost (fields times page sizes, personal
    /// reads weighing 50); see `docs/adr/0013-graphql-query-cost.md`.
    pub graphql_max_complexity: u64,
    /// `PEERBRO_RATE_LIMIT_PER_SECOND`: requests per second for each signed-in caller (user or
    /// API client); 0 turns caller limits off.
    pub rate_limit_per_second: u32,
    /// `PEERBRO_RATE_LIMIT_BURST`: how many requests a caller may send at once.
    pub rate_limit_burst: u32,
    /// `PEERBRO_RATE_LIMIT_ANONYMOUS_PER_SECOND`: requests per second from one address without
    /// a valid token (anonymous, or a refused token); 0 turns it off.
    pub rate_limit_anonymous_per_second: u32,
    /// `PEERBRO_RATE_LIMIT_ANONYMOUS_BURST`.
    pub rate_limit_anonymous_burst: u32,
    /// `PEERBRO_RATE_LIMIT_TOKEN_PER_MINUTE`: token requests per minute for one API client id,
    /// and (three times as many) for one address; 0 turns it off.
    pub rate_limit_token_per_minute: u32,
    /// `PEERBRO_CHAT_STARTS_PER_HOUR`: anonymous chat conversations one address may start in an
    /// hour (all at once, then one every 60/n minutes); 0 turns it off (ADR 0046).
    pub chat_starts_per_hour: u32,
    /// `PEERBRO_CHAT_SESSION_PER_MINUTE`: messages and typing signals one citizen's chat
    /// session may send in a minute; 0 turns it off.
    pub chat_session_per_minute: u32,
    /// `PEERBRO_TRUSTED_PROXIES`: comma-separated addresses or CIDR ranges of reverse proxies
    /// whose `X-Forwarded-For` is believed; the client's address is the last one in that header
    /// that is not such a proxy. Without it the connection's address is used.
    #[serde(deserialize_with = "comma_list")]
    pub trusted_proxies: Vec<String>,
    /// `PEERBRO_METRICS`: serve Prometheus metrics at `/metrics`.
    pub metrics: bool,
    /// `PEERBRO_METRICS_LISTEN`: serve `/metrics` on this address instead of the API's (so it
    /// need not be exposed with the API).
    pub metrics_listen: Option<SocketAddr>,
    /// `PEERBRO_SHUTDOWN_TIMEOUT_SECONDS`: how long in-flight requests may finish on SIGTERM.
    pub shutdown_timeout_seconds: u64,
    /// `PEERBRO_WORKERS`: HTTP worker threads (default: one per core).
    pub workers: Option<usize>,
    /// `PEERBRO_WEBHOOK_WORKER`: run the background worker that delivers outbox events to
    /// webhooks and live subscriptions in this process.
    pub webhook_worker: bool,
    /// `PEERBRO_WEBHOOK_POLL_INTERVAL_MS`: how often the worker looks for new events.
    pub webhook_poll_interval_ms: u64,
    /// `PEERBRO_CHAT_POLL_SECONDS`: how often a chat subscriber reads its conversation even
    /// without a wake-up (a missed notification is caught up within it; ADR 0046).
    pub chat_poll_seconds: u64,
    /// `PEERBRO_CHAT_EXPIRY_SECONDS`: how often this process ends chat conversations still
    /// waiting after their offer closed, or idle for two hours; `0` turns it off.
    pub chat_expiry_seconds: u64,
    /// `PEERBRO_CHAT_ICE_SERVERS`: the STUN/TURN servers the chat pages' video calls use, as
    /// a JSON array of WebRTC `RTCIceServer` objects (`[{"urls": "stun:stun.example.dk"}]`);
    /// `[]` (the default) finds routes only between hosts that reach each other directly.
    pub chat_ice_servers: String,
    /// `PEERBRO_AUDIT_SEAL_INTERVAL_MS`: how often look-up entries written by reads in this
    /// process are sealed into their tenant's audit chain (ADR 0019).
    pub audit_seal_interval_ms: u64,
    /// `PEERBRO_RETENTION_INTERVAL_HOURS`: how often this process runs retention in every
    /// tenant (ADR 0042); `0` leaves it to `peerbro retention run` (cron).
    pub retention_interval_hours: u64,
    /// `PEERBRO_AUDIT_ANCHOR_DIR`: a folder outside the database where the server writes a
    /// signed anchor of every audit chain's head at start and then every interval (ADR 0037);
    /// needs a signing key. Unset: anchors only from `peerbro audit anchor` (cron).
    pub audit_anchor_dir: Option<PathBuf>,
    /// `PEERBRO_AUDIT_ANCHOR_INTERVAL_SECONDS`: how often the server writes an anchor.
    pub audit_anchor_interval_seconds: u64,
    /// `PEERBRO_KEYRING_FILE`: the keyring of key-encryption keys by epoch (ADR 0043), kept
    /// outside the database and its backups. Default: beside the master key file, with
    /// `.keyring` added to its name; made on first use.
    pub keyring_file: Option<PathBuf>,
    /// `PEERBRO_KEY_ROTATION_DAYS`: how often this process rotates every tenant key to a new
    /// epoch (ADR 0043); `0` leaves it to `peerbro keys rotate` (cron).
    pub key_rotation_days: u32,
    /// `PEERBRO_BACKUP_RETENTION_DAYS`: how long database backups are kept. An epoch's key is
    /// destroyed once a later rotation is this old, so no backup that is deleted on time
    /// could still open anything erased since.
    pub backup_retention_days: u32,
    /// `PEERBRO_WEBHOOK_RETRY_BASE_MS`: the delay after a first failed attempt; it doubles
    /// with every further failure.
    pub webhook_retry_base_ms: u64,
    /// `PEERBRO_WEBHOOK_RETRY_MAX_DELAY_SECONDS`: the longest delay between attempts.
    pub webhook_retry_max_delay_seconds: u64,
    /// `PEERBRO_WEBHOOK_MAX_ATTEMPTS`: attempts before a delivery is marked failed.
    pub webhook_max_attempts: u32,
    /// `PEERBRO_WEBHOOK_TIMEOUT_SECONDS`: the time an endpoint has to answer.
    pub webhook_timeout_seconds: u64,
    /// `PEERBRO_WEBHOOK_LEASE_SECONDS`: how long a claimed delivery is held before it may be
    /// tried again (after a crash); must exceed the timeout.
    pub webhook_lease_seconds: u64,
    /// `PEERBRO_WEBHOOK_ALLOW_PRIVATE_TARGETS`: allow endpoints on loopback, private,
    /// link-local and other non-public addresses (tests, closed networks). Off by default: no
    /// SSRF into the hosting network.
    pub webhook_allow_private_targets: bool,
    /// `PEERBRO_WEBHOOK_ALLOW_HTTP`: allow `http://` endpoints (otherwise `https://` only).
    pub webhook_allow_http: bool,
    /// `PEERBRO_EVENT_RETENTION_DAYS`: how long dispatched events and finished webhook
    /// deliveries (the delivery log) are kept; 0 deletes them once finished.
    pub event_retention_days: u32,
    /// `PEERBRO_EVENT_PRUNE_INTERVAL_SECONDS`: how often the worker prunes them.
    pub event_prune_interval_seconds: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL.to_owned(),
            database_admin_url: None,
            database_max_connections: 10,
            database_acquire_timeout_ms: 1000,
            database_statement_timeout_ms: 5000,
            database_tenant_share: None,
            database_generic_plans: true,
            request_timeout_seconds: 25,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            auto_migrate: true,
            demo_seed: None,
            graphiql: true,
            cors_allowed_origins: Vec::new(),
            jwt_issuer: "peerbro".to_owned(),
            jwt_audience: "peerbro".to_owned(),
            jwt_algorithm: None,
            jwt_public_key_file: None,
            jwt_jwks_file: None,
            jwt_private_key_file: None,
            jwt_key_id: None,
            jwt_dev_key_file: None,
            master_key_file: None,
            jwt_leeway_seconds: 30,
            jwt_token_ttl_seconds: 3600,
            api_client_token_ttl_seconds: 900,
            log_format: LogFormat::Text,
            log_level: "info".to_owned(),
            max_body_bytes: 1024 * 1024,
            graphql_max_depth: 20,
            graphql_max_nodes: 2000,
            graphql_max_aliases: 50,
            graphql_max_fragment_spreads: 200,
            graphql_max_complexity: 10_000,
            rate_limit_per_second: 20,
            rate_limit_burst: 40,
            rate_limit_anonymous_per_second: 5,
            rate_limit_anonymous_burst: 20,
            rate_limit_token_per_minute: 10,
            chat_starts_per_hour: 6,
            chat_session_per_minute: 60,
            trusted_proxies: Vec::new(),
            metrics: true,
            metrics_listen: None,
            shutdown_timeout_seconds: 30,
            workers: None,
            webhook_worker: true,
            webhook_poll_interval_ms: 1000,
            chat_poll_seconds: 5,
            chat_expiry_seconds: 60,
            chat_ice_servers: "[]".to_owned(),
            audit_seal_interval_ms: 1000,
            retention_interval_hours: 24,
            audit_anchor_dir: None,
            audit_anchor_interval_seconds: 3600,
            keyring_file: None,
            key_rotation_days: 30,
            backup_retention_days: 30,
            webhook_retry_base_ms: 30_000,
            webhook_retry_max_delay_seconds: 6 * 3600,
            webhook_max_attempts: 12,
            webhook_timeout_seconds: 10,
            webhook_lease_seconds: 60,
            webhook_allow_private_targets: false,
            webhook_allow_http: false,
            event_retention_days: 90,
            event_prune_interval_seconds: 3600,
        }
    }
}

fn comma_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrString {
        List(Vec<String>),
        One(String),
    }
    Ok(match ListOrString::deserialize(d)? {
        ListOrString::List(items) => items,
        ListOrString::One(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// A configuration error, already phrased for the operator.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);
