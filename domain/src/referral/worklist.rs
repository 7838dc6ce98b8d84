//! The coordinator's worklist: open referrals (or those of some states, or only those whose
//! first contact is overdue), oldest first, each flagged when its contact is overdue.

use crate::context::RequestContext;
use crate::error::{DomainError, DomainResult};
use crate::ids::ReferralId;
use crate::page::{Page, PageRequest};
use crate::referral::model::ReferralState;
use crate::referral::policy;
use crate::referral::ports::{ReferralFilter, WorklistNarrowing};
use crate::referral::referral::Referral;
use crate::referral::service::{ReferralDetail, ReferralService, WorklistRead};

impl ReferralService {
    /// The coordinator's worklist: open referrals (optionally of some states), oldest first,
    /// each flagged when it waits too long for first contact; with their moves and their
    /// organisations only as `read` asks (the caller shows them). Organisations come only to a
    /// caller who may view organisations.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn worklist(
        &self,
        ctx: &RequestContext,
        narrowing: &WorklistNarrowing,
        page: &PageRequest,
        read: WorklistRead,
    ) -> DomainResult<Page<ReferralDetail>> {
        policy::require_coordinator(ctx)?;
        let now = self.clock.now();
        let limit = i64::from(self.referrals.contact_limit_days(ctx).await?);
        let filter = ReferralFilter {
            skip_moves: !read.moves,
            ..Self::worklist_filter(narrowing, limit, now)?
        };
        let detail = |referral: Referral, referrer_organisation| ReferralDetail {
            contact_overdue: referral.contact_overdue(limit, now),
            referral,
            referrer_organisation,
        };
        let organisations = read.organisations
            && crate::authz::authorize(ctx, crate::authz::TenancyAction::ViewOrganisations).is_ok();
        Ok(if organisations {
            self.referrals
                .list_with_organisations(ctx, &filter, page)
                .await?
                .map(|(referral, org)| detail(referral, Some(org)))
        } else {
            self.referrals
                .list(ctx, &filter, page)
                .await?
                .map(|referral| detail(referral, None))
        })
    }

    /// Whether the caller may hear of new referrals as they are submitted (coordinators and
    /// tenant admins: the worklist's readers).
    ///
    /// # Errors
    /// `Unauthenticated`; `Forbidden` for every other role.
    pub fn may_follow_submissions(ctx: &RequestContext) -> DomainResult<()> {
        policy::require_coordinator(ctx)
    }

    /// One referral as the worklist shows it (no reason: that is read audited through
    /// [`Self::referral`]); coordinators and tenant admins.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn worklist_entry(
        &self,
        ctx: &RequestContext,
        id: ReferralId,
    ) -> DomainResult<ReferralDetail> {
        self.detail(ctx, id, None).await
    }

    /// How many referrals the worklist holds, narrowed as [`Self::worklist`] narrows it.
    ///
    /// # Errors
    /// `Forbidden`; `Validation` as [`Self::worklist`].
    pub async fn count_worklist(
        &self,
        ctx: &RequestContext,
        narrowing: &WorklistNarrowing,
    ) -> DomainResult<u64> {
        policy::require_coordinator(ctx)?;
        // The tenant's limit narrows only a count of overdue contacts; no read otherwise.
        let limit = if narrowing.contact_overdue {
            i64::from(self.referrals.contact_limit_days(ctx).await?)
        } else {
            0
        };
        let filter = Self::worklist_filter(narrowing, limit, self.clock.now())?;
        self.referrals.count(ctx, &filter).await
    }

    /// The worklist's filter: the open states unless others are named; when only overdue
    /// contacts are asked for, `ASSIGNED` referrals assigned more than `limit_days` whole days
    /// before `now` ([`Referral::contact_overdue`] as a filter).
    fn worklist_filter(
        narrowing: &WorklistNarrowing,
        limit_days: i64,
        now: chrono::DateTime<chrono::Utc>,
    ) -> DomainResult<ReferralFilter> {
        let states = narrowing.states.clone();
        let open = [
            ReferralState::Submitted,
            ReferralState::Accepted,
            ReferralState::Assigned,
            ReferralState::InContact,
            ReferralState::Active,
        ];
        let states = if states.is_empty() {
            open.to_vec()
        } else {
            states
        };
        if !narrowing.contact_overdue {
            return Ok(ReferralFilter {
                states,
                ..ReferralFilter::default()
            });
        }
        if !states.contains(&ReferralState::Assigned) {
            return Err(DomainError::validation(
                "contactOverdue",
                "only ASSIGNED referrals wait for first contact: include ASSIGNED in states or leave states out",
            ));
        }
        Ok(ReferralFilter {
            states: vec![ReferralState::Assigned],
            assigned_at_or_before: Some(now - chrono::Duration::days(limit_days + 1)),
            ..ReferralFilter::default()
        })
    }
}
