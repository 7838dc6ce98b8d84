//! Correcting a placement: its ward, contact, supervision arrangement, weekly hours, or its
//! last day (ending it, or reopening it). Decided with the peer locked, against the peer's
//! other placements, as a new placement is.

use chrono::NaiveDate;

use crate::authz::{PeopleAction, authorize_people};
use crate::context::RequestContext;
use crate::error::{DomainError, DomainResult};
use crate::ids::PlacementId;
use crate::people::peer::PeerWorker;
use crate::people::peer_service::PeerService;
use crate::people::supervision::{Placement, check_placement_text, check_weekly_hours};

/// What to change in a placement; `None` leaves a field as it is. `end: Some(None)` makes
/// the placement open-ended again.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlacementPatch {
    /// Department or ward.
    pub ward: Option<String>,
    /// The last day (`Some(None)`: open-ended).
    pub end: Option<Option<NaiveDate>>,
    /// Weekly hours, in tenths.
    pub weekly_hours_tenths: Option<u32>,
    /// The ward's contact person.
    pub ward_contact: Option<String>,
    /// The supervision arrangement.
    pub supervision_arrangement: Option<String>,
}

impl PlacementPatch {
    fn is_empty(&self) -> bool {
        self == &Self::default()
    }

    /// Applies the patch to `placement` and checks the result against the peer's `others`
    /// placements and contract (when they still have one: correcting a former peer's
    /// placement is allowed, adding hours beyond a contract is not).
    ///
    /// # Errors
    /// `Validation` for texts and the period; `Conflict` (`CAPACITY`) beyond the contract.
    pub fn apply(
        self,
        peer: &PeerWorker,
        others: &[Placement],
        placement: &mut Placement,
    ) -> DomainResult<()> {
        if let Some(ward) = self.ward {
            placement.ward = ward.trim().to_owned();
        }
        if let Some(end) = self.end {
            placement.end = end;
        }
        if let Some(hours) = self.weekly_hours_tenths {
            placement.weekly_hours_tenths = hours;
        }
        if let Some(contact) = self.ward_contact {
            placement.ward_contact = contact.trim().to_owned();
        }
        if let Some(arrangement) = self.supervision_arrangement {
            placement.supervision_arrangement = arrangement.trim().to_owned();
        }
        check_placement_text(
            &placement.ward,
            &placement.ward_contact,
            &placement.supervision_arrangement,
            placement.start,
            placement.end,
        )?;
        if let Some(employment) = &peer.employment {
            check_weekly_hours(employment.weekly_hours_tenths, others, placement)?;
        }
        Ok(())
    }
}

impl PeerService {
    /// Changes a placement (tenant admins and coordinators), answering it as it now is.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` for a placement not in the tenant; `Validation` for an empty
    /// patch, zero hours, texts and the period; `Conflict` (`CAPACITY`) when the peer's
    /// overlapping placements would exceed their contracted hours.
    pub async fn update_placement(
        &self,
        ctx: &RequestContext,
        id: PlacementId,
        patch: PlacementPatch,
    ) -> DomainResult<Placement> {
        authorize_people(ctx, PeopleAction::ManagePeers)?;
        if patch.is_empty() {
            return Err(DomainError::validation(
                "input",
                "give at least one field to change",
            ));
        }
        if patch.weekly_hours_tenths == Some(0) {
            return Err(DomainError::validation(
                "weeklyHours",
                "must be more than 0",
            ));
        }
        self.peers
            .update_placement(
                ctx,
                id,
                Box::new(move |peer, others, placement| patch.apply(peer, others, placement)),
            )
            .await
    }
}
