//! Peer workers, the volunteer pipeline, supervision and hospital-psychiatry placements in
//! GraphQL. A peer's name and contact are personal data: reading them is audited.

use std::collections::HashMap;

use async_graphql::connection::Connection;
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use peerbro_domain::ids::{OrganisationId, PeerId, UserId};
use peerbro_domain::people::{
    self as domain, Certificate, Employment, NewPeer, NewPlacement, PeerFilter, PeerService,
    PlacementFilter, hours_tenths, parse_languages,
};
use peerbro_domain::privacy::Personal;
use peerbro_domain::{DomainError, RequestContext};

use super::errors::{GqlResultExt as _, LoadError};
use super::loaders::OrganisationLoader;
use super::people::AccessPurpose;
use super::scalars::parse_id;
use super::tenancy::{Organisation, connection, page_request};

fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(&'a PeerService, &'a RequestContext)> {
    super::errors::request_data(ctx)
}

wire_enum!(
    /// Paid (employed) or voluntary.
    PeerKind => domain::PeerKind { Paid, Voluntary }
);
wire_enum!(
    /// Where a peer is in the pipeline.
    PeerStatus => domain::PeerStatus {
        /// Has applied.
        Applicant,
        /// Being screened.
        Screening,
        /// In training.
        Training,
        /// Can be matched.
        Active,
        /// Temporarily not taking matches.
        Paused,
        /// No longer a peer worker.
        Ended,
    }
);
wire_enum!(
    /// A move in the pipeline.
    PipelineAction => domain::PipelineAction {
        /// Applicant → screening.
        StartScreening,
        /// Screening → training.
        StartTraining,
        /// Training → active (volunteers need clear certificates).
        Activate,
        /// Active → paused.
        Pause,
        /// Paused → active.
        Resume,
        /// Any status but ended → ended.
        End,
    }
);
wire_enum!(
    /// The kinds of offer a peer can run.
    OfferType => domain::OfferType { GroupCourse, OneToOne, RecoveryCafe, AnonymousChat }
);
wire_enum!(
    /// Certificates checked for volunteers.
    CertificateKind => domain::CertificateKind {
        /// Straffeattest.
        CriminalRecord,
        /// Børneattest.
        ChildCertificate,
    }
);
wire_enum!(
    /// The result of a certificate check.
    CertificateResult => domain::CertificateResult { Clear, NotClear }
);
wire_enum!(
    /// The outcome of a screening interview.
    ScreeningOutcome => domain::ScreeningOutcome { Approved, FollowUp, NotApproved }
);
wire_enum!(
    /// Group or individual supervision.
    SupervisionFormat => domain::SupervisionFormat { Group, Individual }
);

fn id_of(u: impl std::fmt::Display) -> ID {
    ID(u.to_string())
}

fn hours(tenths: u32) -> f64 {
    f64::from(tenths) / 10.0
}

/// A screening interview.
#[derive(SimpleObject)]
pub struct Screening {
    /// When.
    held_on: NaiveDate,
    /// The interviewer.
    interviewer_id: ID,
    /// The outcome.
    outcome: ScreeningOutcome,
}

/// A certificate check (date and result; the document is never stored).
#[derive(SimpleObject)]
pub struct CertificateCheck {
    /// Which certificate.
    kind: CertificateKind,
    /// When it was checked.
    checked_on: NaiveDate,
    /// The result.
    result: CertificateResult,
}

/// A completed training course.
#[derive(SimpleObject)]
pub struct TrainingCourse {
    /// The course.
    course: String,
    /// Completed on.
    completed_on: NaiveDate,
}

/// A move in the pipeline.
#[derive(SimpleObject)]
pub struct StatusTransition {
    /// From.
    from: PeerStatus,
    /// To.
    to: PeerStatus,
    /// When.
    at: DateTime<Utc>,
    /// Who.
    actor_id: Option<ID>,
    /// Why.
    reason: Option<String>,
}

/// A paid peer's employment.
#[derive(SimpleObject)]
pub struct EmploymentRecord {
    /// The employer.
    organisation_id: ID,
    /// Contracted hours per week.
    weekly_hours: f64,
    /// From.
    start: NaiveDate,
    /// Until.
    end: Option<NaiveDate>,
}

