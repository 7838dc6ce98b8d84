//! Peer worker use cases: registration, the pipeline, screening, certificates, training,
//! supervision (with the coordinator's monthly worklist) and placements.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDate;

use crate::authz::{PeopleAction, authorize_people, require_actor};
use crate::clock::Clock;
use crate::context::RequestContext;
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{OrganisationId, PeerId, UserId};
use crate::page::{Page, PageRequest};
use crate::people::peer::{
    Certificate, Employment, OfferType, PeerKind, PeerStatus, PeerWorker, PipelineAction,
    Screening, Training,
};
use crate::people::peer_ports::{PeerFilter, PeerRepository};
use crate::people::policy;
use crate::privacy::{Personal, Purpose};

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
    pub(super) peers: Arc<dyn PeerRepository>,
    pub(super) clock: Arc<dyn Clock>,
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
    pub(super) fn not_future(&self, field: &str, day: NaiveDate) -> DomainResult<()> {
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

    pub(super) async fn ensure_self(&self, ctx: &RequestContext, id: PeerId) -> DomainResult<()> {
        let own = match policy::peer_user(ctx) {
            Some(user) => self.peers.peer_id_of_user(ctx, user).await?,
            None => None,
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
        require_actor(ctx)?;
        let Some(user) = policy::peer_user(ctx) else {
            return Ok(None);
        };
        match self.peers.peer_id_of_user(ctx, user).await? {
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

    pub(super) async fn change(
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

    /// Erases a peer worker who has left (tenant admins): their key is destroyed, so their
    /// name, contact and own questionnaire answers become unreadable, and their login closes.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Conflict`: `NOT_ENDED` unless the peer's status is `ENDED`,
    /// `ERASED`, `LEGAL_HOLD`.
    pub async fn erase_peer(&self, ctx: &RequestContext, id: PeerId) -> DomainResult<PeerWorker> {
        authorize_people(ctx, PeopleAction::ErasePeers)?;
        let peer = self.peers.get(ctx, id, Purpose::Administration).await?;
        if peer.status != PeerStatus::Ended {
            return Err(DomainError::Conflict(crate::error::Conflict::PeerNotEnded));
        }
        self.peers.erase(ctx, id).await
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
}
