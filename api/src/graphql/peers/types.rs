//! Output types, enums and loaders of this context's GraphQL API.

use crate::graphql::time::{Date, Instant};
use std::collections::HashMap;

use async_graphql::connection::Connection;
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use peerbro_domain::RequestContext;
use peerbro_domain::ids::{OrganisationId, PeerId, UserId};
use peerbro_domain::people::{self as domain, PeerService};

use crate::graphql::errors::{GqlResultExt as _, LoadError};
use crate::graphql::ids::parse;
use crate::graphql::loaders::OrganisationLoader;
use crate::graphql::tenancy::{Organisation, connection, page_request};
pub(crate) use crate::wire::OfferKind;

pub(crate) fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(&'a PeerService, &'a RequestContext)> {
    crate::graphql::errors::request_data(ctx)
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

use crate::graphql::ids::gid;

pub(crate) fn hours(tenths: u32) -> f64 {
    f64::from(tenths) / 10.0
}

/// A screening interview.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Screening {
    /// When.
    pub(crate) held_on: Date,
    /// The interviewer's id (see `interviewer`).
    pub(crate) interviewer_id: ID,
    /// The outcome.
    pub(crate) outcome: ScreeningOutcome,
    #[graphql(skip)]
    pub(crate) interviewer: UserId,
}

/// A certificate check (date and result; the document is never stored).
#[derive(SimpleObject)]
pub struct CertificateCheck {
    /// Which certificate.
    pub(crate) kind: CertificateKind,
    /// When it was checked.
    pub(crate) checked_on: Date,
    /// The result.
    pub(crate) result: CertificateResult,
}

/// A completed training course.
#[derive(SimpleObject)]
pub struct TrainingCourse {
    /// The course.
    pub(crate) course: String,
    /// Completed on.
    pub(crate) completed_on: Date,
}

/// A move in the pipeline.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct StatusTransition {
    /// From.
    pub(crate) from: PeerStatus,
    /// To.
    pub(crate) to: PeerStatus,
    /// When.
    pub(crate) at: Instant,
    /// Who (see `actor`).
    pub(crate) actor_id: Option<ID>,
    /// Why.
    pub(crate) reason: Option<String>,
    #[graphql(skip)]
    pub(crate) actor: Option<UserId>,
}

/// A paid peer's employment.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct EmploymentRecord {
    /// The employer's id (see `organisation`).
    pub(crate) organisation_id: ID,
    /// Contracted hours per week.
    pub(crate) weekly_hours: f64,
    /// The first day.
    pub(crate) starts_on: Date,
    /// The last day (open-ended when null).
    pub(crate) ends_on: Option<Date>,
    /// From.
    #[graphql(deprecation = "use startsOn")]
    pub(crate) start: Date,
    /// Until.
    #[graphql(deprecation = "use endsOn")]
    pub(crate) end: Option<Date>,
    #[graphql(skip)]
    pub(crate) employer: OrganisationId,
}

/// A peer worker. `name` and `contact` are personal data (audited).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PeerWorker {
    /// Id.
    pub(crate) id: ID,
    /// Their login's id, if any (see `user`).
    pub(crate) user_id: Option<ID>,
    /// Paid or voluntary.
    pub(crate) kind: PeerKind,
    /// Pipeline status.
    pub(crate) status: PeerStatus,
    /// Name.
    pub(crate) name: Option<String>,
    /// Contact details.
    pub(crate) contact: Option<String>,
    /// Languages.
    pub(crate) languages: Vec<String>,
    /// The kinds of offer they can run.
    pub(crate) offer_kinds: Vec<OfferKind>,
    /// Offer types they can run.
    #[graphql(deprecation = "use offerKinds")]
    pub(crate) offer_types: Vec<OfferKind>,
    /// Most concurrent one-to-one matches.
    pub(crate) max_matches: i32,
    /// Registered.
    pub(crate) created_at: Instant,
    /// Screening interviews.
    pub(crate) screenings: Vec<Screening>,
    /// Certificate checks.
    pub(crate) certificates: Vec<CertificateCheck>,
    /// Required certificates missing or not clear.
    pub(crate) missing_certificates: Vec<CertificateKind>,
    /// Training courses completed.
    pub(crate) trainings: Vec<TrainingCourse>,
    /// Pipeline moves.
    pub(crate) transitions: Vec<StatusTransition>,
    /// Employment (paid peers).
    pub(crate) employment: Option<EmploymentRecord>,
    #[graphql(skip)]
    pub(crate) peer_id: PeerId,
    #[graphql(skip)]
    pub(crate) organisation_id: OrganisationId,
    #[graphql(skip)]
    pub(crate) user: Option<UserId>,
}

