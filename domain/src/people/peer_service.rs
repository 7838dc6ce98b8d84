//! Peer worker use cases: registration, the pipeline, screening, certificates, training,
//! supervision (with the coordinator's monthly worklist) and placements.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{Days, NaiveDate};

use crate::authz::{PeopleAction, authorize_people, require_actor};
use crate::clock::Clock;
use crate::context::{RequestContext, Role};
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{OrganisationId, PeerId, PlacementId, UserId};
use crate::page::{Page, PageRequest};
use crate::people::peer::{
    Certificate, Employment, OfferType, PeerKind, PeerStatus, PeerWorker, PipelineAction,
    Screening, Training,
};
use crate::people::peer_ports::{PeerFilter, PeerRepository, PlacementFilter};
use crate::people::supervision::{
    Placement, SupervisionFormat, SupervisionSession, check_placement_text, check_weekly_hours,
};
use crate::privacy::{Personal, Purpose};
use crate::tenancy::OrganisationKind;

/// What is needed to register a peer worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPeer {
    /// Paid or voluntary.
    pub kind: PeerKind,
    /// Name.
    pub name: Personal,
    /// Contact details.
    pub contact: Option<Personal>,
    /// Their login, if any.
    pub user_id: Option<UserId>,
    /// Their organisation.
    pub organisation_id: OrganisationId,
    /// Languages.
    pub languages: Vec<String>,
    /// Offer types they can run.
    pub offer_types: BTreeSet<OfferType>,
    /// Most concurrent one-to-one matches (1–10).
    pub max_matches: u8,
    /// Employment: required for paid peers, refused for volunteers.
    pub employment: Option<Employment>,
}

/// A placement to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPlacement {
    /// The paid peer.
    pub peer_id: PeerId,
    /// The hospital-psychiatry unit.
    pub unit_id: OrganisationId,
    /// Department or ward.
    pub ward: String,
    /// From.
    pub start: NaiveDate,
    /// Until.
    pub end: Option<NaiveDate>,
    /// Weekly hours, in tenths.
    pub weekly_hours_tenths: u32,
    /// The ward's contact person.
    pub ward_contact: String,
    /// The supervision arrangement.
    pub supervision_arrangement: String,
}

/// An entry of the coordinator's supervision worklist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SupervisionDue {
    /// The peer.
    pub peer: PeerWorker,
    /// Their last supervision, if any.
    pub last_supervised_on: Option<NaiveDate>,
}

/// The peer worker use cases.
#[derive(Clone)]
pub struct PeerService {
    peers: Arc<dyn PeerRepository>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for PeerService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerService").finish_non_exhaustive()
    }
}

/// Validates a list of languages: 0–20 entries of 1–40 characters, trimmed, deduplicated.
///
/// # Errors
/// `Validation` otherwise.
pub fn parse_languages(raw: &[String]) -> DomainResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for lang in raw {
        let lang = lang.trim();
        if lang.is_empty() || lang.chars().count() > 40 || lang.contains(',') {
            return Err(DomainError::validation(
                "languages",
                "each must be 1-40 characters without commas",
            ));
        }
        if !out.iter().any(|l| l.eq_ignore_ascii_case(lang)) {
            out.push(lang.to_owned());
        }
    }
    if out.len() > 20 {
        return Err(DomainError::validation("languages", "at most 20"));
    }
    Ok(out)
}

impl PeerService {
    fn not_future(&self, field: &str, day: NaiveDate) -> DomainResult<()> {
        if day > self.clock.today() {
            Err(DomainError::validation(field, "must not be in the future"))
        } else {
            Ok(())
        }
    }

    /// Wires the service.
    #[must_use]
    pub fn new(peers: Arc<dyn PeerRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { peers, clock }
    }

    async fn ensure_self(&self, ctx: &RequestContext, id: PeerId) -> DomainResult<()> {
        let own = match ctx.actor() {
            Some(actor) if actor.has(Role::Peer) => {
                self.peers.peer_id_of_user(ctx, actor.user_id()).await?
            }
            _ => None,
        };
        if own == Some(id) {
            Ok(())
        } else {
            Err(DomainError::Forbidden(
                "your roles in this tenant do not allow access to this peer's data",
            ))
        }
    }

