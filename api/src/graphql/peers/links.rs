//! Links from the peer pipeline's records to the users, organisations and peers they name:
//! each batched across a list through the request's DataLoaders.

use async_graphql::dataloader::DataLoader;
use async_graphql::{ComplexObject, Context};
use peerbro_domain::ids::PeerId;

use super::types::{
    EmploymentRecord, PeerWorker, Screening, StatusTransition, SupervisionSessionGql,
};
use crate::graphql::loaders::{OrganisationLoader, PeerLoader};
use crate::graphql::people::AccessPurpose;
use crate::graphql::tenancy::{Organisation, User, user};

/// The peer `id` names, read with `purpose` through the request's [`PeerLoader`] (null when
/// not in the tenant).
pub(crate) async fn peer(
    ctx: &Context<'_>,
    id: PeerId,
    purpose: AccessPurpose,
) -> async_graphql::Result<Option<PeerWorker>> {
    let loader = ctx.data::<DataLoader<PeerLoader>>()?;
    Ok(loader.load_one((id, purpose.into())).await?.map(Into::into))
}

/// The peers `ids` name, in that order, read with `purpose` (those not in the tenant left out).
pub(crate) async fn peers(
    ctx: &Context<'_>,
    ids: &[PeerId],
    purpose: AccessPurpose,
) -> async_graphql::Result<Vec<PeerWorker>> {
    let loader = ctx.data::<DataLoader<PeerLoader>>()?;
    let purpose: peerbro_domain::privacy::Purpose = purpose.into();
    let mut found = loader
        .load_many(ids.iter().map(|id| (*id, purpose)))
        .await?;
    Ok(ids
        .iter()
        .filter_map(|id| found.remove(&(*id, purpose)))
        .map(Into::into)
        .collect())
}

#[ComplexObject]
impl Screening {
    /// The interviewer, for coordinators and tenant admins (batched).
    async fn interviewer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        user(ctx, Some(self.interviewer)).await
    }
}

#[ComplexObject]
impl StatusTransition {
    /// Who moved the peer (null for the system), for coordinators and tenant admins (batched).
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        user(ctx, self.actor).await
    }
}

#[ComplexObject]
impl EmploymentRecord {
    /// The employer.
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let loader = ctx.data::<DataLoader<OrganisationLoader>>()?;
        Ok(loader.load_one(self.employer).await?.map(Into::into))
    }
}

#[ComplexObject]
impl SupervisionSessionGql {
    /// The supervisor, for coordinators and tenant admins (batched).
    async fn supervisor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        user(ctx, Some(self.supervisor)).await
    }

    /// The peers who attended, in the order recorded: their names and contacts are personal
    /// data, so the read is audited with `purpose` (batched across a list).
    async fn attendees(
        &self,
        ctx: &Context<'_>,
        purpose: AccessPurpose,
    ) -> async_graphql::Result<Vec<PeerWorker>> {
        peers(ctx, &self.attendees, purpose).await
    }
}
