//! What every handler shares.

use std::sync::Arc;

use peerbro_domain::offers::OfferService;
use peerbro_domain::people::{PeerService, PeopleService};
use peerbro_domain::referral::ReferralService;
use peerbro_domain::tenancy::{ApiClientService, TenancyService};
use peerbro_domain::webhooks::WebhookService;
use peerbro_persistence::Database;

use crate::auth::Authenticator;
use crate::events::EventBus;
use crate::graphql::PeerbroSchema;
use crate::http::lifecycle::Lifecycle;
use crate::http::rate_limit::RateLimits;
use crate::metrics::Metrics;

/// Shared application state.
#[derive(Clone)]
pub struct AppState {
    /// Tenancy use cases.
    pub tenancy: TenancyService,
    /// People use cases.
    pub people: PeopleService,
    /// Peer worker use cases.
    pub peers: PeerService,
    /// Referral use cases.
    pub referrals: ReferralService,
    /// Webhook endpoints and the delivery log.
    pub webhooks: WebhookService,
    /// Events for live subscriptions.
    pub events: EventBus,
    /// Partner API clients.
    pub api_clients: ApiClientService,
    /// Offers, courses, matches.
    pub offers: OfferService,
    /// Lifetime of tokens issued to API clients.
    pub api_client_token_ttl_seconds: u64,
    /// Token verification.
    pub auth: Arc<Authenticator>,
    /// The database (readiness checks).
    pub db: Database,
    /// The GraphQL schema.
    pub schema: PeerbroSchema,
    /// The largest body accepted.
    pub max_body_bytes: usize,
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