/// A peer worker. `name` and `contact` are personal data (audited).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PeerWorker {
    /// Id.
    id: ID,
    /// Their login, if any.
    user_id: Option<ID>,
    /// Paid or voluntary.
    kind: PeerKind,
    /// Pipeline status.
    status: PeerStatus,
    /// Name.
    name: Option<String>,
    /// Contact details.
    contact: Option<String>,
    /// Languages.
    languages: Vec<String>,
    /// Offer types they can run.
    offer_types: Vec<OfferType>,
    /// Most concurrent one-to-one matches.
    max_matches: i32,
    /// Registered.
    created_at: DateTime<Utc>,
    /// Screening interviews.
    screenings: Vec<Screening>,
    /// Certificate checks.
    certificates: Vec<CertificateCheck>,
    /// Required certificates missing or not clear.
    missing_certificates: Vec<CertificateKind>,
    /// Training courses completed.
    trainings: Vec<TrainingCourse>,
    /// Pipeline moves.
    transitions: Vec<StatusTransition>,
    /// Employment (paid peers).
    employment: Option<EmploymentRecord>,
    #[graphql(skip)]
    peer_id: PeerId,
    #[graphql(skip)]
    organisation_id: OrganisationId,
}

impl From<domain::PeerWorker> for PeerWorker {
    fn from(p: domain::PeerWorker) -> Self {
        let missing = p
            .missing_certificates()
            .into_iter()
            .map(Into::into)
            .collect();
        Self {
            id: id_of(p.id),
            user_id: p.user_id.map(id_of),
            kind: p.kind.into(),
            status: p.status.into(),
            name: p.name.map(|n| n.expose().to_owned()),
            contact: p.contact.map(|c| c.expose().to_owned()),
            languages: p.languages,
            offer_types: p.offer_types.into_iter().map(Into::into).collect(),
            max_matches: i32::from(p.max_matches),
            created_at: p.created_at,
            screenings: p
                .screenings
                .into_iter()
                .map(|s| Screening {
                    held_on: s.held_on,
                    interviewer_id: id_of(s.interviewer),
                    outcome: s.outcome.into(),
                })
                .collect(),
            certificates: p
                .certificates
                .into_iter()
                .map(|c| CertificateCheck {
                    kind: c.kind.into(),
                    checked_on: c.checked_on,
                    result: c.result.into(),
                })
                .collect(),
            missing_certificates: missing,
            trainings: p
                .trainings
                .into_iter()
                .map(|t| TrainingCourse {
                    course: t.course,
                    completed_on: t.completed_on,
                })
                .collect(),
            transitions: p
                .transitions
                .into_iter()
                .map(|t| StatusTransition {
                    from: t.from.into(),
                    to: t.to.into(),
                    at: t.at,
                    actor_id: t.actor.map(id_of),
                    reason: t.reason,
                })
                .collect(),
            employment: p.employment.map(|e| EmploymentRecord {
                organisation_id: id_of(e.organisation_id),
                weekly_hours: hours(e.weekly_hours_tenths),
                start: e.start,
                end: e.end,
            }),
            peer_id: p.id,
            organisation_id: p.organisation_id,
        }
    }
}

#[ComplexObject]
impl PeerWorker {
    /// Their organisation.
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let loader = ctx.data::<DataLoader<OrganisationLoader>>()?;
        Ok(loader.load_one(self.organisation_id).await?.map(Into::into))
    }

    /// The date of their last supervision (batched).
    async fn last_supervised_on(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<NaiveDate>> {
        let loader = ctx.data::<DataLoader<LastSupervisionLoader>>()?;
        loader.load_one(self.peer_id).await.map_err(Into::into)
    }

    /// Their supervision sessions, oldest first.
    async fn supervision_sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, SupervisionSessionGql>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(first, after, None, None).gql()?;
        let result = svc.supervision_of(rc, self.peer_id, &page).await.gql()?;
        Ok(connection(
            result,
            |s| s.id.as_uuid(),
            SupervisionSessionGql::from,
        ))
    }
}

/// Loads the last supervision date of many peers in one query.
pub struct LastSupervisionLoader {
    peers: PeerService,
    ctx: RequestContext,
}

impl Loader<PeerId> for LastSupervisionLoader {
    type Value = NaiveDate;
    type Error = LoadError;

    async fn load(&self, keys: &[PeerId]) -> Result<HashMap<PeerId, NaiveDate>, Self::Error> {
        Ok(self.peers.last_supervised(&self.ctx, keys).await?)
    }
}

/// The per-request supervision loader.
#[must_use]
pub fn supervision_loader(
    peers: PeerService,
    ctx: RequestContext,
) -> DataLoader<LastSupervisionLoader> {
    DataLoader::new(LastSupervisionLoader { peers, ctx }, tokio::spawn)
}

