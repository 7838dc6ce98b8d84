//! What every handler shares, built once by the composition root ([`crate::startup`]).

use std::sync::Arc;

use peerbro_persistence::Database;

use crate::auth::Authenticator;
use crate::events::EventBus;
use crate::http::lifecycle::Lifecycle;
use crate::http::rate_limit::RateLimits;
use crate::metrics::Metrics;
use crate::wiring::Services;

/// Shared application state. The GraphQL schema is app data of its own (see
/// [`crate::http::graphql`]), so that the schema's module never depends on the server's.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub services: Services,
    /// Events for live subscriptions.
    pub events: EventBus,
    /// Lifetime of tokens issued to API clients.
    pub api_client_token_ttl_seconds: u64,
    /// Token verification.
    pub auth: Arc<Authenticator>,
    /// The database (readiness checks and pool figures).
    pub db: Database,
    /// The largest body accepted.
    pub max_body_bytes: usize,
    /// How often a chat subscriber reads without a wake-up, in seconds (ADR 0046).
    pub chat_poll_seconds: u64,
    /// The chat pages' STUN/TURN servers (a JSON array, checked at start).
    pub chat_ice_servers: Arc<str>,
    /// Whether GraphiQL is served.
    pub graphiql: bool,
    /// Rate limits.
    pub limits: Arc<RateLimits>,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// In-flight requests, timeouts and shutdown.
    pub lifecycle: Arc<Lifecycle>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}
