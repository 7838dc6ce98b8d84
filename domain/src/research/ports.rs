//! Ports of the research context: a tenant's studies, their researchers and consents.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::context::RequestContext;
use crate::error::DomainResult;
use crate::ids::{CitizenId, StudyId, UserId};
use crate::page::{Page, PageRequest};
use crate::research::study::{StudyConsent, StudyDraft};

/// A registered study.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Study {
    /// Id.
    pub id: StudyId,
    /// The registration.
    pub study: StudyDraft,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

/// What a study's export may know of a participant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Participant {
    /// The citizen (never exported).
    pub citizen_id: CitizenId,
    /// Their study pseudonym.
    pub pseudonym: String,
    /// Birth year, when known.
    pub birth_year: Option<i32>,
    /// Municipality.
    pub municipality: String,
}

/// Which studies a list holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StudyScope {
    /// Every study of the tenant.
    All,
    /// Those a researcher is scoped to.
    Researcher(UserId),
    /// Those a citizen may see: collecting data on `today`, or with a consent record of theirs.
    Citizen {
        /// The citizen.
        citizen: CitizenId,
        /// The day.
        today: NaiveDate,
    },
}

/// A tenant's studies.
#[async_trait]
pub trait StudyRepository: Send + Sync {
    /// Stores a study and makes its pseudonym key.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn create(&self, ctx: &RequestContext, study: &Study) -> DomainResult<()>;

    /// One study.
    ///
    /// # Errors
    /// `NotFound` (`study`).
    async fn get(&self, ctx: &RequestContext, id: StudyId) -> DomainResult<Study>;

    /// A page of the studies in `scope`, oldest first.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn list(
        &self,
        ctx: &RequestContext,
        scope: StudyScope,
        page: &PageRequest,
    ) -> DomainResult<Page<Study>>;

    /// A citizen's consent records for `studies`, oldest first.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn consents_of(
        &self,
        ctx: &RequestContext,
        citizen: CitizenId,
        studies: &[StudyId],
    ) -> DomainResult<Vec<(StudyId, StudyConsent)>>;

    /// Scopes a user holding the RESEARCHER role to a study.
    ///
    /// # Errors
    /// `NotFound` (`study`, `user`); `Validation` (`userId`) when the user is no researcher;
    /// `Conflict` (`DUPLICATE`) when scoped already.
    async fn add_researcher(
        &self,
        ctx: &RequestContext,
        study: StudyId,
        user: UserId,
    ) -> DomainResult<()>;

    /// Whether `user` is scoped to `study`.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn is_researcher(
        &self,
        ctx: &RequestContext,
        study: StudyId,
        user: UserId,
    ) -> DomainResult<bool>;

    /// Appends a consent record for a study.
    ///
    /// # Errors
    /// `NotFound` (`study`, `citizen`).
    async fn record_consent(
        &self,
        ctx: &RequestContext,
        study: StudyId,
        consent: &StudyConsent,
    ) -> DomainResult<()>;

    /// Every consent record of a study, oldest first.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn consents(
        &self,
        ctx: &RequestContext,
        study: StudyId,
    ) -> DomainResult<Vec<StudyConsent>>;

    /// The participants among `citizens` (erased citizens left out), with their study
    /// pseudonyms; audits a `READ` under `RESEARCH` for each one returned.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn participants(
        &self,
        ctx: &RequestContext,
        study: StudyId,
        citizens: &[CitizenId],
    ) -> DomainResult<Vec<Participant>>;
}