/// A supervision session.
#[derive(SimpleObject)]
#[graphql(name = "SupervisionSession")]
pub struct SupervisionSessionGql {
    /// Id.
    id: ID,
    /// When.
    held_on: NaiveDate,
    /// The supervisor.
    supervisor_id: ID,
    /// Group or individual.
    format: SupervisionFormat,
    /// The peers who attended.
    attendee_ids: Vec<ID>,
}

impl From<domain::SupervisionSession> for SupervisionSessionGql {
    fn from(s: domain::SupervisionSession) -> Self {
        Self {
            id: id_of(s.id),
            held_on: s.held_on,
            supervisor_id: id_of(s.supervisor),
            format: s.format.into(),
            attendee_ids: s.attendees.into_iter().map(id_of).collect(),
        }
    }
}

/// An active peer whose supervision is overdue.
#[derive(SimpleObject)]
pub struct SupervisionDue {
    /// The peer.
    peer: PeerWorker,
    /// Their last supervision; null if never supervised.
    last_supervised_on: Option<NaiveDate>,
}

/// The coordinator's supervision worklist.
#[derive(SimpleObject)]
pub struct SupervisionWorklist {
    /// The tenant's limit in days.
    limit_days: i32,
    /// Active peers past the limit, least recently supervised first.
    peers: Vec<SupervisionDue>,
}

/// A paid peer's placement in a hospital-psychiatry unit.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Placement {
    /// Id.
    id: ID,
    /// The peer.
    peer_id: ID,
    /// Department or ward.
    ward: String,
    /// From.
    start: NaiveDate,
    /// Until (open-ended when null).
    end: Option<NaiveDate>,
    /// Hours per week.
    weekly_hours: f64,
    /// The ward's contact person.
    ward_contact: String,
    /// How supervision is arranged.
    supervision_arrangement: String,
    /// Recorded.
    created_at: DateTime<Utc>,
    #[graphql(skip)]
    unit_id: OrganisationId,
}

#[ComplexObject]
impl Placement {
    /// The hospital-psychiatry unit.
    async fn unit(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let loader = ctx.data::<DataLoader<OrganisationLoader>>()?;
        Ok(loader.load_one(self.unit_id).await?.map(Into::into))
    }
}

impl From<domain::Placement> for Placement {
    fn from(p: domain::Placement) -> Self {
        Self {
            id: id_of(p.id),
            peer_id: id_of(p.peer_id),
            ward: p.ward,
            start: p.start,
            end: p.end,
            weekly_hours: hours(p.weekly_hours_tenths),
            ward_contact: p.ward_contact,
            supervision_arrangement: p.supervision_arrangement,
            created_at: p.created_at,
            unit_id: p.unit_id,
        }
    }
}

fn peer_id(field: &str, id: &ID) -> async_graphql::Result<PeerId> {
    Ok(PeerId::from_uuid(parse_id(field, id).gql()?))
}

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
    ) -> async_graphql::Result<Connection<String, PeerWorker>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(first, after, last, before).gql()?;
        let filter = PeerFilter {
            status: status.map(Into::into),
            kind: kind.map(Into::into),
        };
        let result = svc.peers(rc, filter, &page, purpose.into()).await.gql()?;
        Ok(connection(result, |p| p.id.as_uuid(), PeerWorker::from))
    }

    /// One peer worker (coordinators and tenant admins, or the peer themself).
    async fn peer_worker(
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
        Ok(SupervisionWorklist {
            limit_days: i32::try_from(limit).unwrap_or(i32::MAX),
            peers: due
                .into_iter()
                .map(|d| SupervisionDue {
                    peer: d.peer.into(),
                    last_supervised_on: d.last_supervised_on,
                })
                .collect(),
        })
    }

    /// Placements by unit, by peer and/or running on a day.
    #[allow(clippy::too_many_arguments)]
    async fn placements(
        &self,
        ctx: &Context<'_>,
        unit_id: Option<ID>,
        peer_id: Option<ID>,
        active_on: Option<NaiveDate>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, Placement>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(first, after, last, before).gql()?;
        let filter = PlacementFilter {
            unit_id: unit_id
                .as_ref()
                .map(|u| parse_id("unitId", u).map(OrganisationId::from_uuid))
                .transpose()
                .gql()?,
            peer_id: peer_id
                .as_ref()
                .map(|p| self::peer_id("peerId", p))
                .transpose()?,
            active_on,
        };
        let result = svc.placements(rc, filter, &page).await.gql()?;
        Ok(connection(result, |p| p.id.as_uuid(), Placement::from))
    }
}

