//! Output types, enums and loaders of this context's GraphQL API.

use crate::graphql::time::Instant;
use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use peerbro_domain::RequestContext;
use peerbro_domain::ids::WebhookDeliveryId;
use peerbro_domain::webhooks::{self as domain, WebhookService};

use crate::graphql::errors::LoadError;

pub(crate) fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(&'a WebhookService, &'a RequestContext)> {
    crate::graphql::errors::request_data(ctx)
}

wire_enum!(
    /// An event a webhook endpoint can receive. On the wire (the payload's `type`) these are
    /// `referral.submitted` and `referral.status_changed`.
    WebhookEventType => domain::EventType {
        /// A referral was submitted.
        ReferralSubmitted,
        /// A referral moved to another state.
        ReferralStatusChanged,
    }
);

wire_enum!(
    /// Where a delivery stands.
    WebhookDeliveryStatus => domain::DeliveryStatus {
        /// Waiting for its first or next attempt.
        Pending,
        /// The endpoint answered 2xx.
        Delivered,
        /// Every attempt failed; `redeliverWebhook` tries again.
        Failed,
    }
);

/// A registered endpoint.
#[derive(SimpleObject)]
pub struct WebhookEndpoint {
    /// Id.
    pub(crate) id: ID,
    /// Where deliveries are POSTed.
    pub(crate) url: String,
    /// A note for the admins.
    pub(crate) description: Option<String>,
    /// The events it receives.
    pub(crate) event_types: Vec<WebhookEventType>,
    /// Disabled endpoints receive nothing; their pending deliveries wait.
    pub(crate) enabled: bool,
    /// Registered.
    pub(crate) created_at: Instant,
    /// When the secret was last rotated.
    pub(crate) secret_rotated_at: Option<Instant>,
}

impl From<domain::WebhookEndpoint> for WebhookEndpoint {
    fn from(e: domain::WebhookEndpoint) -> Self {
        Self {
            id: crate::graphql::ids::gid(e.id),
            url: e.url,
            description: e.description,
            event_types: e.event_types.into_iter().map(Into::into).collect(),
            enabled: e.enabled,
            created_at: e.created_at.into(),
            secret_rotated_at: e.secret_rotated_at.map(Into::into),
        }
    }
}

/// An endpoint with its signing secret, shown only in this answer.
#[derive(SimpleObject)]
pub struct WebhookEndpointSecretPayload {
    /// The endpoint.
    pub(crate) endpoint: WebhookEndpoint,
    /// The Standard Webhooks signing secret (`whsec_…`). It is never shown again; store it
    /// in the receiver now.
    pub(crate) secret: String,
}

/// One attempt of a delivery.
#[derive(SimpleObject, Clone)]
pub struct WebhookAttempt {
    /// 1 for the first.
    pub(crate) number: i32,
    /// When.
    pub(crate) at: Instant,
    /// The endpoint's HTTP status, if it answered.
    pub(crate) status_code: Option<i32>,
    /// Why it failed, in a few words (never the response body).
    pub(crate) error: Option<String>,
    /// How long it took.
    pub(crate) duration_ms: i32,
    /// When its outcome was recorded; null while it is in flight.
    pub(crate) finished_at: Option<Instant>,
    /// What came of it. An attempt is logged when it starts, so one that was running when the
    /// server stopped shows as `INTERRUPTED` (and the delivery is tried again under the same
    /// `webhook-id`).
    pub(crate) outcome: WebhookAttemptOutcome,
}

wire_enum! {
    /// What came of a webhook attempt.
    WebhookAttemptOutcome => domain::AttemptOutcome {
        /// Still running.
        InFlight,
        /// The endpoint answered 2xx.
        Delivered,
        /// The endpoint answered with another status.
        Rejected,
        /// No answer: connection, TLS, timeout, or an address the policy refuses.
        Failed,
        /// The server stopped during the attempt; whether it arrived is unknown.
        Interrupted,
    }
}

impl From<domain::DeliveryAttempt> for WebhookAttempt {
    fn from(a: domain::DeliveryAttempt) -> Self {
        Self {
            number: i32::try_from(a.number).unwrap_or(i32::MAX),
            at: a.at.into(),
            status_code: a.status_code.map(i32::from),
            outcome: a.outcome().into(),
            error: a.error,
            duration_ms: i32::try_from(a.duration_ms).unwrap_or(i32::MAX),
            finished_at: a.finished_at.map(Into::into),
        }
    }
}