impl From<domain::PeerWorker> for PeerWorker {
    fn from(p: domain::PeerWorker) -> Self {
        let missing = p
            .missing_certificates()
            .into_iter()
            .map(Into::into)
            .collect();
        Self {
            id: gid(p.id),
            user_id: p.user_id.map(gid),
            kind: p.kind.into(),
            status: p.status.into(),
            name: p.name.map(|n| n.expose().to_owned()),
            contact: p.contact.map(|c| c.expose().to_owned()),
            languages: p.languages,
            offer_kinds: p.offer_types.iter().copied().map(Into::into).collect(),
            offer_types: p.offer_types.into_iter().map(Into::into).collect(),
            max_matches: i32::from(p.max_matches),
            created_at: p.created_at.into(),
            screenings: p
                .screenings
                .into_iter()
                .map(|s| Screening {
                    held_on: s.held_on.into(),
                    interviewer_id: gid(s.interviewer),
                    outcome: s.outcome.into(),
                    interviewer: s.interviewer,
                })
                .collect(),
            certificates: p
                .certificates
                .into_iter()
                .map(|c| CertificateCheck {
                    kind: c.kind.into(),
                    checked_on: c.checked_on.into(),
                    result: c.result.into(),
                })
                .collect(),
            missing_certificates: missing,
            trainings: p
                .trainings
                .into_iter()
                .map(|t| TrainingCourse {
                    course: t.course,
                    completed_on: t.completed_on.into(),
                })
                .collect(),
            transitions: p
                .transitions
                .into_iter()
                .map(|t| StatusTransition {
                    from: t.from.into(),
                    to: t.to.into(),
                    at: t.at.into(),
                    actor_id: t.actor.map(gid),
                    reason: t.reason,
                    actor: t.actor,
                })
                .collect(),
            employment: p.employment.map(|e| EmploymentRecord {
                organisation_id: gid(e.organisation_id),
                weekly_hours: hours(e.weekly_hours_tenths),
                starts_on: e.start.into(),
                ends_on: e.end.map(Into::into),
                start: e.start.into(),
                end: e.end.map(Into::into),
                employer: e.organisation_id,
            }),
            peer_id: p.id,
            organisation_id: p.organisation_id,
            user: p.user_id,
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

    /// Their login (null: none), for coordinators and tenant admins (batched).
    async fn user(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::graphql::tenancy::User>> {
        crate::graphql::tenancy::user(ctx, self.user).await
    }

    /// The date of their last supervision (batched).
    async fn last_supervised_on(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Date>> {
        let loader = ctx.data::<DataLoader<LastSupervisionLoader>>()?;
        Ok(loader.load_one(self.peer_id).await?.map(Date))
    }

    /// Their supervision sessions, oldest first.
    async fn supervision_sessions(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<
        Connection<String, SupervisionSessionGql, crate::graphql::tenancy::ListTotal>,
    > {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
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
    pub(crate) peers: PeerService,
    pub(crate) ctx: RequestContext,
}

impl Loader<PeerId> for LastSupervisionLoader {
    type Value = chrono::NaiveDate;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PeerId],
    ) -> Result<HashMap<PeerId, chrono::NaiveDate>, Self::Error> {
        Ok(self.peers.last_supervised(&self.ctx, keys).await?)
    }
}

/// The per-request supervision loader.
#[must_use]
pub fn supervision_loader(
    peers: PeerService,
    ctx: RequestContext,
) -> DataLoader<LastSupervisionLoader> {
    DataLoader::new(
        LastSupervisionLoader { peers, ctx },
        peerbro_persistence::ReadScope::spawner(),
    )
}

/// A supervision session.
#[derive(SimpleObject)]
#[graphql(name = "SupervisionSession", complex)]
pub struct SupervisionSessionGql {
    /// Id.
    pub(crate) id: ID,
    /// When.
    pub(crate) held_on: Date,
    /// The supervisor's id (see `supervisor`).
    pub(crate) supervisor_id: ID,
    /// Group or individual.
    pub(crate) format: SupervisionFormat,
    /// The ids of the peers who attended (see `attendees`).
    pub(crate) attendee_ids: Vec<ID>,
    #[graphql(skip)]
    pub(crate) supervisor: UserId,
    #[graphql(skip)]
    pub(crate) attendees: Vec<PeerId>,
}

impl From<domain::SupervisionSession> for SupervisionSessionGql {
    fn from(s: domain::SupervisionSession) -> Self {
        Self {
            id: gid(s.id),
            held_on: s.held_on.into(),
            supervisor_id: gid(s.supervisor),
            format: s.format.into(),
            attendee_ids: s.attendees.iter().copied().map(gid).collect(),
            supervisor: s.supervisor,
            attendees: s.attendees,
        }
    }
}

pub(crate) fn peer_id(field: &str, id: &ID) -> async_graphql::Result<PeerId> {
    parse::<PeerId>(field, id).gql()
}
