//! Ports of the people context. The adapter encrypts personal fields with the subject's key
//! and appends the audit entries for each access in the same transaction as the access: reads
//! and writes of personal data cannot happen without their entry.

use crate::people::ConsentPurpose;
use async_trait::async_trait;

use crate::context::RequestContext;
use crate::error::DomainResult;
use crate::ids::{CitizenId, UserId};
use crate::page::{Page, PageRequest};
use crate::people::citizen::Citizen;
use crate::people::consent::ConsentRecord;
use crate::privacy::{LegalHold, Personal, Purpose};

/// A pure change applied to a citizen inside the adapter's transaction.
pub type CitizenChange = Box<dyn FnOnce(&mut Citizen) -> DomainResult<()> + Send>;

/// Filters for listing citizens.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CitizenFilter {
    /// Only citizens with exactly this name (normalised; found by blind index).
    pub name: Option<Personal>,
}

/// Citizens of the context's tenant.
#[async_trait]
pub trait CitizenRepository: Send + Sync {
    /// Registers a citizen with a new data key; audits `CREATE` (and `CONSENT` for each of
    /// `consents`).
    ///
    /// # Errors
    /// `Conflict` when the citizen's user account is already registered.
    async fn create(
        &self,
        ctx: &RequestContext,
        citizen: &Citizen,
        consents: &[ConsentRecord],
        purpose: Purpose,
    ) -> DomainResult<()>;

    /// One citizen, decrypted; audits `READ`.
    ///
    /// # Errors
    /// `NotFound` when not in the tenant.
    async fn get(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        purpose: Purpose,
    ) -> DomainResult<Citizen>;

    /// The citizen whose own account is `user`, decrypted; audits `READ`.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn find_by_user(
        &self,
        ctx: &RequestContext,
        user: UserId,
        purpose: Purpose,
    ) -> DomainResult<Option<Citizen>>;

    /// The id of the citizen whose own account is `user` (nothing decrypted, nothing audited).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn citizen_id_of_user(
        &self,
        ctx: &RequestContext,
        user: UserId,
    ) -> DomainResult<Option<CitizenId>>;

    /// A page of citizens, decrypted; audits `READ` for each one returned.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn list(
        &self,
        ctx: &RequestContext,
        filter: &CitizenFilter,
        page: &PageRequest,
        purpose: Purpose,
    ) -> DomainResult<Page<Citizen>>;

    /// Loads, changes, re-encrypts and stores a citizen; audits `UPDATE`.
    ///
    /// # Errors
    /// `NotFound`, or the change's own error.
    async fn update(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        change: CitizenChange,
        purpose: Purpose,
    ) -> DomainResult<Citizen>;

    /// Destroys the citizen's data key, so every field sealed with it is unreadable here and
    /// in any copy; audits `ERASE`.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` when already erased, or (`LEGAL_HOLD`) while a hold is placed.
    async fn erase(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        purpose: Purpose,
    ) -> DomainResult<Citizen>;

    /// Places (or replaces) a legal hold on the citizen, serialised with erasure.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` when already erased.
    async fn place_hold(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        hold: &LegalHold,
    ) -> DomainResult<()>;

    /// Releases the citizen's legal hold; whether there was one.
    ///
    /// # Errors
    /// `NotFound` for a citizen of another tenant.
    async fn release_hold(&self, ctx: &RequestContext, id: CitizenId) -> DomainResult<bool>;

    /// The consent history, oldest first.
    ///
    /// # Errors
    /// `NotFound` when the citizen is not in the tenant.
    async fn consent_history(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
    ) -> DomainResult<Vec<ConsentRecord>>;

    /// Whether the citizen's latest consent for `purpose` is given (one look-up, for checks
    /// that need nothing else); `false` when none was ever recorded or the citizen is not in
    /// the tenant.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn consent_given(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        purpose: ConsentPurpose,
    ) -> DomainResult<bool>;

    /// The consent histories of several citizens in one query (DataLoaders); citizens not in
    /// the tenant are absent.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn consent_histories(
        &self,
        ctx: &RequestContext,
        ids: &[CitizenId],
    ) -> DomainResult<std::collections::HashMap<CitizenId, Vec<ConsentRecord>>>;
}

/// Consents inside a unit of work ([`crate::unit_of_work::UnitOfWork`]), so that a
/// withdrawal and what it stops are one change.
#[async_trait]
pub trait ConsentStore: Send {
    /// Appends `record` to the citizen's history; audits `CONSENT` for `purpose`.
    ///
    /// # Errors
    /// `NotFound` for a citizen not in the tenant.
    async fn record(
        &mut self,
        ctx: &RequestContext,
        citizen: CitizenId,
        record: &ConsentRecord,
        purpose: Purpose,
    ) -> DomainResult<()>;

    /// Records a withdrawal (as of `record`'s time and recorder) of every study consent of the
    /// citizen that is in force, under the information sheet it was given for; returns how
    /// many.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn withdraw_study_consents(
        &mut self,
        citizen: CitizenId,
        record: &ConsentRecord,
    ) -> DomainResult<u32>;
}
