//! Output types, enums and loaders of this context's GraphQL API.

use crate::graphql::time::Instant;
use async_graphql::{Context, ID, SimpleObject};
use peerbro_domain::RequestContext;
use peerbro_domain::ids::TenantId;
use peerbro_domain::tenancy::{self as domain, ApiClientService};

use crate::graphql::errors::GqlResultExt as _;

pub(crate) fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(&'a ApiClientService, &'a RequestContext, TenantId)> {
    let (svc, rc) = crate::graphql::errors::request_data::<ApiClientService>(ctx)?;
    Ok((svc, rc, rc.tenant_id().gql()?))
}

/// A partner system's API client.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ApiClient {
    /// Id.
    pub(crate) id: ID,
    /// The `client_id` the partner sends to `POST /api/v1/oauth/token`.
    pub(crate) client_id: String,
    /// A name for the admins.
    pub(crate) name: String,
    /// The organisation it refers for.
    #[graphql(deprecation = "use organisation")]
    pub(crate) organisation_id: ID,
    /// Registered.
    pub(crate) created_at: Instant,
    /// When the secret was last rotated.
    pub(crate) secret_rotated_at: Option<Instant>,
    /// When it was revoked.
    pub(crate) revoked_at: Option<Instant>,
    #[graphql(skip)]
    pub(crate) organisation_key: peerbro_domain::ids::OrganisationId,
}

#[async_graphql::ComplexObject]
impl ApiClient {
    /// The organisation it refers for (batched across a list).
    async fn organisation(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::graphql::tenancy::Organisation>> {
        let loader = ctx.data::<async_graphql::dataloader::DataLoader<
            crate::graphql::loaders::OrganisationLoader,
        >>()?;
        Ok(loader
            .load_one(self.organisation_key)
            .await?
            .map(Into::into))
    }
}

impl ApiClient {
    pub(crate) fn of(c: domain::ApiClient, tenant: TenantId) -> Self {
        Self {
            id: crate::graphql::ids::gid(c.id),
            client_id: c.client_id(tenant),
            name: c.name,
            organisation_id: crate::graphql::ids::gid(c.organisation_id),
            organisation_key: c.organisation_id,
            created_at: c.created_at.into(),
            secret_rotated_at: c.secret_rotated_at.map(Into::into),
            revoked_at: c.revoked_at.map(Into::into),
        }
    }
}

/// A client with its secret, shown only in this answer.
#[derive(SimpleObject)]
pub struct ApiClientSecretPayload {
    /// The client.
    pub(crate) client: ApiClient,
    /// The client secret. It is never shown again; give it to the partner now.
    pub(crate) client_secret: String,
}
