//! Ports of the referral context.

use async_trait::async_trait;

use crate::context::RequestContext;
use crate::error::DomainResult;
use crate::ids::{CitizenId, OfferId, OrganisationId, PeerId, ReferralId};
use crate::page::{Page, PageRequest};
use crate::people::citizen::Citizen;
use crate::people::consent::ConsentRecord;
use crate::privacy::Purpose;
use crate::referral::model::{ReferralState, ReferralTransition};
use crate::referral::referral::{PeerCapacity, Referral};
use crate::tenancy::Organisation;

/// A retried submission is recognised by its key; the fingerprint tells a true retry (same
/// body) from a different request that reuses the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Idempotency {
    /// The client's key.
    pub key: String,
    /// A canonical text of the request body (the adapter stores only its keyed digest).
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

/// Where an assignment goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignTarget {
    /// A peer, for one-to-one accompaniment (capacity checked).
    Peer(PeerId),
    /// A peer-group course: the citizen is enrolled, or put on its waiting list.
    Course(OfferId),
}

/// The offer a self-referral asks for, as the referral needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RequestedOffer {
    /// The organisation that runs it, which receives the referral.
    pub organisation_id: OrganisationId,
    /// Whether it takes referrals.
    pub open: bool,
}

/// Filters for listing referrals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReferralFilter {
    /// Only these states (all when empty).
    pub states: Vec<ReferralState>,
    /// Only referrals from this organisation.
    pub referrer_organisation_id: Option<OrganisationId>,
    /// Only referrals assigned to this peer (their matches).
    pub assigned_peer_id: Option<PeerId>,
    /// Only referrals of this citizen (their own list).
    pub citizen_id: Option<crate::ids::CitizenId>,
    /// Only referrals submitted at or after this instant.
    pub submitted_after: Option<chrono::DateTime<chrono::Utc>>,
    /// Only referrals submitted before this instant.
    pub submitted_before: Option<chrono::DateTime<chrono::Utc>>,
    /// Only referrals with this case reference.
    pub case_reference: Option<String>,
    /// Only referrals assigned at or before this instant.
    pub assigned_at_or_before: Option<chrono::DateTime<chrono::Utc>>,
    /// Leave each referral's `transitions` empty: the caller shows none of them, and the page
    /// costs one statement less.
    pub skip_moves: bool,
}

/// What the reader of a list of referrals may narrow it to: states (all when empty), and when
/// they were submitted (`submitted_after` inclusive, `submitted_before` exclusive).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReferralNarrowing {
    /// Only these states (all when empty).
    pub states: Vec<ReferralState>,
    /// Only referrals submitted at or after this instant.
    pub submitted_after: Option<chrono::DateTime<chrono::Utc>>,
    /// Only referrals submitted before this instant.
    pub submitted_before: Option<chrono::DateTime<chrono::Utc>>,
    /// Only those with this case reference.
    pub case_reference: Option<crate::referral::CaseReference>,
}

impl ReferralNarrowing {
    /// The filter of these narrowings.
    ///
    /// # Errors
    /// `Validation` on `submittedBefore` when it is not later than `submittedAfter`.
    pub fn filter(&self) -> DomainResult<ReferralFilter> {
        if let (Some(after), Some(before)) = (self.submitted_after, self.submitted_before)
            && before <= after
        {
            return Err(crate::DomainError::validation(
                "submittedBefore",
                "must be later than submittedAfter",
            ));
        }
        Ok(ReferralFilter {
            states: self.states.clone(),
            submitted_after: self.submitted_after,
            submitted_before: self.submitted_before,
            case_reference: self.case_reference.as_ref().map(|c| c.as_str().to_owned()),
            ..ReferralFilter::default()
        })
    }
}

/// What a coordinator may narrow the worklist to: states (the open ones when empty), and
/// only the referrals waiting longer for first contact than the tenant allows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorklistNarrowing {
    /// Only these states (the open ones when empty).
    pub states: Vec<ReferralState>,
    /// Only `ASSIGNED` referrals whose first contact is overdue.
    pub contact_overdue: bool,
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

    /// The citizen pseudonyms of the referrals `ids` that `filter` lets through.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn pseudonyms(
        &self,
        ctx: &RequestContext,
        filter: &ReferralFilter,
        ids: &[ReferralId],
    ) -> DomainResult<std::collections::HashMap<ReferralId, String>>;

    /// The organisation that runs an offer, and whether the offer is open.
    ///
    /// # Errors
    /// `NotFound` for an offer not in the tenant.
    async fn requested_offer(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
    ) -> DomainResult<RequestedOffer>;

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

    /// A page as [`Self::list`] gives it, each referral with the organisation that referred it,
    /// read in the same statement (the worklist's screen shows both).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn list_with_organisations(
        &self,
        ctx: &RequestContext,
        filter: &ReferralFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<(Referral, Organisation)>>;

    /// How many referrals match `filter`, paging aside.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn count(&self, ctx: &RequestContext, filter: &ReferralFilter) -> DomainResult<u64>;

    /// How many of the tenant's referrals are in each state (states with none left out), in
    /// one statement.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn count_by_state(&self, ctx: &RequestContext)
    -> DomainResult<Vec<(ReferralState, u64)>>;

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
}

/// Referrals inside a unit of work ([`crate::unit_of_work::UnitOfWork`]).
#[async_trait]
pub trait ReferralStore: Send {
    /// The referral with its transitions (the reason not decrypted), locked until the unit of
    /// work ends.
    ///
    /// # Errors
    /// `NotFound` for a referral not in the tenant.
    async fn lock(&mut self, id: ReferralId) -> DomainResult<Referral>;

    /// The citizen's referrals that are not in a final state, oldest first.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn open_of_citizen(&mut self, citizen: CitizenId) -> DomainResult<Vec<ReferralId>>;

    /// Stores the referral's state and closed-loop fields, and `moves` — the transitions it
    /// made since it was loaded — each announced in the outbox.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn save(&mut self, referral: &Referral, moves: &[ReferralTransition])
    -> DomainResult<()>;
}

/// What the referral context needs to know about a peer it assigns, inside a unit of work.
#[async_trait]
pub trait PeerPlaces: Send {
    /// The peer's status and capacity, and how many referrals hold one of their places
    /// ([`ReferralState::holds_peer_place`]); the peer is locked until the unit of work ends,
    /// so two assignments cannot both take their last place.
    ///
    /// # Errors
    /// `NotFound` for a peer not in the tenant.
    async fn lock_capacity(&mut self, peer: PeerId) -> DomainResult<PeerCapacity>;

    /// The peer worker whose account `user` is, if any.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn peer_of_user(&mut self, user: crate::ids::UserId) -> DomainResult<Option<PeerId>>;
}