/// Employment of a paid peer.
#[derive(InputObject)]
pub struct EmploymentInput {
    /// The employer.
    organisation_id: ID,
    /// Contracted hours per week (0.1–48).
    weekly_hours: f64,
    /// From.
    start: NaiveDate,
    /// Until.
    end: Option<NaiveDate>,
}

/// A peer worker to register.
#[derive(InputObject)]
pub struct RegisterPeerWorkerInput {
    /// Paid or voluntary.
    kind: PeerKind,
    /// Name.
    name: String,
    /// Contact details.
    contact: Option<String>,
    /// Their login (a user of the tenant with the PEER role), if any.
    user_id: Option<ID>,
    /// Their organisation.
    organisation_id: ID,
    /// Languages.
    #[graphql(default)]
    languages: Vec<String>,
    /// Offer types they can run.
    #[graphql(default)]
    offer_types: Vec<OfferType>,
    /// Most concurrent one-to-one matches (1–10).
    #[graphql(default = 2)]
    max_matches: i32,
    /// Employment: required for paid peers.
    employment: Option<EmploymentInput>,
}

/// A move in the pipeline.
#[derive(InputObject)]
pub struct ChangePeerStatusInput {
    /// The peer.
    peer_id: ID,
    /// The move.
    action: PipelineAction,
    /// Why (short, no personal data).
    reason: Option<String>,
}

/// A screening interview.
#[derive(InputObject)]
pub struct RecordScreeningInput {
    /// The peer.
    peer_id: ID,
    /// When.
    held_on: NaiveDate,
    /// The outcome.
    outcome: ScreeningOutcome,
}

/// A certificate check.
#[derive(InputObject)]
pub struct RecordCertificateInput {
    /// The peer.
    peer_id: ID,
    /// Which certificate.
    kind: CertificateKind,
    /// When it was checked.
    checked_on: NaiveDate,
    /// The result.
    result: CertificateResult,
}

/// A completed training course.
#[derive(InputObject)]
pub struct RecordTrainingInput {
    /// The peer.
    peer_id: ID,
    /// The course.
    course: String,
    /// Completed on.
    completed_on: NaiveDate,
}

/// A supervision session held by the caller.
#[derive(InputObject)]
pub struct RecordSupervisionInput {
    /// When.
    held_on: NaiveDate,
    /// Group or individual.
    format: SupervisionFormat,
    /// The peers who attended.
    attendee_ids: Vec<ID>,
}

/// A placement of a paid peer in a hospital-psychiatry unit.
#[derive(InputObject)]
pub struct CreatePlacementInput {
    /// The paid peer.
    peer_id: ID,
    /// The unit (an organisation of kind HOSPITAL_PSYCHIATRY_UNIT).
    unit_id: ID,
    /// Department or ward.
    ward: String,
    /// From.
    start: NaiveDate,
    /// Until.
    end: Option<NaiveDate>,
    /// Hours per week.
    weekly_hours: f64,
    /// The ward's contact person.
    ward_contact: String,
    /// How supervision is arranged.
    supervision_arrangement: String,
}

/// Peer mutations (coordinators and tenant admins).
#[derive(Default)]
pub struct PeersMutation;

#[Object]
impl PeersMutation {
    /// Registers a peer worker: volunteers start as APPLICANT, paid peers as ACTIVE with their
    /// employment.
    async fn register_peer_worker(
        &self,
        ctx: &Context<'_>,
        input: RegisterPeerWorkerInput,
    ) -> async_graphql::Result<PeerWorker> {
        let (svc, rc) = request(ctx)?;
        let employment = match input.employment {
            Some(e) => Some(
                Employment::new(
                    OrganisationId::from_uuid(
                        parse_id("employment.organisationId", &e.organisation_id).gql()?,
                    ),
                    e.weekly_hours,
                    e.start,
                    e.end,
                )
                .gql()?,
            ),
            None => None,
        };
        let new = NewPeer {
            kind: input.kind.into(),
            name: Personal::parse("name", &input.name, 200).gql()?,
            contact: input
                .contact
                .as_deref()
                .map(|c| Personal::parse("contact", c, 500))
                .transpose()
                .gql()?,
            user_id: input
                .user_id
                .as_ref()
                .map(|u| parse_id("userId", u).map(UserId::from_uuid))
                .transpose()
                .gql()?,
            organisation_id: OrganisationId::from_uuid(
                parse_id("organisationId", &input.organisation_id).gql()?,
            ),
            languages: parse_languages(&input.languages).gql()?,
            offer_types: input.offer_types.into_iter().map(Into::into).collect(),
            max_matches: u8::try_from(input.max_matches)
                .map_err(|_| DomainError::validation("maxMatches", "must be between 1 and 10"))
                .gql()?,
            employment,
        };
        svc.register(rc, new, peerbro_domain::privacy::Purpose::Coordination)
            .await
            .gql()
            .map(Into::into)
    }

