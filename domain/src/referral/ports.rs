//! Ports of the referral context.

use async_trait::async_trait;

use crate::context::RequestContext;
use crate::error::DomainResult;
use crate::ids::{OfferId, OrganisationId, PeerId, ReferralId};
use crate::page::{Page, PageRequest};
use crate::people::{Citizen, ConsentRecord, PeerStatus};
use crate::privacy::Purpose;
use crate::referral::model::ReferralState;
use crate::referral::referral::Referral;

/// A retried submission is recognised by its key; the fingerprint tells a true retry (same
/// body) from a different request that reuses the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Idempotency {
    /// The client's key.
    pub key: String,
    /// A canonical text of the request body (the adapter stores only its hash).
    pub fingerprint: String,
}

/// Everything a submission writes, in one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    /// The referral.
    pub referral: Referral,
    /// A citizen to register with it (when not already known).
    pub new_citizen: Option<Citizen>,
    /// Consents recorded with it (`REFERRAL_PROCESSING` at least).
    pub consents: Vec<ConsentRecord>,
    /// The idempotency key, if the client sent one.
    pub idempotency: Option<Idempotency>,
}

/// The result of a submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Submitted {
    /// A new referral.
    Created(ReferralId),
    /// A retry of an earlier submission with the same key and body.
    Replayed(ReferralId),
}

/// What the adapter tells a move about the peer being assigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerCapacity {
    /// The peer.
    pub peer_id: PeerId,
    /// Their status.
    pub status: PeerStatus,
    /// Their maximum concurrent one-to-one matches.
    pub max_matches: u8,
    /// Referrals currently assigned to them and not finished.
    pub open_matches: u32,
}

/// Where an assignment goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignTarget {
    /// A peer, for one-to-one accompaniment (capacity checked).
    Peer(PeerId),
    /// A peer-group course: the citizen is enrolled, or put on its waiting list.
    Course(OfferId),
}

/// Whether an action gives up the referral's place on a course (the next on the waiting list
/// gets it).
#[must_use]
pub const fn frees_course_place(action: crate::referral::model::ReferralAction) -> bool {
    use crate::referral::model::ReferralAction as A;
    matches!(
        action,
        A::Reassign | A::Withdraw | A::EndEarly | A::MarkNoContact
    )
}

/// A pure move applied inside the adapter's transaction, given the capacity of the peer named
/// in the call (if any).
pub type ReferralChange =
    Box<dyn FnOnce(&mut Referral, Option<&PeerCapacity>) -> DomainResult<()> + Send>;

/// Filters for listing referrals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReferralFilter {
    /// Only these states (all when empty).
    pub states: Vec<ReferralState>,
    /// Only referrals from this organisation.
    pub referrer_organisation_id: Option<OrganisationId>,
    /// Only referrals assigned to this peer (their matches).
    pub assigned_peer_id: Option<PeerId>,
}

/// Referrals of the context's tenant.
#[async_trait]
pub trait ReferralRepository: Send + Sync {
    /// Stores a submission atomically (citizen, key, consents, referral with its reason sealed
    /// with the citizen's key), auditing `CREATE`/`CONSENT`; a retry with the same key and
    /// fingerprint returns the first referral.
    ///
    /// # Errors
    /// `Conflict` when the key was used with another body; `NotFound` for an unknown citizen.
    async fn submit(&self, ctx: &RequestContext, submission: Submission)
    -> DomainResult<Submitted>;

    /// Whether `organisation` has referred `citizen` before.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn referred_by(
        &self,
        ctx: &RequestContext,
        citizen: crate::ids::CitizenId,
        organisation: crate::ids::OrganisationId,
    ) -> DomainResult<bool>;

    /// One referral; its reason is decrypted (and the read audited) only when `reason_purpose`
    /// is given.
    ///
    /// # Errors
    /// `NotFound`.
    async fn get(
        &self,
        ctx: &RequestContext,
        id: ReferralId,
        reason_purpose: Option<Purpose>,
    ) -> DomainResult<Referral>;

    /// A page of referrals (reasons not decrypted), ascending by id.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn list(
        &self,
        ctx: &RequestContext,
        filter: &ReferralFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Referral>>;

    /// The tenant's contact limit in days ([`crate::referral::DEFAULT_CONTACT_LIMIT_DAYS`]
    /// unless set).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn contact_limit_days(&self, ctx: &RequestContext) -> DomainResult<u32>;

    /// Sets the tenant's contact limit.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn set_contact_limit_days(&self, ctx: &RequestContext, days: u32) -> DomainResult<()>;

    /// Loads and locks a referral (and, when assigning to a peer, the peer with their open
    /// matches), applies `change` and stores the result with its new transition. When the
    /// change assigns a course, the citizen is enrolled (or waitlisted) in the same
    /// transaction; when `action` frees a course place, the referral's enrolment is withdrawn
    /// and the next on the waiting list moves up.
    ///
    /// # Errors
    /// `NotFound` for the referral, peer or course; `Conflict` from the enrolment; the
    /// change's own error.
    async fn update(
        &self,
        ctx: &RequestContext,
        id: ReferralId,
        action: crate::referral::model::ReferralAction,
        target: Option<AssignTarget>,
        change: ReferralChange,
    ) -> DomainResult<Referral>;
}
