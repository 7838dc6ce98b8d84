//! Referral use cases: a referrer submits and follows; a coordinator triages, assigns, records
//! progress and ends; the referrer's organisation sees status, dates, feedback and (with the
//! citizen's consent) the coded outcome, and nothing else about the citizen.

use std::sync::Arc;

use crate::clock::Clock;
use crate::context::{Actor, RequestContext};
use crate::error::{DomainError, DomainResult};
use crate::ids::{CitizenId, ReferralId};
use crate::page::{Page, PageRequest};
use crate::people::citizen::PseudonymSource;
use crate::people::{CitizenRepository, ConsentPurpose, has_consent};
use crate::privacy::Purpose;
use crate::referral::policy::{self, Viewer};
use crate::referral::ports::{ReferralFilter, ReferralNarrowing, ReferralRepository};
use crate::referral::referral::{Referral, ReferrerView};
use crate::tenancy::Organisation;
use crate::unit_of_work::Transactions;

/// The default days an assigned referral may wait for first contact before it is flagged.
pub const DEFAULT_CONTACT_LIMIT_DAYS: u32 = 14;

/// A referral with the reason, for coordinators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralDetail {
    /// The referral.
    pub referral: Referral,
    /// Whether it waits too long for first contact.
    pub contact_overdue: bool,
    /// The organisation that referred it, when the reader asked for it with the referral
    /// ([`WorklistRead::organisations`]).
    pub referrer_organisation: Option<Organisation>,
}

/// What a worklist read brings besides the referrals' own fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorklistRead {
    /// Each referral's moves.
    pub moves: bool,
    /// Each referral's organisation, read in the same statement (when the caller may view
    /// organisations; otherwise it is left out).
    pub organisations: bool,
}

/// The referral use cases.
#[derive(Clone)]
pub struct ReferralService {
    pub(super) referrals: Arc<dyn ReferralRepository>,
    pub(super) citizens: Arc<dyn CitizenRepository>,
    pub(super) transactions: Arc<dyn Transactions>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) random: PseudonymSource,
}

impl std::fmt::Debug for ReferralService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReferralService").finish_non_exhaustive()
    }
}

impl ReferralService {
    /// Wires the service.
    #[must_use]
    pub fn new(
        referrals: Arc<dyn ReferralRepository>,
        citizens: Arc<dyn CitizenRepository>,
        transactions: Arc<dyn Transactions>,
        clock: Arc<dyn Clock>,
        random: PseudonymSource,
    ) -> Self {
        Self {
            referrals,
            citizens,
            transactions,
            clock,
            random,
        }
    }

    /// Whether the caller may follow referrals at all (live updates): coordinators and tenant
    /// admins follow every referral, referrers their organisation's. Which referrals they then
    /// see is decided per referral by [`Self::referrer_view`].
    ///
    /// # Errors
    /// `Unauthenticated`; `Forbidden` for every other role.
    pub fn may_follow(ctx: &RequestContext) -> DomainResult<()> {
        policy::may_follow(ctx)
    }

    /// The referrer's view of one referral: any referrer of the submitting organisation, a
    /// coordinator, or the citizen referred (who always sees their own outcome).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` (also for another organisation's referral).
    pub async fn referrer_view(
        &self,
        ctx: &RequestContext,
        id: ReferralId,
    ) -> DomainResult<ReferrerView> {
        let referral = self.referrals.get(ctx, id, None).await?;
        match policy::viewer(ctx, &referral) {
            Viewer::Coordinator | Viewer::ReferringOrganisation => {
                let shared = self.outcome_shared(ctx, referral.citizen_id).await?;
                Ok(ReferrerView::of(&referral, shared))
            }
            // The citizen referred sees their own referral, outcome included.
            Viewer::PossiblyTheCitizen if self.is_the_citizen(ctx, &referral).await? => {
                Ok(ReferrerView::of(&referral, true))
            }
            // Another organisation's referral does not exist for this caller.
            Viewer::PossiblyTheCitizen | Viewer::Nobody => Err(DomainError::NotFound {
                resource: "referral",
            }),
        }
    }

    async fn is_the_citizen(
        &self,
        ctx: &RequestContext,
        referral: &Referral,
    ) -> DomainResult<bool> {
        let Some(user) = ctx.actor().map(Actor::user_id) else {
            return Ok(false);
        };
        Ok(self.citizens.citizen_id_of_user(ctx, user).await? == Some(referral.citizen_id))
    }

    pub(super) async fn outcome_shared(
        &self,
        ctx: &RequestContext,
        citizen: CitizenId,
    ) -> DomainResult<bool> {
        let system = RequestContext::system(ctx.tenant_id()?);
        self.citizens
            .consent_given(&system, citizen, ConsentPurpose::ShareOutcomeWithReferrer)
            .await
    }

