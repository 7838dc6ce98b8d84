//! Mutations of this context's GraphQL API.

use async_graphql::{Context, Object};
use peerbro_domain::ids::{ApiClientId, OrganisationId};

use super::inputs::*;
use super::types::*;
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::ids::parse;

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
    ) -> async_graphql::Result<ApiClientSecretPayload> {
        let (svc, rc, tenant) = request(ctx)?;
        let organisation =
            parse::<OrganisationId>("organisationId", &input.organisation_id).gql()?;
        let (client, secret) = svc.register(rc, organisation, &input.name).await.gql()?;
        Ok(ApiClientSecretPayload {
            client: ApiClient::of(client, tenant),
            client_secret: secret,
        })
    }

    /// Replaces a client's secret and returns the new one, this once; the old one keeps
    /// working for 24 hours.
    async fn rotate_api_client_secret(
        &self,
        ctx: &Context<'_>,
        input: ApiClientRefInput,
    ) -> async_graphql::Result<ApiClientSecretPayload> {
        let (svc, rc, tenant) = request(ctx)?;
        let id = parse::<ApiClientId>("apiClientId", &input.api_client_id).gql()?;
        let (client, secret) = svc.rotate_secret(rc, id).await.gql()?;
        Ok(ApiClientSecretPayload {
            client: ApiClient::of(client, tenant),
            client_secret: secret,
        })
    }

    /// Revokes a client: it gets no new tokens and the ones it has stop working at once.
    async fn revoke_api_client(
        &self,
        ctx: &Context<'_>,
        input: ApiClientRefInput,
    ) -> async_graphql::Result<ApiClientPayload> {
        let (svc, rc, tenant) = request(ctx)?;
        let id = parse::<ApiClientId>("apiClientId", &input.api_client_id).gql()?;
        Ok(ApiClientPayload {
            api_client: ApiClient::of(svc.revoke(rc, id).await.gql()?, tenant),
        })
    }
}
