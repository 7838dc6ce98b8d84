//! Queries of this context's GraphQL API.

use crate::graphql::time::Date;
use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object};
use peerbro_domain::ids::OrganisationId;
use peerbro_domain::people::{PeerFilter, PlacementFilter};

use super::placements::*;
use super::types::*;
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::ids::parse;
use crate::graphql::people::AccessPurpose;
use crate::graphql::tenancy::{connection, page_request};

/// Peer queries.
#[derive(Default)]
pub struct PeersQuery;

#[Object]
impl PeersQuery {
    /// The tenant's peer workers (coordinators and tenant admins).
    #[allow(clippy::too_many_arguments)]
    async fn peer_workers(
        &self,
        ctx: &Context<'_>,
        purpose: AccessPurpose,
        status: Option<PeerStatus>,
        kind: Option<PeerKind>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, PeerWorker, crate::graphql::tenancy::ListTotal>>
    {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let filter = PeerFilter {
            status: status.map(Into::into),
            kind: kind.map(Into::into),
            ..PeerFilter::default()
        };
        let result = svc.peers(rc, filter, &page, purpose.into()).await.gql()?;
        Ok(connection(result, |p| p.id.as_uuid(), PeerWorker::from))
    }

    /// One peer worker (coordinators and tenant admins, or the peer themself).
    pub(crate) async fn peer_worker(
        &self,
        ctx: &Context<'_>,
        id: ID,
        purpose: AccessPurpose,
    ) -> async_graphql::Result<PeerWorker> {
        let (svc, rc) = request(ctx)?;
        svc.peer(rc, peer_id("id", &id)?, purpose.into())
            .await
            .gql()
            .map(Into::into)
    }

    /// The caller's own peer profile, or null.
    async fn my_peer_profile(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<PeerWorker>> {
        let (svc, rc) = request(ctx)?;
        Ok(svc.my_profile(rc).await.gql()?.map(Into::into))
    }

    /// The coordinator's monthly worklist: active peers whose last supervision is older than
    /// the tenant's limit (default 35 days), least recently supervised first.
    async fn peers_needing_supervision(
        &self,
        ctx: &Context<'_>,
        purpose: AccessPurpose,
    ) -> async_graphql::Result<SupervisionWorklist> {
        let (svc, rc) = request(ctx)?;
        let (limit, due) = svc.needing_supervision(rc, purpose.into()).await.gql()?;
        Ok(SupervisionWorklist::of(limit, due))
    }

    /// Placements by unit, by peer and/or running on a day.
    #[allow(clippy::too_many_arguments)]
    async fn placements(
        &self,
        ctx: &Context<'_>,
        unit_id: Option<ID>,
        peer_id: Option<ID>,
        active_on: Option<Date>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, Placement, crate::graphql::tenancy::ListTotal>>
    {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let filter = PlacementFilter {
            unit_id: unit_id
                .as_ref()
                .map(|u| parse::<OrganisationId>("unitId", u))
                .transpose()
                .gql()?,
            peer_id: peer_id
                .as_ref()
                .map(|p| self::peer_id("peerId", p))
                .transpose()?,
            active_on: active_on.map(|v| v.0),
        };
        let result = svc.placements(rc, filter, &page).await.gql()?;
        Ok(connection(result, |p| p.id.as_uuid(), Placement::from))
    }
}