    /// The referrals of the caller's organisation (referrers).
    ///
    /// # Errors
    /// `Forbidden` unless a referrer in an organisation.
    pub async fn my_organisation_referrals(
        &self,
        ctx: &RequestContext,
        narrowing: &ReferralNarrowing,
        page: &PageRequest,
    ) -> DomainResult<Page<ReferrerView>> {
        let filter = Self::organisation_filter(ctx, narrowing)?;
        let page = self.referrals.list(ctx, &filter, page).await?;
        let ids: Vec<CitizenId> = page.items.iter().map(|r| r.citizen_id).collect();
        let system = RequestContext::system(ctx.tenant_id()?);
        let consents = self.citizens.consent_histories(&system, &ids).await?;
        Ok(page.map(|r| {
            let shared = consents
                .get(&r.citizen_id)
                .is_some_and(|h| has_consent(h, ConsentPurpose::ShareOutcomeWithReferrer));
            ReferrerView::of(&r, shared)
        }))
    }

    /// The caller's own referrals, as the citizen referred (a user with a citizen record; an
    /// empty page for anyone else): status, dates, feedback and their own outcome.
    ///
    /// # Errors
    /// `Unauthenticated` for an anonymous caller.
    pub async fn my_referrals(
        &self,
        ctx: &RequestContext,
        page: &PageRequest,
    ) -> DomainResult<Page<ReferrerView>> {
        let Some(filter) = self.own_filter(ctx).await? else {
            return Ok(Page::from_probe(Vec::new(), page));
        };
        let page = self.referrals.list(ctx, &filter, page).await?;
        // The citizen always sees their own outcome.
        Ok(page.map(|r| ReferrerView::of(&r, true)))
    }

    /// How many referrals the caller has as the citizen referred.
    ///
    /// # Errors
    /// `Unauthenticated` for an anonymous caller.
    pub async fn count_my_referrals(&self, ctx: &RequestContext) -> DomainResult<u64> {
        match self.own_filter(ctx).await? {
            Some(filter) => self.referrals.count(ctx, &filter).await,
            None => Ok(0),
        }
    }

    pub(super) async fn own_filter(
        &self,
        ctx: &RequestContext,
    ) -> DomainResult<Option<ReferralFilter>> {
        let user = ctx
            .actor()
            .map(Actor::user_id)
            .ok_or(DomainError::Unauthenticated)?;
        Ok(self
            .citizens
            .citizen_id_of_user(ctx, user)
            .await?
            .map(|citizen| ReferralFilter {
                citizen_id: Some(citizen),
                skip_moves: true,
                ..ReferralFilter::default()
            }))
    }

    /// How many referrals of the caller's organisation match `narrowing` (referrers).
    ///
    /// # Errors
    /// `Forbidden` unless a referrer in an organisation; `Validation` for inverted bounds.
    pub async fn count_my_organisation_referrals(
        &self,
        ctx: &RequestContext,
        narrowing: &ReferralNarrowing,
    ) -> DomainResult<u64> {
        let filter = Self::organisation_filter(ctx, narrowing)?;
        self.referrals.count(ctx, &filter).await
    }

    fn organisation_filter(
        ctx: &RequestContext,
        narrowing: &ReferralNarrowing,
    ) -> DomainResult<ReferralFilter> {
        let organisation = policy::followed_organisation(ctx)?;
        Ok(ReferralFilter {
            referrer_organisation_id: Some(organisation),
            ..narrowing.filter()?
        })
    }

    /// One referral with its reason (coordinators and tenant admins; the read is audited).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn referral(
        &self,
        ctx: &RequestContext,
        id: ReferralId,
        purpose: Purpose,
    ) -> DomainResult<ReferralDetail> {
        self.detail(ctx, id, Some(purpose)).await
    }

    /// One referral as a coordinator sees it, its reason decrypted (and the read audited)
    /// only with a `reason_purpose`.
    pub(super) async fn detail(
        &self,
        ctx: &RequestContext,
        id: ReferralId,
        reason_purpose: Option<Purpose>,
    ) -> DomainResult<ReferralDetail> {
        policy::require_coordinator(ctx)?;
        let referral = self.referrals.get(ctx, id, reason_purpose).await?;
        let limit = i64::from(self.referrals.contact_limit_days(ctx).await?);
        Ok(ReferralDetail {
            contact_overdue: referral.contact_overdue(limit, self.clock.now()),
            referral,
            referrer_organisation: None,
        })
    }

    /// The tenant's limit, in days, for first contact after assignment (coordinators and
    /// tenant admins).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn contact_limit(&self, ctx: &RequestContext) -> DomainResult<u32> {
        policy::require_coordinator(ctx)?;
        self.referrals.contact_limit_days(ctx).await
    }

    /// Sets the tenant's contact limit (tenant admins).
    ///
    /// # Errors
    /// `Forbidden`; `Validation` outside 1–90 days.
    pub async fn set_contact_limit(&self, ctx: &RequestContext, days: u32) -> DomainResult<u32> {
        crate::authz::authorize(ctx, crate::authz::TenancyAction::ConfigureTenant)?;
        if !(1..=90).contains(&days) {
            return Err(DomainError::validation("days", "must be between 1 and 90"));
        }
        self.referrals.set_contact_limit_days(ctx, days).await?;
        Ok(days)
    }
}
