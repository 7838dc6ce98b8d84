//! Input objects of this context's GraphQL API.

use async_graphql::{ID, InputObject, SimpleObject};

use super::types::*;

/// A new endpoint.
#[derive(InputObject)]
pub struct CreateWebhookEndpointInput {
    /// `https://` URL on a public address (unless the server allows otherwise).
    pub(crate) url: String,
    /// The events it receives (at least one).
    pub(crate) event_types: Vec<WebhookEventType>,
    /// A note for the admins (at most 200 characters).
    pub(crate) description: Option<String>,
}

/// Changes to an endpoint; omitted fields stay as they are.
#[derive(InputObject)]
pub struct UpdateWebhookEndpointInput {
    /// The endpoint.
    pub(crate) endpoint_id: ID,
    /// A new URL, checked like a new one.
    pub(crate) url: Option<String>,
    /// New event types.
    pub(crate) event_types: Option<Vec<WebhookEventType>>,
    /// A new description; an empty string clears it.
    pub(crate) description: Option<String>,
    /// Enable or disable.
    pub(crate) enabled: Option<bool>,
}

/// Names an endpoint (`rotateWebhookSecret`).
#[derive(InputObject)]
pub struct WebhookEndpointRefInput {
    /// The endpoint.
    pub(crate) endpoint_id: ID,
}

/// `redeliverWebhook`'s input.
#[derive(InputObject)]
pub struct RedeliverWebhookInput {
    /// The delivery to make again.
    pub(crate) delivery_id: ID,
}

/// `updateWebhookEndpoint`'s answer.
#[derive(SimpleObject)]
pub struct WebhookEndpointPayload {
    /// The endpoint as it now is.
    pub(crate) endpoint: WebhookEndpoint,
}

/// `redeliverWebhook`'s answer.
#[derive(SimpleObject)]
pub struct WebhookDeliveryPayload {
    /// The delivery, due now.
    pub(crate) delivery: WebhookDelivery,
}
