//! Queries of this context's GraphQL API.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object};
use peerbro_domain::ids::ApiClientId;

use super::types::*;
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::ids::parse;
use crate::graphql::tenancy::{connection, page_request};

/// API client queries (tenant admins).
#[derive(Default)]
pub struct ApiClientsQuery;

#[Object]
impl ApiClientsQuery {
    /// The tenant's API clients, revoked ones included.
    async fn api_clients(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, ApiClient, crate::graphql::tenancy::ListTotal>>
    {
        let (svc, rc, tenant) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let result = svc.list(rc, &page).await.gql()?;
        Ok(connection(
            result,
            |c| c.id.as_uuid(),
            |c| ApiClient::of(c, tenant),
        ))
    }

    /// One API client.
    pub(crate) async fn api_client(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ApiClient> {
        let (svc, rc, tenant) = request(ctx)?;
        let id = parse::<ApiClientId>("id", &id).gql()?;
        Ok(ApiClient::of(svc.get(rc, id).await.gql()?, tenant))
    }
}
