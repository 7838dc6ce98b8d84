//! Mutations of this context's GraphQL API.

use async_graphql::{Context, Object};
use peerbro_domain::ids::{WebhookDeliveryId, WebhookEndpointId};
use peerbro_domain::webhooks::{EndpointUpdate, NewEndpoint};

use super::inputs::*;
use super::types::*;
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::ids::parse;

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
    ) -> async_graphql::Result<WebhookEndpointSecretPayload> {
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
        Ok(WebhookEndpointSecretPayload {
            endpoint: endpoint.into(),
            secret: secret.expose().to_owned(),
        })
    }

    /// Changes an endpoint.
    async fn update_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        input: UpdateWebhookEndpointInput,
    ) -> async_graphql::Result<WebhookEndpointPayload> {
        let (svc, rc) = request(ctx)?;
        let id = parse::<WebhookEndpointId>("endpointId", &input.endpoint_id).gql()?;
        let update = EndpointUpdate {
            url: input.url,
            description: input.description.map(Some),
            event_types: input
                .event_types
                .map(|types| types.into_iter().map(Into::into).collect()),
            enabled: input.enabled,
        };
        Ok(WebhookEndpointPayload {
            endpoint: svc.update(rc, id, update).await.gql()?.into(),
        })
    }

    /// Replaces an endpoint's secret and returns the new one, this once. For 24 hours every
    /// delivery is signed with both, so the receiver can switch without missing one.
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        input: WebhookEndpointRefInput,
    ) -> async_graphql::Result<WebhookEndpointSecretPayload> {
        let (svc, rc) = request(ctx)?;
        let id = parse::<WebhookEndpointId>("endpointId", &input.endpoint_id).gql()?;
        let (endpoint, secret) = svc.rotate_secret(rc, id).await.gql()?;
        Ok(WebhookEndpointSecretPayload {
            endpoint: endpoint.into(),
            secret: secret.expose().to_owned(),
        })
    }

    /// Makes a delivery due now, under its original `webhook-id`.
    async fn redeliver_webhook(
        &self,
        ctx: &Context<'_>,
        input: RedeliverWebhookInput,
    ) -> async_graphql::Result<WebhookDeliveryPayload> {
        let (svc, rc) = request(ctx)?;
        let id = parse::<WebhookDeliveryId>("deliveryId", &input.delivery_id).gql()?;
        Ok(WebhookDeliveryPayload {
            delivery: svc.redeliver(rc, id).await.gql()?.into(),
        })
    }
}