/// One event's delivery to one endpoint.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct WebhookDelivery {
    /// Id.
    pub(crate) id: ID,
    /// The `webhook-id` header: the same on every attempt, for the receiver to deduplicate.
    pub(crate) webhook_id: String,
    /// The endpoint.
    #[graphql(deprecation = "use endpoint")]
    pub(crate) endpoint_id: ID,
    /// The event.
    pub(crate) event_type: WebhookEventType,
    /// The JSON body sent (ids, states and times only).
    pub(crate) payload: String,
    /// Where it stands.
    pub(crate) status: WebhookDeliveryStatus,
    /// Attempts made.
    pub(crate) attempts: i32,
    /// When the next attempt is due.
    pub(crate) next_attempt_at: Option<Instant>,
    /// The last attempt's HTTP status.
    pub(crate) last_status_code: Option<i32>,
    /// The last attempt's failure.
    pub(crate) last_error: Option<String>,
    /// When it was delivered.
    pub(crate) delivered_at: Option<Instant>,
    /// When the event was fanned out to the endpoint.
    pub(crate) created_at: Instant,
    #[graphql(skip)]
    pub(crate) key: WebhookDeliveryId,
    #[graphql(skip)]
    pub(crate) endpoint_key: peerbro_domain::ids::WebhookEndpointId,
}

impl From<domain::WebhookDelivery> for WebhookDelivery {
    fn from(d: domain::WebhookDelivery) -> Self {
        Self {
            id: crate::graphql::ids::gid(d.id),
            webhook_id: d.webhook_id(),
            endpoint_id: crate::graphql::ids::gid(d.endpoint_id),
            event_type: d.event_type.into(),
            payload: d.payload,
            status: d.status.into(),
            attempts: i32::try_from(d.attempts).unwrap_or(i32::MAX),
            next_attempt_at: d.next_attempt_at.map(Into::into),
            last_status_code: d.last_status_code.map(i32::from),
            last_error: d.last_error,
            delivered_at: d.delivered_at.map(Into::into),
            created_at: d.created_at.into(),
            key: d.id,
            endpoint_key: d.endpoint_id,
        }
    }
}

#[ComplexObject]
impl WebhookDelivery {
    /// Every attempt, in order (batched across the page).
    async fn attempt_log(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<WebhookAttempt>> {
        let loader = ctx.data::<DataLoader<WebhookLoader>>()?;
        Ok(loader.load_one(self.key).await?.unwrap_or_default())
    }

    /// The endpoint it goes to (batched across the page: one query).
    async fn endpoint(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<WebhookEndpoint>> {
        let loader = ctx.data::<DataLoader<WebhookLoader>>()?;
        Ok(loader.load_one(self.endpoint_key).await?.map(Into::into))
    }
}

/// Loads the attempts of a page of deliveries in one query, and their endpoints in another.
pub struct WebhookLoader {
    pub(crate) webhooks: WebhookService,
    pub(crate) ctx: RequestContext,
}

impl Loader<WebhookDeliveryId> for WebhookLoader {
    type Value = Vec<WebhookAttempt>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[WebhookDeliveryId],
    ) -> Result<HashMap<WebhookDeliveryId, Vec<WebhookAttempt>>, Self::Error> {
        let attempts = self.webhooks.attempts(&self.ctx, keys).await?;
        let mut map: HashMap<WebhookDeliveryId, Vec<WebhookAttempt>> = HashMap::new();
        for a in attempts {
            map.entry(a.delivery_id).or_default().push(a.into());
        }
        Ok(map)
    }
}

impl Loader<peerbro_domain::ids::WebhookEndpointId> for WebhookLoader {
    type Value = domain::WebhookEndpoint;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[peerbro_domain::ids::WebhookEndpointId],
    ) -> Result<HashMap<peerbro_domain::ids::WebhookEndpointId, domain::WebhookEndpoint>, Self::Error>
    {
        let endpoints = self.webhooks.by_ids(&self.ctx, keys).await?;
        Ok(endpoints.into_iter().map(|e| (e.id, e)).collect())
    }
}

/// The per-request webhook loader (attempts and endpoints).
#[must_use]
pub fn webhook_loader(webhooks: WebhookService, ctx: RequestContext) -> DataLoader<WebhookLoader> {
    DataLoader::new(
        WebhookLoader { webhooks, ctx },
        peerbro_persistence::ReadScope::spawner(),
    )
}
