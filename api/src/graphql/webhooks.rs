//! Webhooks in GraphQL, for tenant admins: endpoints per event type, secrets shown once (at
//! registration and rotation), and the delivery log with every attempt.

use std::collections::HashMap;

use async_graphql::connection::Connection;
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use peerbro_domain::RequestContext;
use peerbro_domain::ids::{WebhookDeliveryId, WebhookEndpointId};
use peerbro_domain::webhooks::{
    self as domain, DeliveryFilter, EndpointUpdate, NewEndpoint, WebhookService,
};

use super::errors::{GqlResultExt as _, LoadError};
use super::scalars::parse_id;
use super::tenancy::{connection, page_request};

fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(&'a WebhookService, &'a RequestContext)> {
    super::errors::request_data(ctx)
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
    id: ID,
    /// Where deliveries are POSTed.
    url: String,
    /// A note for the admins.
    description: Option<String>,
    /// The events it receives.
    event_types: Vec<WebhookEventType>,
    /// Disabled endpoints receive nothing; their pending deliveries wait.
    enabled: bool,
    /// Registered.
    created_at: DateTime<Utc>,
    /// When the secret was last rotated.
    secret_rotated_at: Option<DateTime<Utc>>,
}

impl From<domain::WebhookEndpoint> for WebhookEndpoint {
    fn from(e: domain::WebhookEndpoint) -> Self {
        Self {
            id: ID(e.id.to_string()),
            url: e.url,
            description: e.description,
            event_types: e.event_types.into_iter().map(Into::into).collect(),
            enabled: e.enabled,
            created_at: e.created_at,
            secret_rotated_at: e.secret_rotated_at,
        }
    }
}

/// An endpoint with its signing secret, shown only in this answer.
#[derive(SimpleObject)]
pub struct WebhookEndpointWithSecret {
    /// The endpoint.
    endpoint: WebhookEndpoint,
    /// The Standard Webhooks signing secret (`whsec_…`). It is never shown again; store it
    /// in the receiver now.
    secret: String,
}

/// One attempt of a delivery.
#[derive(SimpleObject, Clone)]
pub struct WebhookAttempt {
    /// 1 for the first.
    number: i32,
    /// When.
    at: DateTime<Utc>,
    /// The endpoint's HTTP status, if it answered.
    status_code: Option<i32>,
    /// Why it failed, in a few words (never the response body).
    error: Option<String>,
    /// How long it took.
    duration_ms: i32,
    /// When its outcome was recorded; null while it is in flight.
    finished_at: Option<DateTime<Utc>>,
    /// What came of it. An attempt is logged when it starts, so one that was running when the
    /// server stopped shows as `INTERRUPTED` (and the delivery is tried again under the same
    /// `webhook-id`).
    outcome: WebhookAttemptOutcome,
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
            at: a.at,
            status_code: a.status_code.map(i32::from),
            outcome: a.outcome().into(),
            error: a.error,
            duration_ms: i32::try_from(a.duration_ms).unwrap_or(i32::MAX),
            finished_at: a.finished_at,
        }
    }
}

/// One event's delivery to one endpoint.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct WebhookDelivery {
    /// Id.
    id: ID,
    /// The `webhook-id` header: the same on every attempt, for the receiver to deduplicate.
    webhook_id: String,
    /// The endpoint.
    endpoint_id: ID,
    /// The event.
    event_type: WebhookEventType,
    /// The JSON body sent (ids, states and times only).
    payload: String,
    /// Where it stands.
    status: WebhookDeliveryStatus,
    /// Attempts made.
    attempts: i32,
    /// When the next attempt is due.
    next_attempt_at: Option<DateTime<Utc>>,
    /// The last attempt's HTTP status.
    last_status_code: Option<i32>,
    /// The last attempt's failure.
    last_error: Option<String>,
    /// When it was delivered.
    delivered_at: Option<DateTime<Utc>>,
    /// When the event was fanned out to the endpoint.
    created_at: DateTime<Utc>,
    #[graphql(skip)]
    key: WebhookDeliveryId,
}

impl From<domain::WebhookDelivery> for WebhookDelivery {
    fn from(d: domain::WebhookDelivery) -> Self {
        Self {
            id: ID(d.id.to_string()),
            webhook_id: d.webhook_id(),
            endpoint_id: ID(d.endpoint_id.to_string()),
            event_type: d.event_type.into(),
            payload: d.payload,
            status: d.status.into(),
            attempts: i32::try_from(d.attempts).unwrap_or(i32::MAX),
            next_attempt_at: d.next_attempt_at,
            last_status_code: d.last_status_code.map(i32::from),
            last_error: d.last_error,
            delivered_at: d.delivered_at,
            created_at: d.created_at,
            key: d.id,
        }
    }
}

