//! Output types, enums and loaders of this context's GraphQL API.

use crate::graphql::time::Instant;
use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use peerbro_domain::ids::CitizenId;
use peerbro_domain::people::{self as domain, BirthYear, CitizenInput, NewCitizen, PeopleService};
use peerbro_domain::privacy;
use peerbro_domain::{DomainError, RequestContext};

use crate::graphql::errors::{GqlResultExt as _, LoadError};
use crate::graphql::ids::parse;
pub(crate) use crate::wire::ConsentEvidence;

pub(crate) fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(&'a PeopleService, &'a RequestContext)> {
    crate::graphql::errors::request_data(ctx)
}

wire_enum!(
    /// Why personal data is accessed; recorded in the audit log.
    AccessPurpose => privacy::Purpose {
        /// Triage, matching and follow-up by a coordinator.
        Coordination,
        /// Handling a referral.
        ReferralHandling,
        /// Giving peer support.
        PeerSupport,
        /// Supervision of peer workers.
        Supervision,
        /// Administration of the partnership.
        Administration,
        /// At the citizen's own request.
        CitizenRequest,
        /// Reviewing the audit log.
        AuditReview,
        /// Following a citizen's recovery outcomes.
        OutcomeEvaluation,
        /// A research study's pseudonymised export.
        Research,
    }
);

wire_enum!(
    /// What a consent is for.
    ConsentPurpose => domain::ConsentPurpose {
        /// Processing a referral about the citizen.
        ReferralProcessing,
        /// Being contacted.
        Contact,
        /// Sharing the coded outcome with the referrer.
        ShareOutcomeWithReferrer,
        /// Outcome measurement.
        OutcomeMeasurement,
        /// Taking part in research.
        ResearchParticipation,
    }
);

wire_enum!(
    /// How a citizen came to be registered.
    CitizenOrigin => domain::CitizenOrigin {
        /// Through a referral.
        Referral,
        /// Registered by a coordinator.
        Coordinator,
        /// Registered themself.
        SelfRegistration,
    }
);

wire_enum!(
    /// What was done to personal data.
    AuditAction => privacy::AuditAction {
        /// Read.
        Read,
        /// Created.
        Create,
        /// Changed.
        Update,
        /// A consent given or withdrawn.
        Consent,
        /// Erased (key destroyed).
        Erase,
        /// The whole record exported (right of access, portability).
        Export,
    }
);

wire_enum!(
    /// What an audit entry is about.
    SubjectKind => privacy::SubjectKind {
        /// A citizen.
        Citizen,
        /// A peer worker.
        PeerWorker,
    }
);

/// A consent given or withdrawn.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct ConsentRecord {
    /// For what.
    pub(crate) purpose: ConsentPurpose,
    /// Given (true) or withdrawn (false).
    pub(crate) given: bool,
    /// When.
    pub(crate) at: Instant,
    /// The id of the user who recorded it (null when no user did; see `recorder`).
    pub(crate) recorded_by: Option<ID>,
    /// How it was obtained.
    pub(crate) evidence: ConsentEvidence,
    /// The version of the purpose's consent text in force when it was recorded
    /// (`consentTexts`); null before versions were kept, or while none was published.
    pub(crate) text_version: Option<u32>,
    #[graphql(skip)]
    pub(crate) recorder_key: Option<peerbro_domain::ids::UserId>,
}

#[ComplexObject]
impl ConsentRecord {
    /// The user who recorded it (null when no user did), for coordinators and tenant admins
    /// (batched).
    async fn recorder(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::graphql::tenancy::User>> {
        crate::graphql::tenancy::user(ctx, self.recorder_key).await
    }
}

impl From<domain::ConsentRecord> for ConsentRecord {
    fn from(r: domain::ConsentRecord) -> Self {
        Self {
            purpose: r.purpose.into(),
            given: r.given,
            at: r.at.into(),
            recorded_by: r.recorded_by.map(crate::graphql::ids::gid),
            evidence: r.evidence.into(),
            text_version: r.text_version,
            recorder_key: r.recorded_by,
        }
    }
}

/// A citizen. `name` and `contact` are personal data: reading them is audited, and they are
/// null once the citizen has been erased.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Citizen {
    /// Id.
    pub(crate) id: ID,
    /// Pseudonym, to use wherever the name is not needed.
    pub(crate) pseudonym: String,
    /// Name; null after erasure.
    pub(crate) name: Option<String>,
    /// Contact details; null if not given or after erasure.
    pub(crate) contact: Option<String>,
    /// Birth year.
    pub(crate) birth_year: Option<i32>,
    /// Municipality.
    pub(crate) municipality: String,
    /// How they were registered.
    pub(crate) origin: CitizenOrigin,
    /// Registered.
    pub(crate) created_at: Instant,
    /// When their data was erased.
    pub(crate) erased_at: Option<Instant>,
    #[graphql(skip)]
    pub(crate) citizen_id: CitizenId,
}

