//! Output types of the supervision worklist and of hospital-psychiatry placements.

use crate::graphql::time::{Date, Instant};
use async_graphql::dataloader::DataLoader;
use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use peerbro_domain::ids::{OrganisationId, PeerId};
use peerbro_domain::people::{self as domain};

use super::types::*;
use crate::graphql::ids::gid;
use crate::graphql::loaders::OrganisationLoader;
use crate::graphql::tenancy::Organisation;

/// An active peer whose supervision is overdue.
#[derive(SimpleObject)]
pub struct SupervisionDue {
    /// The peer.
    pub(crate) peer: PeerWorker,
    /// Their last supervision; null if never supervised.
    pub(crate) last_supervised_on: Option<Date>,
}

/// The coordinator's supervision worklist.
#[derive(SimpleObject)]
pub struct SupervisionWorklist {
    /// The tenant's limit in days.
    pub(crate) limit_days: i32,
    /// Active peers past the limit, least recently supervised first.
    pub(crate) peers: Vec<SupervisionDue>,
}

impl SupervisionWorklist {
    /// The worklist of the tenant's `limit` and the peers `due`.
    pub(crate) fn of(limit: u32, due: Vec<domain::SupervisionDue>) -> Self {
        Self {
            limit_days: i32::try_from(limit).unwrap_or(i32::MAX),
            peers: due
                .into_iter()
                .map(|d| SupervisionDue {
                    peer: d.peer.into(),
                    last_supervised_on: d.last_supervised_on.map(Into::into),
                })
                .collect(),
        }
    }
}

/// A paid peer's placement in a hospital-psychiatry unit.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Placement {
    /// Id.
    pub(crate) id: ID,
    /// The peer's id (see `peer`).
    pub(crate) peer_id: ID,
    /// Department or ward.
    pub(crate) ward: String,
    /// The first day.
    pub(crate) starts_on: Date,
    /// The last day (open-ended when null).
    pub(crate) ends_on: Option<Date>,
    /// From.
    #[graphql(deprecation = "use startsOn")]
    pub(crate) start: Date,
    /// Until (open-ended when null).
    #[graphql(deprecation = "use endsOn")]
    pub(crate) end: Option<Date>,
    /// Hours per week.
    pub(crate) weekly_hours: f64,
    /// The ward's contact person.
    pub(crate) ward_contact: String,
    /// How supervision is arranged.
    pub(crate) supervision_arrangement: String,
    /// Recorded.
    pub(crate) created_at: Instant,
    #[graphql(skip)]
    pub(crate) unit_id: OrganisationId,
    #[graphql(skip)]
    pub(crate) peer: PeerId,
}

#[ComplexObject]
impl Placement {
    /// The hospital-psychiatry unit.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let loader = ctx.data::<DataLoader<OrganisationLoader>>()?;
        Ok(loader.load_one(self.unit_id).await?.map(Into::into))
    }

    /// The peer: their name and contact are personal data, so the read is audited with
    /// `purpose`, as `peerWorker(id, purpose)` is (batched across a list).
    async fn peer(
        &self,
        ctx: &Context<'_>,
        purpose: crate::graphql::people::AccessPurpose,
    ) -> async_graphql::Result<Option<PeerWorker>> {
        super::peer(ctx, self.peer, purpose).await
    }
}

impl From<domain::Placement> for Placement {
    fn from(p: domain::Placement) -> Self {
        Self {
            id: gid(p.id),
            peer_id: gid(p.peer_id),
            ward: p.ward,
            starts_on: p.start.into(),
            ends_on: p.end.map(Into::into),
            start: p.start.into(),
            end: p.end.map(Into::into),
            weekly_hours: hours(p.weekly_hours_tenths),
            ward_contact: p.ward_contact,
            supervision_arrangement: p.supervision_arrangement,
            created_at: p.created_at.into(),
            unit_id: p.unit_id,
            peer: p.peer_id,
        }
    }
}

/// `createPlacement`'s answer.
#[derive(async_graphql::SimpleObject)]
pub struct PlacementPayload {
    /// The placement made.
    pub(crate) placement: Placement,
}
