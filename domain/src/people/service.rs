//! People use cases: registering citizens, reading and correcting their details, consents,
//! erasure, and the audit log over all of it.

use std::sync::Arc;

use crate::authz::{PeopleAction, authorize_people, require_actor};
use crate::clock::Clock;
use crate::context::RequestContext;
use crate::error::{DomainError, DomainResult};
use crate::ids::{CitizenId, UserId};
use crate::page::{Page, PageRequest};
use crate::people::citizen::PseudonymSource;
use crate::people::citizen::{
    Citizen, CitizenOrigin, CitizenPatch, NewCitizen, Pseudonym, with_free_pseudonym,
};
use crate::people::consent::{
    ConsentEvidence, ConsentGiven, ConsentPurpose, ConsentRecord, check_text_version,
};
use crate::people::policy;
use crate::people::ports::{CitizenFilter, CitizenRepository};
use crate::privacy::{AuditEntry, AuditFilter, AuditLog, Purpose};
use crate::unit_of_work::Transactions;

/// The people use cases.
#[derive(Clone)]
pub struct PeopleService {
    citizens: Arc<dyn CitizenRepository>,
    pub(super) transactions: Arc<dyn Transactions>,
    pub(super) audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    random: PseudonymSource,
}

impl PeopleService {
    pub(super) fn citizen_store(&self) -> &dyn CitizenRepository {
        self.citizens.as_ref()
    }

    pub(super) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}

impl std::fmt::Debug for PeopleService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeopleService").finish_non_exhaustive()
    }
}

impl PeopleService {
    /// Wires the service; `random` supplies bytes for pseudonyms.
    #[must_use]
    pub fn new(
        citizens: Arc<dyn CitizenRepository>,
        transactions: Arc<dyn Transactions>,
        audit: Arc<dyn AuditLog>,
        clock: Arc<dyn Clock>,
        random: PseudonymSource,
    ) -> Self {
        Self {
            citizens,
            transactions,
            audit,
            clock,
            random,
        }
    }

    fn new_citizen(
        &self,
        ctx: &RequestContext,
        details: NewCitizen,
        origin: CitizenOrigin,
        user_id: Option<UserId>,
    ) -> Citizen {
        Citizen {
            id: CitizenId::new(),
            pseudonym: Pseudonym::from_random((self.random)()),
            name: Some(details.name),
            contact: details.contact,
            birth_year: details.birth_year,
            municipality: details.municipality,
            origin,
            user_id,
            created_by: ctx.actor().map(|a| a.user_id()),
            created_at: self.clock.now(),
            erased_at: None,
        }
    }

    /// Stores a new citizen, drawing another pseudonym while the drawn one is taken.
    async fn create_with_pseudonym(
        &self,
        ctx: &RequestContext,
        citizen: Citizen,
        consents: &[ConsentRecord],
        purpose: Purpose,
    ) -> DomainResult<Citizen> {
        with_free_pseudonym(citizen.pseudonym.clone(), &self.random, |pseudonym| {
            let citizen = Citizen {
                pseudonym,
                ..citizen.clone()
            };
            async move {
                self.citizens
                    .create(ctx, &citizen, consents, purpose)
                    .await
                    .map(|()| citizen)
            }
        })
        .await
    }