    /// Moves a peer in the pipeline; an illegal move is a CONFLICT.
    async fn change_peer_status(
        &self,
        ctx: &Context<'_>,
        input: ChangePeerStatusInput,
    ) -> async_graphql::Result<PeerWorker> {
        let (svc, rc) = request(ctx)?;
        svc.change_status(
            rc,
            peer_id("peerId", &input.peer_id)?,
            input.action.into(),
            input.reason,
        )
        .await
        .gql()
        .map(Into::into)
    }

    /// Records a screening interview held by the caller.
    async fn record_screening(
        &self,
        ctx: &Context<'_>,
        input: RecordScreeningInput,
    ) -> async_graphql::Result<PeerWorker> {
        let (svc, rc) = request(ctx)?;
        svc.record_screening(
            rc,
            peer_id("peerId", &input.peer_id)?,
            input.held_on,
            input.outcome.into(),
        )
        .await
        .gql()
        .map(Into::into)
    }

    /// Records a certificate check (date and result only).
    async fn record_certificate(
        &self,
        ctx: &Context<'_>,
        input: RecordCertificateInput,
    ) -> async_graphql::Result<PeerWorker> {
        let (svc, rc) = request(ctx)?;
        let certificate = Certificate {
            kind: input.kind.into(),
            checked_on: input.checked_on,
            result: input.result.into(),
        };
        svc.record_certificate(rc, peer_id("peerId", &input.peer_id)?, certificate)
            .await
            .gql()
            .map(Into::into)
    }

    /// Records a completed training course.
    async fn record_training(
        &self,
        ctx: &Context<'_>,
        input: RecordTrainingInput,
    ) -> async_graphql::Result<PeerWorker> {
        let (svc, rc) = request(ctx)?;
        svc.record_training(
            rc,
            peer_id("peerId", &input.peer_id)?,
            &input.course,
            input.completed_on,
        )
        .await
        .gql()
        .map(Into::into)
    }

    /// Records a supervision session held by the caller.
    async fn record_supervision(
        &self,
        ctx: &Context<'_>,
        input: RecordSupervisionInput,
    ) -> async_graphql::Result<SupervisionSessionGql> {
        let (svc, rc) = request(ctx)?;
        let attendees = input
            .attendee_ids
            .iter()
            .map(|id| peer_id("attendeeIds", id))
            .collect::<async_graphql::Result<Vec<_>>>()?;
        svc.record_supervision(rc, input.held_on, input.format.into(), attendees)
            .await
            .gql()
            .map(Into::into)
    }

    /// Places a paid peer in a hospital-psychiatry unit; overlapping placements beyond the
    /// contracted weekly hours are a CONFLICT.
    async fn create_placement(
        &self,
        ctx: &Context<'_>,
        input: CreatePlacementInput,
    ) -> async_graphql::Result<Placement> {
        let (svc, rc) = request(ctx)?;
        let new = NewPlacement {
            peer_id: peer_id("peerId", &input.peer_id)?,
            unit_id: OrganisationId::from_uuid(parse_id("unitId", &input.unit_id).gql()?),
            ward: input.ward,
            start: input.start,
            end: input.end,
            weekly_hours_tenths: hours_tenths("weeklyHours", input.weekly_hours, 48.0).gql()?,
            ward_contact: input.ward_contact,
            supervision_arrangement: input.supervision_arrangement,
        };
        svc.create_placement(rc, new).await.gql().map(Into::into)
    }

    /// Sets the tenant's supervision limit in days (7–365; tenant admins).
    async fn set_supervision_limit(
        &self,
        ctx: &Context<'_>,
        days: i32,
    ) -> async_graphql::Result<i32> {
        let (svc, rc) = request(ctx)?;
        let days = u32::try_from(days)
            .map_err(|_| DomainError::validation("days", "must be between 7 and 365"))
            .gql()?;
        svc.set_supervision_limit(rc, days)
            .await
            .gql()
            .map(|d| i32::try_from(d).unwrap_or(i32::MAX))
    }
}
