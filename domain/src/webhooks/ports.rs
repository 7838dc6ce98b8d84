//! Ports of the webhook context.

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::context::RequestContext;
use crate::error::DomainResult;
use crate::ids::{TenantId, WebhookDeliveryId, WebhookEndpointId};
use crate::page::{Page, PageRequest};
use crate::webhooks::model::{
    AttemptResult, DeliveryAttempt, DeliveryStatus, EventType, WebhookDelivery, WebhookEndpoint,
    WebhookSecret,
};

/// A change to an endpoint, applied to the stored one under a row lock.
pub type EndpointChange = Box<dyn FnOnce(&mut WebhookEndpoint) -> DomainResult<()> + Send>;

/// Filters for the delivery log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryFilter {
    /// Only this endpoint's deliveries.
    pub endpoint_id: Option<WebhookEndpointId>,
    /// Only deliveries in this status.
    pub status: Option<DeliveryStatus>,
}

/// Endpoints and the delivery log of the context's tenant, for tenant admins.
#[async_trait]
pub trait WebhookRepository: Send + Sync {
    /// Stores a new endpoint with its secret (sealed at rest).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn create(
        &self,
        ctx: &RequestContext,
        endpoint: &WebhookEndpoint,
        secret: &WebhookSecret,
    ) -> DomainResult<()>;

    /// A page of endpoints, ascending by id.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn list(
        &self,
        ctx: &RequestContext,
        page: &PageRequest,
    ) -> DomainResult<Page<WebhookEndpoint>>;

    /// The endpoints among `ids`, in one read; ids not found are left out.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn by_ids(
        &self,
        ctx: &RequestContext,
        ids: &[WebhookEndpointId],
    ) -> DomainResult<Vec<WebhookEndpoint>>;

    /// One endpoint.
    ///
    /// # Errors
    /// `NotFound`.
    async fn get(
        &self,
        ctx: &RequestContext,
        id: WebhookEndpointId,
    ) -> DomainResult<WebhookEndpoint>;

    /// Loads and locks an endpoint, applies `change` and stores it.
    ///
    /// # Errors
    /// `NotFound`; the change's own error.
    async fn update(
        &self,
        ctx: &RequestContext,
        id: WebhookEndpointId,
        change: EndpointChange,
    ) -> DomainResult<WebhookEndpoint>;

    /// Replaces the secret; the old one keeps signing until `previous_until`.
    ///
    /// # Errors
    /// `NotFound`.
    async fn rotate_secret(
        &self,
        ctx: &RequestContext,
        id: WebhookEndpointId,
        secret: &WebhookSecret,
        at: DateTime<Utc>,
        previous_until: DateTime<Utc>,
    ) -> DomainResult<WebhookEndpoint>;

    /// A page of deliveries, newest first.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn deliveries(
        &self,
        ctx: &RequestContext,
        filter: &DeliveryFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<WebhookDelivery>>;

    /// The attempts of these deliveries, in order.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn attempts(
        &self,
        ctx: &RequestContext,
        deliveries: &[WebhookDeliveryId],
    ) -> DomainResult<Vec<DeliveryAttempt>>;

    /// Makes a delivery due again at `at`, under the same `webhook-id`.
    ///
    /// # Errors
    /// `NotFound`.
    async fn redeliver(
        &self,
        ctx: &RequestContext,
        id: WebhookDeliveryId,
        at: DateTime<Utc>,
    ) -> DomainResult<WebhookDelivery>;
}

/// An event read from the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEvent {
    /// The event's id (the outbox row).
    pub id: Uuid,
    /// Its tenant.
    pub tenant_id: TenantId,
    /// Its type.
    pub event_type: EventType,
    /// Its data: ids, states and times only.
    pub data: serde_json::Value,
    /// When the change happened.
    pub created_at: DateTime<Utc>,
}

/// A delivery claimed for an attempt, with what it takes to send it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueDelivery {
    /// The delivery.
    pub delivery: WebhookDelivery,
    /// The endpoint's URL.
    pub url: String,
    /// The secrets to sign with: the current one, and a rotated-out one still in its grace
    /// period.
    pub secrets: Vec<WebhookSecret>,
}

/// The worker's side of the outbox and the delivery queue. Every call is one transaction in
/// one tenant.
#[async_trait]
pub trait DeliveryQueue: Send + Sync {
    /// Takes up to `limit` undispatched outbox events, creates one pending delivery for each
    /// enabled endpoint that subscribes to its type, and marks the events dispatched, all in
    /// one transaction. Returns the events, for live subscribers.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn fan_out(
        &self,
        tenant: TenantId,
        limit: u32,
        now: DateTime<Utc>,
    ) -> DomainResult<Vec<OutboxEvent>>;

    /// Claims up to `limit` pending deliveries due at `now` by pushing their due time out by
    /// `lease`, so that a crash mid-attempt retries them later under the same id.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn claim_due(
        &self,
        tenant: TenantId,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> DomainResult<Vec<DueDelivery>>;

    /// Deletes what is finished and older than `before`: delivered or failed deliveries
    /// (created before it) with their attempts, then dispatched outbox events (dispatched
    /// before it) that no delivery refers to any more. Pending deliveries and their events are
    /// kept. Returns how many events and deliveries went.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn prune(&self, tenant: TenantId, before: DateTime<Utc>) -> DomainResult<(u64, u64)>;

    /// Records an attempt and the delivery's new status.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn record(&self, tenant: TenantId, result: &AttemptResult) -> DomainResult<()>;
}

/// A signed request to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingWebhook {
    /// The endpoint.
    pub url: String,
    /// The `webhook-id`.
    pub webhook_id: String,
    /// The JSON body.
    pub body: String,
    /// The secrets to sign with.
    pub secrets: Vec<WebhookSecret>,
}

/// What came of one HTTP attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendOutcome {
    /// The status, if the endpoint answered.
    pub status_code: Option<u16>,
    /// A short reason when it did not (or was refused before sending).
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: u32,
}

/// Signs and POSTs one webhook.
#[async_trait]
pub trait WebhookSender: Send + Sync {
    /// Sends `message` (signing it at the moment of sending).
    async fn send(&self, message: &OutgoingWebhook) -> SendOutcome;
}

/// Checks that an endpoint URL is acceptable: scheme, no credentials, and a host that does not
/// resolve into the hosting network (unless configuration allows).
#[async_trait]
pub trait UrlGuard: Send + Sync {
    /// Allows `url`, or says why not.
    ///
    /// # Errors
    /// `Validation` on the field `url`.
    async fn check(&self, url: &str) -> DomainResult<()>;
}

/// Hands dispatched events to live subscribers of this process.
pub trait EventPublisher: Send + Sync {
    /// Publishes `event`; never blocks.
    fn publish(&self, event: &OutboxEvent);
}

/// Which tenants may have work for the dispatcher: those this process wrote outbox events
/// for since the dispatcher last asked. Hints only: a periodic sweep of every tenant catches
/// what no hint announced (another process's events, a lease run out).
pub trait WorkHints: Send + Sync {
    /// The tenants noted since the last call.
    fn take(&self) -> Vec<crate::ids::TenantId>;
}

/// Makes a new random secret.
pub type SecretSource = std::sync::Arc<dyn Fn() -> WebhookSecret + Send + Sync>;

/// Event types as a set, from a list given by a client.
#[must_use]
pub fn event_set(types: impl IntoIterator<Item = EventType>) -> BTreeSet<EventType> {
    types.into_iter().collect()
}