impl From<domain::Citizen> for Citizen {
    fn from(c: domain::Citizen) -> Self {
        Self {
            id: crate::graphql::ids::gid(c.id),
            pseudonym: c.pseudonym.as_str().to_owned(),
            name: c.name.map(|n| n.expose().to_owned()),
            contact: c.contact.map(|n| n.expose().to_owned()),
            birth_year: c.birth_year.map(BirthYear::value),
            municipality: c.municipality,
            origin: c.origin.into(),
            created_at: c.created_at.into(),
            erased_at: c.erased_at.map(Into::into),
            citizen_id: c.id,
        }
    }
}

#[ComplexObject]
impl Citizen {
    /// The current state of each consent purpose ever recorded.
    async fn consents(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ConsentRecord>> {
        let history = self.history(ctx).await?;
        Ok(domain::current_consents(&history)
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Every consent record, oldest first.
    async fn consent_history(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ConsentRecord>> {
        Ok(self
            .history(ctx)
            .await?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

impl Citizen {
    async fn history(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<domain::ConsentRecord>> {
        let loader = ctx.data::<DataLoader<ConsentLoader>>()?;
        Ok(loader.load_one(self.citizen_id).await?.unwrap_or_default())
    }
}

/// Loads consent histories in one query per batch.
pub struct ConsentLoader {
    pub(crate) people: PeopleService,
    pub(crate) ctx: RequestContext,
}

impl ConsentLoader {
    /// A loader acting as `ctx`.
    pub const fn new(people: PeopleService, ctx: RequestContext) -> Self {
        Self { people, ctx }
    }
}

impl Loader<CitizenId> for ConsentLoader {
    type Value = Vec<domain::ConsentRecord>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CitizenId],
    ) -> Result<HashMap<CitizenId, Self::Value>, Self::Error> {
        Ok(self.people.consent_histories(&self.ctx, keys).await?)
    }
}

/// An audit log entry: who accessed whose personal data, when, how and why.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AuditEntry {
    /// Id.
    pub(crate) id: ID,
    /// Position in the tenant's chain.
    pub(crate) seq: i64,
    /// When.
    pub(crate) at: Instant,
    /// The acting user; null for the system.
    #[graphql(deprecation = "use actor")]
    pub(crate) actor_id: Option<ID>,
    /// The actor's roles at the time (`SYSTEM` for the system).
    pub(crate) actor_roles: Vec<String>,
    /// What.
    pub(crate) action: AuditAction,
    /// About what kind of subject.
    pub(crate) subject_kind: SubjectKind,
    /// About whom.
    pub(crate) subject_id: ID,
    /// Why.
    pub(crate) purpose: AccessPurpose,
    /// The entry's chain hash.
    pub(crate) hash: String,
    #[graphql(skip)]
    pub(crate) actor: Option<peerbro_domain::ids::UserId>,
}

#[ComplexObject]
impl AuditEntry {
    /// The acting user (null for the system); batched across a page.
    async fn actor(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::graphql::tenancy::User>> {
        crate::graphql::tenancy::user(ctx, self.actor).await
    }
}

impl From<privacy::AuditEntry> for AuditEntry {
    fn from(e: privacy::AuditEntry) -> Self {
        Self {
            id: crate::graphql::ids::gid_as("AuditEntry", e.id),
            seq: e.seq,
            at: e.at.into(),
            actor_id: e
                .actor_id
                .map(|a| crate::graphql::ids::gid(peerbro_domain::ids::UserId::from_uuid(a))),
            actor_roles: e.actor_roles.split(',').map(str::to_owned).collect(),
            action: e.action.into(),
            subject_kind: e.subject_kind.into(),
            subject_id: crate::graphql::ids::gid_as(
                match e.subject_kind {
                    privacy::SubjectKind::Citizen => "Citizen",
                    privacy::SubjectKind::PeerWorker => "PeerWorker",
                },
                e.subject_id,
            ),
            purpose: e.purpose.into(),
            hash: e.hash,
            actor: e.actor_id.map(peerbro_domain::ids::UserId::from_uuid),
        }
    }
}

/// The result of recomputing the tenant's audit chain.
#[derive(SimpleObject)]
pub struct AuditChainReport {
    /// Every entry is in place and unchanged.
    pub(crate) intact: bool,
    /// The newest entry's number, the chain's length (when intact). Entries up to a retention
    /// checkpoint were removed (ADR 0045); the rest were checked from it.
    pub(crate) entries: Option<i64>,
    /// The first entry missing or altered (when broken).
    pub(crate) broken_at: Option<i64>,
    /// What is wrong with it.
    pub(crate) reason: Option<String>,
}

pub(crate) fn citizen_id(field: &str, id: &ID) -> async_graphql::Result<CitizenId> {
    parse::<CitizenId>(field, id).gql()
}

pub(crate) fn details(
    name: &str,
    contact: Option<&str>,
    birth_year: Option<i32>,
    municipality: &str,
) -> Result<NewCitizen, DomainError> {
    NewCitizen::parse(
        None,
        CitizenInput {
            name,
            contact,
            birth_year,
            municipality,
        },
    )
}

/// The per-request consent loader.
#[must_use]
pub fn consent_loader(people: PeopleService, ctx: RequestContext) -> DataLoader<ConsentLoader> {
    DataLoader::new(
        ConsentLoader::new(people, ctx),
        peerbro_persistence::ReadScope::spawner(),
    )
}
