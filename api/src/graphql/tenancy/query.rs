//! Queries of this context's GraphQL API.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object};
use peerbro_domain::ids::{OrganisationId, UserId};
use peerbro_domain::tenancy::OrganisationFilter;

use super::types::*;
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::ids::parse;
use crate::wire::OrganisationKind;

/// Tenancy queries.
#[derive(Default)]
pub struct TenancyQuery;

#[Object]
impl TenancyQuery {
    /// The caller's own account, with the roles in force for this request; null without a
    /// token.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let (svc, rc) = request(ctx)?;
        Ok(svc.me(rc).await.gql()?.map(Into::into))
    }

    /// The partnerships the caller belongs to, in slug order: the one they act in, and —
    /// when their token names them as a person of the identity provider their membership is
    /// linked to — every other active membership of that person. A token for another is
    /// issued by the token exchange (`POST /api/v1/oauth/token`, RFC 8693).
    async fn my_tenants(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TenantMembership>> {
        let (svc, rc) = request(ctx)?;
        Ok(svc
            .my_tenants(rc)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The tenant the caller acts in.
    pub(crate) async fn tenant(&self, ctx: &Context<'_>) -> async_graphql::Result<Tenant> {
        let (svc, rc) = request(ctx)?;
        svc.current_tenant(rc).await.gql().map(Into::into)
    }

    /// The tenant's organisations, oldest first.
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
        kind: Option<OrganisationKind>,
    ) -> async_graphql::Result<Connection<String, Organisation, crate::graphql::tenancy::ListTotal>>
    {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let filter = OrganisationFilter {
            kind: kind.map(Into::into),
        };
        let result = svc.list_organisations(rc, filter, &page).await.gql()?;
        Ok(connection(result, |o| o.id.as_uuid(), Organisation::from))
    }

    /// One organisation; `NOT_FOUND` when it is not in the caller's tenant.
    pub(crate) async fn organisation(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Organisation> {
        let (svc, rc) = request(ctx)?;
        let id = parse::<OrganisationId>("id", &id).gql()?;
        svc.organisation(rc, id).await.gql().map(Into::into)
    }

    /// The tenant's users, oldest first (tenant admins and coordinators).
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, User, crate::graphql::tenancy::ListTotal>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let result = svc.list_users(rc, &page).await.gql()?;
        Ok(connection(result, |u| u.id.as_uuid(), User::from))
    }

    /// One user (tenant admins, coordinators, or the user themself).
    pub(crate) async fn user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<User> {
        let (svc, rc) = request(ctx)?;
        let id = parse::<UserId>("id", &id).gql()?;
        svc.user(rc, id).await.gql().map(Into::into)
    }
}
