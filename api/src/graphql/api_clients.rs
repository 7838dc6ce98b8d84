//! Partner API clients in GraphQL, for tenant admins: register a client for an organisation,
//! rotate its secret, revoke it. The secret is shown only when it is made.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use peerbro_domain::RequestContext;
use peerbro_domain::ids::{ApiClientId, OrganisationId, TenantId};
use peerbro_domain::tenancy::{self as domain, ApiClientService};

use super::errors::GqlResultExt as _;
use super::scalars::parse_id;
use super::tenancy::{connection, page_request};

fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(&'a ApiClientService, &'a RequestContext, TenantId)> {
    let (svc, rc) = super::errors::request_data::<ApiClientService>(ctx)?;
    Ok((svc, rc, rc.tenant_id().gql()?))
}

/// A partner system's API client.
#[derive(SimpleObject)]
pub struct ApiClient {
    /// Id.
    id: ID,
    /// The `client_id` the partner sends to `POST /api/v1/oauth/token`.
    client_id: String,
    /// A name for the admins.
    name: String,
    /// The organisation it refers for.
    organisation_id: ID,
    /// Registered.
    created_at: DateTime<Utc>,
    /// When the secret was last rotated.
    secret_rotated_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    revoked_at: Option<DateTime<Utc>>,
}

impl ApiClient {
    fn of(c: domain::ApiClient, tenant: TenantId) -> Self {
        Self {
            id: ID(c.id.to_string()),
            client_id: c.client_id(tenant),
            name: c.name,
            organisation_id: ID(c.organisation_id.to_string()),
            created_at: c.created_at,
            secret_rotated_at: c.secret_rotated_at,
            revoked_at: c.revoked_at,
        }
    }
}

/// A client with its secret, shown only in this answer.
#[derive(SimpleObject)]
pub struct ApiClientWithSecret {
    /// The client.
    client: ApiClient,
    /// The client secret. It is never shown again; give it to the partner now.
    client_secret: String,
}

/// A new API client.
#[derive(InputObject)]
pub struct RegisterApiClientInput {
    /// The organisation it refers for.
    organisation_id: ID,
    /// A name for the admins (1 to 100 characters).
    name: String,
}

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
    ) -> async_graphql::Result<Connection<String, ApiClient>> {
        let (svc, rc, tenant) = request(ctx)?;
        let page = page_request(first, after, last, before).gql()?;
        let result = svc.list(rc, &page).await.gql()?;
        Ok(connection(
            result,
            |c| c.id.as_uuid(),
            |c| ApiClient::of(c, tenant),
        ))
    }

    /// One API client.
    async fn api_client(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ApiClient> {
        let (svc, rc, tenant) = request(ctx)?;
        let id = ApiClientId::from_uuid(parse_id("id", &id).gql()?);
        Ok(ApiClient::of(svc.get(rc, id).await.gql()?, tenant))
    }
}

/// API client mutations (tenant admins).
#[derive(Default)]
pub struct ApiClientsMutation;

#[Object]
impl ApiClientsMutation {
    /// Registers a client for an organisation and returns its secret, this once. The partner
    /// exchanges `clientId` and the secret at `POST /api/v1/oauth/token` for a token that acts
    /// as a referrer of the organisation.
    async fn register_api_client(
        &self,
        ctx: &Context<'_>,
        input: RegisterApiClientInput,
    ) -> async_graphql::Result<ApiClientWithSecret> {
        let (svc, rc, tenant) = request(ctx)?;
        let organisation =
            OrganisationId::from_uuid(parse_id("organisationId", &input.organisation_id).gql()?);
        let (client, secret) = svc.register(rc, organisation, &input.name).await.gql()?;
        Ok(ApiClientWithSecret {
            client: ApiClient::of(client, tenant),
            client_secret: secret,
        })
    }

    /// Replaces a client's secret and returns the new one, this once; the old one keeps
    /// working for 24 hours.
    async fn rotate_api_client_secret(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ApiClientWithSecret> {
        let (svc, rc, tenant) = request(ctx)?;
        let id = ApiClientId::from_uuid(parse_id("id", &id).gql()?);
        let (client, secret) = svc.rotate_secret(rc, id).await.gql()?;
        Ok(ApiClientWithSecret {
            client: ApiClient::of(client, tenant),
            client_secret: secret,
        })
    }

    /// Revokes a client: it gets no new tokens and the ones it has stop working at once.
    async fn revoke_api_client(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ApiClient> {
        let (svc, rc, tenant) = request(ctx)?;
        let id = ApiClientId::from_uuid(parse_id("id", &id).gql()?);
        Ok(ApiClient::of(svc.revoke(rc, id).await.gql()?, tenant))
    }
}
