//! Supervision of peer workers and their hospital-psychiatry placements.

use std::collections::HashMap;

use chrono::{Days, NaiveDate};

use crate::authz::{PeopleAction, authorize_people, require_actor};
use crate::context::RequestContext;
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{PeerId, PlacementId};
use crate::page::{Page, PageRequest};
use crate::people::peer::{PeerKind, PeerStatus};
use crate::people::peer_ports::PlacementFilter;
use crate::people::peer_service::{NewPlacement, PeerService, SupervisionDue};
use crate::people::supervision::{
    Placement, SupervisionFormat, SupervisionSession, check_placement_text, check_weekly_hours,
};
use crate::privacy::Purpose;
use crate::tenancy::OrganisationKind;

impl PeerService {
    /// Records a supervision session held by the caller.
    ///
    /// # Errors
    /// `Forbidden`; `Validation`; `NotFound` for a peer not in the tenant.
    pub async fn record_supervision(
        &self,
        ctx: &RequestContext,
        held_on: NaiveDate,
        format: SupervisionFormat,
        attendees: Vec<PeerId>,
    ) -> DomainResult<SupervisionSession> {
        authorize_people(ctx, PeopleAction::ManagePeers)?;
        let supervisor = require_actor(ctx)?.user_id();
        let session =
            SupervisionSession::new(held_on, supervisor, format, attendees, self.clock.now())?;
        self.peers.record_supervision(ctx, &session).await?;
        Ok(session)
    }

    /// A peer's supervision sessions: coordinators and tenant admins, or the peer themself.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn supervision_of(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        page: &PageRequest,
    ) -> DomainResult<Page<SupervisionSession>> {
        if authorize_people(ctx, PeopleAction::ReadPeers).is_err() {
            self.ensure_self(ctx, id).await?;
        }
        self.peers.supervision_of(ctx, id, page).await
    }

    /// The last supervision of each of `ids` (DataLoaders).
    ///
    /// # Errors
    /// `Forbidden` for a peer asking about others.
    pub async fn last_supervised(
        &self,
        ctx: &RequestContext,
        ids: &[PeerId],
    ) -> DomainResult<HashMap<PeerId, NaiveDate>> {
        if authorize_people(ctx, PeopleAction::ReadPeers).is_err() {
            for id in ids {
                self.ensure_self(ctx, *id).await?;
            }
        }
        self.peers.last_supervised(ctx, ids).await
    }

    /// The coordinator's worklist: active peers whose last supervision is older than the
    /// tenant's limit (or who never had one), least recently supervised first.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn needing_supervision(
        &self,
        ctx: &RequestContext,
        purpose: Purpose,
    ) -> DomainResult<(u32, Vec<SupervisionDue>)> {
        authorize_people(ctx, PeopleAction::ReadPeers)?;
        let limit = self.peers.supervision_limit_days(ctx).await?;
        let cutoff = self
            .clock
            .now()
            .date_naive()
            .checked_sub_days(Days::new(u64::from(limit)))
            .unwrap_or(NaiveDate::MIN);
        let due = self.peers.needing_supervision(ctx, cutoff, purpose).await?;
        Ok((
            limit,
            due.into_iter()
                .map(|(peer, last_supervised_on)| SupervisionDue {
                    peer,
                    last_supervised_on,
                })
                .collect(),
        ))
    }

    /// Sets the tenant's supervision limit (tenant admins).
    ///
    /// # Errors
    /// `Forbidden`; `Validation` outside 7–365 days.
    pub async fn set_supervision_limit(
        &self,
        ctx: &RequestContext,
        days: u32,
    ) -> DomainResult<u32> {
        crate::authz::authorize(ctx, crate::authz::TenancyAction::ConfigureTenant)?;
        if !(7..=365).contains(&days) {
            return Err(DomainError::validation(
                "supervisionLimitDays",
                "must be between 7 and 365",
            ));
        }
        self.peers.set_supervision_limit_days(ctx, days).await?;
        Ok(days)
    }

    /// Places a paid peer in a hospital-psychiatry unit, within their contracted hours.
    ///
    /// # Errors
    /// `Forbidden`; `Validation`; `NotFound`; `Conflict` when the peer is not a paid, active
    /// peer, the organisation is not a hospital-psychiatry unit, or overlapping placements
    /// would exceed the contract.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn create_placement(
        &self,
        ctx: &RequestContext,
        new: NewPlacement,
    ) -> DomainResult<Placement> {
        authorize_people(ctx, PeopleAction::ManagePeers)?;
        check_placement_text(
            &new.ward,
            &new.ward_contact,
            &new.supervision_arrangement,
            new.start,
            new.end,
        )?;
        if new.weekly_hours_tenths == 0 {
            return Err(DomainError::validation(
                "weeklyHours",
                "must be more than 0",
            ));
        }
        let placement = Placement {
            id: PlacementId::new(),
            peer_id: new.peer_id,
            unit_id: new.unit_id,
            ward: new.ward.trim().to_owned(),
            start: new.start,
            end: new.end,
            weekly_hours_tenths: new.weekly_hours_tenths,
            ward_contact: new.ward_contact.trim().to_owned(),
            supervision_arrangement: new.supervision_arrangement.trim().to_owned(),
            created_at: self.clock.now(),
        };
        let candidate = placement.clone();
        self.peers
            .create_placement(
                ctx,
                &placement,
                Box::new(move |peer, existing, unit| {
                    if unit.kind != OrganisationKind::HospitalPsychiatryUnit {
                        return Err(DomainError::Conflict(Conflict::NotAPsychiatryUnit));
                    }
                    let employment = match (peer.kind, peer.status, &peer.employment) {
                        (PeerKind::Paid, PeerStatus::Active, Some(e)) => e,
                        _ => {
                            return Err(DomainError::Conflict(Conflict::NotPlaceable));
                        }
                    };
                    check_weekly_hours(employment.weekly_hours_tenths, existing, &candidate)
                }),
            )
            .await?;
        Ok(placement)
    }

    /// Placements by unit, by peer and/or running on a day (coordinators and tenant admins;
    /// a peer sees their own).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn placements(
        &self,
        ctx: &RequestContext,
        filter: PlacementFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Placement>> {
        if authorize_people(ctx, PeopleAction::ReadPeers).is_err() {
            match filter.peer_id {
                Some(peer) => self.ensure_self(ctx, peer).await?,
                None => authorize_people(ctx, PeopleAction::ReadPeers)?,
            }
        }
        self.peers.placements(ctx, filter, page).await
    }
}