    /// Registers a citizen (coordinators and tenant admins), with consents already obtained.
    ///
    /// # Errors
    /// `Forbidden` for other roles; `Validation` for version 0; `Conflict`
    /// (`ConsentTextChanged`) when a consent names a version that is not current.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn register_citizen(
        &self,
        ctx: &RequestContext,
        details: NewCitizen,
        consents: Vec<ConsentGiven>,
        purpose: Purpose,
    ) -> DomainResult<Citizen> {
        authorize_people(ctx, PeopleAction::ManageCitizens)?;
        for given in &consents {
            check_text_version(given.text_version)?;
        }
        let citizen = self.new_citizen(ctx, details, CitizenOrigin::Coordinator, None);
        let now = self.clock.now();
        let records: Vec<ConsentRecord> = consents
            .into_iter()
            .map(|given| ConsentRecord {
                purpose: given.purpose,
                given: true,
                at: now,
                recorded_by: ctx.actor().map(|a| a.user_id()),
                evidence: given.evidence,
                text_version: given.text_version,
            })
            .collect();
        self.create_with_pseudonym(ctx, citizen, &records, purpose)
            .await
    }

    /// A user with the citizen role registers themself.
    ///
    /// # Errors
    /// `Forbidden` without the citizen role; `Conflict` when already registered.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn register_self(
        &self,
        ctx: &RequestContext,
        details: NewCitizen,
    ) -> DomainResult<Citizen> {
        let user = policy::self_registering(ctx)?;
        let citizen = self.new_citizen(ctx, details, CitizenOrigin::SelfRegistration, Some(user));
        self.create_with_pseudonym(ctx, citizen, &[], Purpose::CitizenRequest)
            .await
    }

    /// One citizen's details. Coordinators and tenant admins state a purpose; a citizen reads
    /// their own record (recorded as `CITIZEN_REQUEST`).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn citizen(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        purpose: Purpose,
    ) -> DomainResult<Citizen> {
        if authorize_people(ctx, PeopleAction::ReadCitizens).is_ok() {
            return self.citizens.get(ctx, id, purpose).await;
        }
        self.ensure_own(ctx, id).await?;
        self.citizens.get(ctx, id, Purpose::CitizenRequest).await
    }

    /// The caller's own citizen record, if they have one.
    ///
    /// # Errors
    /// `Unauthenticated` for anonymous callers.
    pub async fn my_citizen(&self, ctx: &RequestContext) -> DomainResult<Option<Citizen>> {
        require_actor(ctx)?;
        match policy::citizen_user(ctx) {
            Some(user) => {
                self.citizens
                    .find_by_user(ctx, user, Purpose::CitizenRequest)
                    .await
            }
            None => Ok(None),
        }
    }

    /// Allows the request only if it is by the citizen `id` themself.
    async fn ensure_own(&self, ctx: &RequestContext, id: CitizenId) -> DomainResult<()> {
        let own = match policy::citizen_user(ctx) {
            Some(user) => self.citizens.citizen_id_of_user(ctx, user).await?,
            None => None,
        };
        if own == Some(id) {
            Ok(())
        } else {
            Err(DomainError::Forbidden(
                "your roles in this tenant do not allow access to this personal data",
            ))
        }
    }

    /// A page of citizens (coordinators and tenant admins).
    ///
    /// # Errors
    /// `Forbidden` for other roles.
    pub async fn citizens(
        &self,
        ctx: &RequestContext,
        filter: &CitizenFilter,
        page: &PageRequest,
        purpose: Purpose,
    ) -> DomainResult<Page<Citizen>> {
        authorize_people(ctx, PeopleAction::ReadCitizens)?;
        self.citizens.list(ctx, filter, page, purpose).await
    }

    /// Corrects a citizen's details (coordinators, tenant admins, or the citizen themself).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Validation` for an empty patch; `Conflict` after erasure.
    pub async fn update_citizen(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        patch: CitizenPatch,
        purpose: Purpose,
    ) -> DomainResult<Citizen> {
        let purpose = if authorize_people(ctx, PeopleAction::ManageCitizens).is_ok() {
            purpose
        } else {
            self.ensure_own(ctx, id).await?;
            Purpose::CitizenRequest
        };
        self.citizens
            .update(ctx, id, Box::new(move |c| patch.apply(c)), purpose)
            .await
    }

    /// Erases a citizen by destroying their key (tenant admins).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Conflict` when already erased.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn erase_citizen(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
    ) -> DomainResult<Citizen> {
        authorize_people(ctx, PeopleAction::EraseCitizens)?;
        self.citizens.erase(ctx, id, Purpose::Administration).await
    }

    /// Records a consent given or withdrawn. Coordinators and tenant admins record any
    /// evidence; a citizen records their own, digitally. A withdrawal stops what the consent
    /// allowed in the same transaction ([`Self::record_and_apply`]).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Validation` when a citizen claims non-digital evidence or
    /// names version 0; `Conflict` (`ConsentTextChanged`) when the named version is not the
    /// purpose's current text.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id(), purpose = consent.as_str()))]
    pub async fn record_consent(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        consent: ConsentPurpose,
        given: bool,
        evidence: ConsentEvidence,
        text_version: Option<u32>,
    ) -> DomainResult<Vec<ConsentRecord>> {
        check_text_version(text_version)?;
        let purpose = if authorize_people(ctx, PeopleAction::ManageCitizens).is_ok() {
            Purpose::Coordination
        } else {
            self.ensure_own(ctx, id).await?;
            if evidence != ConsentEvidence::Digital {
                return Err(DomainError::validation(
                    "evidence",
                    "a citizen records their own consent digitally",
                ));
            }
            Purpose::CitizenRequest
        };
        let record = ConsentRecord {
            purpose: consent,
            given,
            at: self.clock.now(),
            recorded_by: ctx.actor().map(|a| a.user_id()),
            evidence,
            text_version,
        };
        self.record_and_apply(ctx, id, &record, purpose).await?;
        self.citizens.consent_history(ctx, id).await
    }

    /// A citizen's consent history (who may read the citizen may read it).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn consent_history(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
    ) -> DomainResult<Vec<ConsentRecord>> {
        if authorize_people(ctx, PeopleAction::ReadCitizens).is_err() {
            self.ensure_own(ctx, id).await?;
        }
        self.citizens.consent_history(ctx, id).await
    }

    /// Several citizens' consent histories at once (DataLoaders): all of them for
    /// coordinators and tenant admins; a citizen gets only their own.
    ///
    /// # Errors
    /// `Forbidden` when a citizen asks for someone else's.
    pub async fn consent_histories(
        &self,
        ctx: &RequestContext,
        ids: &[CitizenId],
    ) -> DomainResult<std::collections::HashMap<CitizenId, Vec<ConsentRecord>>> {
        if authorize_people(ctx, PeopleAction::ReadCitizens).is_err() {
            for id in ids {
                self.ensure_own(ctx, *id).await?;
            }
        }
        self.citizens.consent_histories(ctx, ids).await
    }

    /// The audit log (tenant admins).
    ///
    /// # Errors
    /// `Forbidden` for other roles.
    pub async fn audit_entries(
        &self,
        ctx: &RequestContext,
        filter: AuditFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<AuditEntry>> {
        authorize_people(ctx, PeopleAction::ReadAudit)?;
        self.audit.list(ctx, filter, page).await
    }

    /// Who looked at a citizen's data, when and why: for a tenant admin answering the
    /// citizen's request, or for the citizen themself.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` when the citizen is not in the tenant.
    pub async fn access_log(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        page: &PageRequest,
    ) -> DomainResult<Page<AuditEntry>> {
        if authorize_people(ctx, PeopleAction::ReadAudit).is_err() {
            self.ensure_own(ctx, id).await?;
        }
        // The citizen must exist in the tenant; a foreign id is NOT_FOUND, not an empty log.
        self.citizens.consent_history(ctx, id).await?;
        let filter = AuditFilter {
            subject_id: Some(id.as_uuid()),
            ..AuditFilter::default()
        };
        self.audit.list(ctx, filter, page).await
    }
}