    /// Registers a peer worker: volunteers start as applicants; paid peers start active with
    /// their employment record.
    ///
    /// # Errors
    /// `Forbidden`; `Validation` for a paid peer without employment, a volunteer with one, or
    /// a capacity outside 1–10.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn register(
        &self,
        ctx: &RequestContext,
        new: NewPeer,
        purpose: Purpose,
    ) -> DomainResult<PeerWorker> {
        authorize_people(ctx, PeopleAction::ManagePeers)?;
        if !(1..=10).contains(&new.max_matches) {
            return Err(DomainError::validation(
                "maxMatches",
                "must be between 1 and 10",
            ));
        }
        let status = match (new.kind, &new.employment) {
            (PeerKind::Paid, Some(_)) => PeerStatus::Active,
            (PeerKind::Paid, None) => {
                return Err(DomainError::validation(
                    "employment",
                    "a paid peer needs an employment record",
                ));
            }
            (PeerKind::Voluntary, Some(_)) => {
                return Err(DomainError::validation(
                    "employment",
                    "a volunteer has no employment record",
                ));
            }
            (PeerKind::Voluntary, None) => PeerStatus::Applicant,
        };
        let peer = PeerWorker {
            id: PeerId::new(),
            user_id: new.user_id,
            kind: new.kind,
            status,
            name: Some(new.name),
            contact: new.contact,
            languages: new.languages,
            offer_types: new.offer_types,
            max_matches: new.max_matches,
            organisation_id: new.organisation_id,
            created_at: self.clock.now(),
            screenings: vec![],
            certificates: vec![],
            trainings: vec![],
            transitions: vec![],
            employment: new.employment,
        };
        self.peers.create(ctx, &peer, purpose).await?;
        Ok(peer)
    }

    /// One peer: coordinators and tenant admins, or the peer themself.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn peer(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        purpose: Purpose,
    ) -> DomainResult<PeerWorker> {
        if authorize_people(ctx, PeopleAction::ReadPeers).is_err() {
            self.ensure_self(ctx, id).await?;
            return self.peers.get(ctx, id, Purpose::Supervision).await;
        }
        self.peers.get(ctx, id, purpose).await
    }

    /// The caller's own peer profile, if they are a peer worker.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn my_profile(&self, ctx: &RequestContext) -> DomainResult<Option<PeerWorker>> {
        let actor = require_actor(ctx)?;
        if !actor.has(Role::Peer) {
            return Ok(None);
        }
        match self.peers.peer_id_of_user(ctx, actor.user_id()).await? {
            Some(id) => self
                .peers
                .get(ctx, id, Purpose::Supervision)
                .await
                .map(Some),
            None => Ok(None),
        }
    }

    /// A page of peers (coordinators and tenant admins).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn peers(
        &self,
        ctx: &RequestContext,
        filter: PeerFilter,
        page: &PageRequest,
        purpose: Purpose,
    ) -> DomainResult<Page<PeerWorker>> {
        authorize_people(ctx, PeopleAction::ReadPeers)?;
        self.peers.list(ctx, filter, page, purpose).await
    }

    async fn change(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        change: crate::people::peer_ports::PeerChange,
    ) -> DomainResult<PeerWorker> {
        authorize_people(ctx, PeopleAction::ManagePeers)?;
        self.peers
            .update(ctx, id, change, Purpose::Coordination)
            .await
    }

    /// Moves a peer in the pipeline.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Conflict` for an illegal move or missing certificates.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id(), action = action.as_str()))]
    pub async fn change_status(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        action: PipelineAction,
        reason: Option<String>,
    ) -> DomainResult<PeerWorker> {
        if let Some(r) = &reason
            && (r.trim().is_empty() || r.chars().count() > 200)
        {
            return Err(DomainError::validation(
                "reason",
                "must be 1-200 characters",
            ));
        }
        let actor = ctx.actor().map(|a| a.user_id());
        let now = self.clock.now();
        self.change(
            ctx,
            id,
            Box::new(move |peer| peer.apply(action, actor, reason, now)),
        )
        .await
    }

    /// Records a screening interview (during screening).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Conflict` outside screening; `Validation` for a future date.
    pub async fn record_screening(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        held_on: NaiveDate,
        outcome: crate::people::peer::ScreeningOutcome,
    ) -> DomainResult<PeerWorker> {
        self.not_future("heldOn", held_on)?;
        let interviewer = require_actor(ctx)?.user_id();
        self.change(
            ctx,
            id,
            Box::new(move |peer| {
                if peer.status != PeerStatus::Screening {
                    return Err(DomainError::Conflict(Conflict::NotInScreening));
                }
                peer.screenings.push(Screening {
                    held_on,
                    interviewer,
                    outcome,
                });
                Ok(())
            }),
        )
        .await
    }

    /// Records a certificate check (date and result, never the document).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Validation` for a future date.
    pub async fn record_certificate(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        certificate: Certificate,
    ) -> DomainResult<PeerWorker> {
        self.not_future("checkedOn", certificate.checked_on)?;
        self.change(
            ctx,
            id,
            Box::new(move |peer| {
                peer.certificates.push(certificate);
                Ok(())
            }),
        )
        .await
    }

    /// Records a completed training course.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Validation` for an empty course name or a future date.
    pub async fn record_training(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        course: &str,
        completed_on: NaiveDate,
    ) -> DomainResult<PeerWorker> {
        self.not_future("completedOn", completed_on)?;
        let course = course.trim().to_owned();
        if course.is_empty() || course.chars().count() > 200 {
            return Err(DomainError::validation(
                "course",
                "must be 1-200 characters",
            ));
        }
        self.change(
            ctx,
            id,
            Box::new(move |peer| {
                peer.trainings.push(Training {
                    course,
                    completed_on,
                });
                Ok(())
            }),
        )
        .await
    }

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
