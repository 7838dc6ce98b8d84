//! Citizens, consents and the audit log in GraphQL. Every field that returns a citizen's
//! personal data is reached through a use case whose adapter writes the audit entry, and every
//! query that reads it takes the `purpose` of the access.

use std::collections::HashMap;

use async_graphql::connection::Connection;
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use peerbro_domain::ids::CitizenId;
use peerbro_domain::people::{
    self as domain, BirthYear, CitizenFilter, CitizenPatch, NewCitizen, PeopleService,
    parse_municipality,
};
use peerbro_domain::privacy::{self as privacy, AuditFilter, ChainReport, Personal};
use peerbro_domain::{DomainError, RequestContext};

use super::errors::{GqlResultExt as _, LoadError};
use super::scalars::parse_id;
use super::tenancy::{connection, page_request};

fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(&'a PeopleService, &'a RequestContext)> {
    super::errors::request_data(ctx)
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
    /// How a consent was obtained.
    ConsentEvidence => domain::ConsentEvidence {
        /// Given verbally to the referrer.
        VerbalToReferrer,
        /// Written and signed.
        Written,
        /// Given digitally by the citizen.
        Digital,
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
pub struct ConsentRecord {
    /// For what.
    purpose: ConsentPurpose,
    /// Given (true) or withdrawn (false).
    given: bool,
    /// When.
    at: DateTime<Utc>,
    /// Who recorded it.
    recorded_by: Option<ID>,
    /// How it was obtained.
    evidence: ConsentEvidence,
}

impl From<domain::ConsentRecord> for ConsentRecord {
    fn from(r: domain::ConsentRecord) -> Self {
        Self {
            purpose: r.purpose.into(),
            given: r.given,
            at: r.at,
            recorded_by: r.recorded_by.map(|u| ID(u.to_string())),
            evidence: r.evidence.into(),
        }
    }
}

/// A citizen. `name` and `contact` are personal data: reading them is audited, and they are
/// null once the citizen has been erased.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Citizen {
    /// Id.
    id: ID,
    /// Pseudonym, to use wherever the name is not needed.
    pseudonym: String,
    /// Name; null after erasure.
    name: Option<String>,
    /// Contact details; null if not given or after erasure.
    contact: Option<String>,
    /// Birth year.
    birth_year: Option<i32>,
    /// Municipality.
    municipality: String,
    /// How they were registered.
    origin: CitizenOrigin,
    /// Registered.
    created_at: DateTime<Utc>,
    /// When their data was erased.
    erased_at: Option<DateTime<Utc>>,
    #[graphql(skip)]
    citizen_id: CitizenId,
}

impl From<domain::Citizen> for Citizen {
    fn from(c: domain::Citizen) -> Self {
        Self {
            id: ID(c.id.to_string()),
            pseudonym: c.pseudonym.as_str().to_owned(),
            name: c.name.map(|n| n.expose().to_owned()),
            contact: c.contact.map(|n| n.expose().to_owned()),
            birth_year: c.birth_year.map(BirthYear::value),
            municipality: c.municipality,
            origin: c.origin.into(),
            created_at: c.created_at,
            erased_at: c.erased_at,
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
    people: PeopleService,
    ctx: RequestContext,
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
pub struct AuditEntry {
    /// Id.
    id: ID,
    /// Position in the tenant's chain.
    seq: i64,
    /// When.
    at: DateTime<Utc>,
    /// The acting user; null for the system.
    actor_id: Option<ID>,
    /// The actor's roles at the time (`SYSTEM` for the system).
    actor_roles: Vec<String>,
    /// What.
    action: AuditAction,
    /// About what kind of subject.
    subject_kind: SubjectKind,
    /// About whom.
    subject_id: ID,
    /// Why.
    purpose: AccessPurpose,
    /// The entry's chain hash.
    hash: String,
}

impl From<privacy::AuditEntry> for AuditEntry {
    fn from(e: privacy::AuditEntry) -> Self {
        Self {
            id: ID(e.id.to_string()),
            seq: e.seq,
            at: e.at,
            actor_id: e.actor_id.map(|a| ID(a.to_string())),
            actor_roles: e.actor_roles.split(',').map(str::to_owned).collect(),
            action: e.action.into(),
            subject_kind: e.subject_kind.into(),
            subject_id: ID(e.subject_id.to_string()),
            purpose: e.purpose.into(),
            hash: e.hash,
        }
    }
}

/// The result of recomputing the tenant's audit chain.
#[derive(SimpleObject)]
pub struct AuditChainReport {
    /// Every entry is in place and unchanged.
    intact: bool,
    /// Entries checked (when intact).
    entries: Option<i64>,
    /// The first entry missing or altered (when broken).
    broken_at: Option<i64>,
    /// What is wrong with it.
    reason: Option<String>,
}

fn citizen_id(field: &str, id: &ID) -> async_graphql::Result<CitizenId> {
    Ok(CitizenId::from_uuid(parse_id(field, id).gql()?))
}

/// People queries.
#[derive(Default)]
pub struct PeopleQuery;

#[Object]
impl PeopleQuery {
    /// The tenant's citizens (coordinators and tenant admins), optionally only those with
    /// exactly `name` (case and spacing ignored). Every citizen returned is audited as read.
    #[allow(clippy::too_many_arguments)]
    async fn citizens(
        &self,
        ctx: &Context<'_>,
        purpose: AccessPurpose,
        name: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, Citizen>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(first, after, last, before).gql()?;
        let filter = CitizenFilter {
            name: name
                .as_deref()
                .map(|n| Personal::parse("name", n, 200))
                .transpose()
                .gql()?,
        };
        let result = svc
            .citizens(rc, &filter, &page, purpose.into())
            .await
            .gql()?;
        Ok(connection(result, |c| c.id.as_uuid(), Citizen::from))
    }

    /// One citizen; coordinators and tenant admins state a purpose, a citizen reads their own.
    async fn citizen(
        &self,
        ctx: &Context<'_>,
        id: ID,
        purpose: AccessPurpose,
    ) -> async_graphql::Result<Citizen> {
        let (svc, rc) = request(ctx)?;
        svc.citizen(rc, citizen_id("id", &id)?, purpose.into())
            .await
            .gql()
            .map(Into::into)
    }

    /// The caller's own citizen record (users with the citizen role), or null.
    async fn my_citizen(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Citizen>> {
        let (svc, rc) = request(ctx)?;
        Ok(svc.my_citizen(rc).await.gql()?.map(Into::into))
    }

    /// The audit log (tenant admins), in chain order, filtered by subject, actor and time.
    #[allow(clippy::too_many_arguments)]
    async fn audit_entries(
        &self,
        ctx: &Context<'_>,
        subject_id: Option<ID>,
        actor_id: Option<ID>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, AuditEntry>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(first, after, last, before).gql()?;
        let filter = AuditFilter {
            subject_id: subject_id
                .as_ref()
                .map(|id| parse_id("subjectId", id))
                .transpose()
                .gql()?,
            actor_id: actor_id
                .as_ref()
                .map(|id| parse_id("actorId", id))
                .transpose()
                .gql()?,
            from,
            to,
        };
        let result = svc.audit_entries(rc, filter, &page).await.gql()?;
        Ok(connection(result, |e| e.id, AuditEntry::from))
    }

    /// Who looked at a citizen's data, when and why: for a tenant admin answering the
    /// citizen, or for the citizen themself.
    async fn citizen_access_log(
        &self,
        ctx: &Context<'_>,
        citizen_id: ID,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, AuditEntry>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(first, after, last, before).gql()?;
        let id = self::citizen_id("citizenId", &citizen_id)?;
        let result = svc.access_log(rc, id, &page).await.gql()?;
        Ok(connection(result, |e| e.id, AuditEntry::from))
    }

    /// Recomputes the tenant's audit chain (tenant admins).
    async fn audit_chain(&self, ctx: &Context<'_>) -> async_graphql::Result<AuditChainReport> {
        let (svc, rc) = request(ctx)?;
        Ok(match svc.verify_audit(rc).await.gql()? {
            ChainReport::Intact { entries } => AuditChainReport {
                intact: true,
                entries: Some(entries),
                broken_at: None,
                reason: None,
            },
            ChainReport::Broken { seq, reason } => AuditChainReport {
                intact: false,
                entries: None,
                broken_at: Some(seq),
                reason: Some(reason),
            },
        })
    }
}

/// A consent obtained at registration.
#[derive(InputObject)]
pub struct ConsentInput {
    /// For what.
    purpose: ConsentPurpose,
    /// How it was obtained.
    evidence: ConsentEvidence,
}

/// A citizen to register.
#[derive(InputObject)]
pub struct RegisterCitizenInput {
    /// Name (1–200 characters).
    name: String,
    /// Contact details as the citizen gave them (up to 500 characters).
    contact: Option<String>,
    /// Birth year.
    birth_year: Option<i32>,
    /// Municipality they live in.
    municipality: String,
    /// Consents already obtained.
    #[graphql(default)]
    consents: Vec<ConsentInput>,
    /// Why they are registered.
    #[graphql(default_with = "AccessPurpose::Coordination")]
    purpose: AccessPurpose,
}

/// A citizen registering themself.
#[derive(InputObject)]
pub struct RegisterSelfInput {
    /// Name.
    name: String,
    /// Contact details.
    contact: Option<String>,
    /// Birth year.
    birth_year: Option<i32>,
    /// Municipality.
    municipality: String,
}

/// A correction of a citizen's details; give at least one field.
#[derive(InputObject)]
pub struct UpdateCitizenInput {
    /// The citizen.
    id: ID,
    /// New name.
    name: Option<String>,
    /// New contact details.
    contact: Option<String>,
    /// New birth year.
    birth_year: Option<i32>,
    /// Why.
    #[graphql(default_with = "AccessPurpose::Coordination")]
    purpose: AccessPurpose,
}

/// A consent given or withdrawn.
#[derive(InputObject)]
pub struct RecordConsentInput {
    /// The citizen.
    citizen_id: ID,
    /// For what.
    purpose: ConsentPurpose,
    /// Given (true) or withdrawn (false).
    given: bool,
    /// How it was obtained.
    evidence: ConsentEvidence,
}

fn details(
    name: &str,
    contact: Option<&str>,
    birth_year: Option<i32>,
    municipality: &str,
) -> Result<NewCitizen, DomainError> {
    Ok(NewCitizen {
        name: Personal::parse("name", name, 200)?,
        contact: contact
            .map(|c| Personal::parse("contact", c, 500))
            .transpose()?,
        birth_year: birth_year.map(BirthYear::parse).transpose()?,
        municipality: parse_municipality(municipality)?,
    })
}

/// People mutations.
#[derive(Default)]
pub struct PeopleMutation;

#[Object]
impl PeopleMutation {
    /// Registers a citizen (coordinators and tenant admins).
    async fn register_citizen(
        &self,
        ctx: &Context<'_>,
        input: RegisterCitizenInput,
    ) -> async_graphql::Result<Citizen> {
        let (svc, rc) = request(ctx)?;
        let new = details(
            &input.name,
            input.contact.as_deref(),
            input.birth_year,
            &input.municipality,
        )
        .gql()?;
        let consents = input
            .consents
            .into_iter()
            .map(|c| (c.purpose.into(), c.evidence.into()))
            .collect();
        svc.register_citizen(rc, new, consents, input.purpose.into())
            .await
            .gql()
            .map(Into::into)
    }

    /// A user with the citizen role registers themself.
    async fn register_self(
        &self,
        ctx: &Context<'_>,
        input: RegisterSelfInput,
    ) -> async_graphql::Result<Citizen> {
        let (svc, rc) = request(ctx)?;
        let new = details(
            &input.name,
            input.contact.as_deref(),
            input.birth_year,
            &input.municipality,
        )
        .gql()?;
        svc.register_self(rc, new).await.gql().map(Into::into)
    }

    /// Corrects a citizen's details (coordinators, tenant admins, or the citizen themself).
    async fn update_citizen(
        &self,
        ctx: &Context<'_>,
        input: UpdateCitizenInput,
    ) -> async_graphql::Result<Citizen> {
        let (svc, rc) = request(ctx)?;
        let id = citizen_id("id", &input.id)?;
        let patch = CitizenPatch {
            name: input
                .name
                .as_deref()
                .map(|n| Personal::parse("name", n, 200))
                .transpose()
                .gql()?,
            contact: input
                .contact
                .as_deref()
                .map(|c| Personal::parse("contact", c, 500))
                .transpose()
                .gql()?,
            birth_year: input.birth_year.map(BirthYear::parse).transpose().gql()?,
        };
        svc.update_citizen(rc, id, patch, input.purpose.into())
            .await
            .gql()
            .map(Into::into)
    }

    /// Records a consent given or withdrawn; returns the full history. Withdrawal takes
    /// effect at once.
    async fn record_consent(
        &self,
        ctx: &Context<'_>,
        input: RecordConsentInput,
    ) -> async_graphql::Result<Vec<ConsentRecord>> {
        let (svc, rc) = request(ctx)?;
        let id = citizen_id("citizenId", &input.citizen_id)?;
        let history = svc
            .record_consent(
                rc,
                id,
                input.purpose.into(),
                input.given,
                input.evidence.into(),
            )
            .await
            .gql()?;
        Ok(history.into_iter().map(Into::into).collect())
    }

    /// Erases a citizen by destroying their key: their name and contact details become
    /// unreadable everywhere, backups included (tenant admins).
    async fn erase_citizen(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Citizen> {
        let (svc, rc) = request(ctx)?;
        svc.erase_citizen(rc, citizen_id("id", &id)?)
            .await
            .gql()
            .map(Into::into)
    }
}

/// The per-request consent loader.
#[must_use]
pub fn consent_loader(people: PeopleService, ctx: RequestContext) -> DataLoader<ConsentLoader> {
    DataLoader::new(ConsentLoader::new(people, ctx), tokio::spawn)
}
