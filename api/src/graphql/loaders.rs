//! DataLoaders, created per request from the request's context.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use peerbro_domain::RequestContext;
use peerbro_domain::ids::OrganisationId;
use peerbro_domain::tenancy::{Organisation, TenancyService};

use super::errors::LoadError;

/// Loads organisations by id in one query per batch.
pub struct OrganisationLoader {
    tenancy: TenancyService,
    ctx: RequestContext,
}

impl OrganisationLoader {
    /// A loader acting as `ctx`.
    pub const fn new(tenancy: TenancyService, ctx: RequestContext) -> Self {
        Self { tenancy, ctx }
    }
}

impl Loader<OrganisationId> for OrganisationLoader {
    type Value = Organisation;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[OrganisationId],
    ) -> Result<HashMap<OrganisationId, Organisation>, Self::Error> {
        let orgs = self.tenancy.organisations_by_ids(&self.ctx, keys).await?;
        Ok(orgs.into_iter().map(|o| (o.id, o)).collect())
    }
}
