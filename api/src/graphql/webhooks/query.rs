//! Queries of this context's GraphQL API.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object};
use peerbro_domain::ids::WebhookEndpointId;
use peerbro_domain::webhooks::DeliveryFilter;

use super::types::*;
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::ids::parse;
use crate::graphql::tenancy::{connection, page_request};

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
    ) -> async_graphql::Result<
        Connection<String, WebhookEndpoint, crate::graphql::tenancy::ListTotal>,
    > {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let result = svc.list(rc, &page).await.gql()?;
        Ok(connection(
            result,
            |e| e.id.as_uuid(),
            WebhookEndpoint::from,
        ))
    }

    /// One endpoint.
    pub(crate) async fn webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookEndpoint> {
        let (svc, rc) = request(ctx)?;
        let id = parse::<WebhookEndpointId>("id", &id).gql()?;
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
    ) -> async_graphql::Result<
        Connection<String, WebhookDelivery, crate::graphql::tenancy::ListTotal>,
    > {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let filter = DeliveryFilter {
            endpoint_id: endpoint_id
                .map(|id| parse::<WebhookEndpointId>("endpointId", &id))
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