#[ComplexObject]
impl WebhookDelivery {
    /// Every attempt, in order (batched across the page).
    async fn attempt_log(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<WebhookAttempt>> {
        let loader = ctx.data::<DataLoader<AttemptLoader>>()?;
        Ok(loader.load_one(self.key).await?.unwrap_or_default())
    }
}

/// Loads the attempts of a page of deliveries in one query.
pub struct AttemptLoader {
    webhooks: WebhookService,
    ctx: RequestContext,
}

impl Loader<WebhookDeliveryId> for AttemptLoader {
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

/// The per-request attempt loader.
#[must_use]
pub fn attempt_loader(webhooks: WebhookService, ctx: RequestContext) -> DataLoader<AttemptLoader> {
    DataLoader::new(AttemptLoader { webhooks, ctx }, tokio::spawn)
}

/// Webhook queries (tenant admins).
#[derive(Default)]
pub struct WebhooksQuery;

#[Object]
impl WebhooksQuery {
    /// The tenant's webhook endpoints.
    async fn webhook_endpoints(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, WebhookEndpoint>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(first, after, last, before).gql()?;
        let result = svc.list(rc, &page).await.gql()?;
        Ok(connection(
            result,
            |e| e.id.as_uuid(),
            WebhookEndpoint::from,
        ))
    }

    /// One endpoint.
    async fn webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookEndpoint> {
        let (svc, rc) = request(ctx)?;
        let id = WebhookEndpointId::from_uuid(parse_id("id", &id).gql()?);
        Ok(svc.get(rc, id).await.gql()?.into())
    }

    /// The delivery log, oldest first (`last` gives the newest), optionally for one endpoint
    /// or one status.
    #[allow(clippy::too_many_arguments)] // GraphQL arguments
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        endpoint_id: Option<ID>,
        status: Option<WebhookDeliveryStatus>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, WebhookDelivery>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(first, after, last, before).gql()?;
        let filter = DeliveryFilter {
            endpoint_id: endpoint_id
                .map(|id| parse_id("endpointId", &id).map(WebhookEndpointId::from_uuid))
                .transpose()
                .gql()?,
            status: status.map(Into::into),
        };
        let result = svc.deliveries(rc, &filter, &page).await.gql()?;
        Ok(connection(
            result,
            |d| d.id.as_uuid(),
            WebhookDelivery::from,
        ))
    }
}

/// A new endpoint.
#[derive(InputObject)]
pub struct CreateWebhookEndpointInput {
    /// `https://` URL on a public address (unless the server allows otherwise).
    url: String,
    /// The events it receives (at least one).
    event_types: Vec<WebhookEventType>,
    /// A note for the admins (at most 200 characters).
    description: Option<String>,
}

/// Changes to an endpoint; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateWebhookEndpointInput {
    /// A new URL, checked like a new one.
    url: Option<String>,
    /// New event types.
    event_types: Option<Vec<WebhookEventType>>,
    /// A new description; an empty string clears it.
    description: Option<String>,
    /// Enable or disable.
    enabled: Option<bool>,
}

/// Webhook mutations (tenant admins).
#[derive(Default)]
pub struct WebhooksMutation;

#[Object]
impl WebhooksMutation {
    /// Registers an endpoint and returns its signing secret, this once.
    async fn create_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        input: CreateWebhookEndpointInput,
    ) -> async_graphql::Result<WebhookEndpointWithSecret> {
        let (svc, rc) = request(ctx)?;
        let (endpoint, secret) = svc
            .create(
                rc,
                NewEndpoint {
                    url: input.url,
                    description: input.description,
                    event_types: input.event_types.into_iter().map(Into::into).collect(),
                },
            )
            .await
            .gql()?;
        Ok(WebhookEndpointWithSecret {
            endpoint: endpoint.into(),
            secret: secret.expose().to_owned(),
        })
    }

    /// Changes an endpoint.
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateWebhookEndpointInput,
    ) -> async_graphql::Result<WebhookEndpoint> {
        let (svc, rc) = request(ctx)?;
        let id = WebhookEndpointId::from_uuid(parse_id("id", &id).gql()?);
        let update = EndpointUpdate {
            url: input.url,
            description: input.description.map(Some),
            event_types: input
                .event_types
                .map(|types| types.into_iter().map(Into::into).collect()),
            enabled: input.enabled,
        };
        Ok(svc.update(rc, id, update).await.gql()?.into())
    }

    /// Replaces an endpoint's secret and returns the new one, this once. For 24 hours every
    /// delivery is signed with both, so the receiver can switch without missing one.
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookEndpointWithSecret> {
        let (svc, rc) = request(ctx)?;
        let id = WebhookEndpointId::from_uuid(parse_id("id", &id).gql()?);
        let (endpoint, secret) = svc.rotate_secret(rc, id).await.gql()?;
        Ok(WebhookEndpointWithSecret {
            endpoint: endpoint.into(),
            secret: secret.expose().to_owned(),
        })
    }

    /// Makes a delivery due now, under its original `webhook-id`.
    async fn redeliver_webhook(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookDelivery> {
        let (svc, rc) = request(ctx)?;
        let id = WebhookDeliveryId::from_uuid(parse_id("id", &id).gql()?);
        Ok(svc.redeliver(rc, id).await.gql()?.into())
    }
}
