//! The coordinator's dashboard: what the tenant's referrals add up to.

use crate::context::RequestContext;
use crate::error::DomainResult;
use crate::referral::model::ReferralState;
use crate::referral::policy;
use crate::referral::service::ReferralService;

impl ReferralService {
    /// How many of the tenant's referrals are in each state, every state listed (zero when
    /// none), in the states' order: the coordinator's dashboard.
    ///
    /// # Errors
    /// `Forbidden` unless a coordinator or tenant admin.
    pub async fn counts_by_state(
        &self,
        ctx: &RequestContext,
    ) -> DomainResult<Vec<(ReferralState, u64)>> {
        policy::require_coordinator(ctx)?;
        let found = self.referrals.count_by_state(ctx).await?;
        Ok(ReferralState::ALL
            .iter()
            .map(|&state| {
                let n = found
                    .iter()
                    .find(|(s, _)| *s == state)
                    .map_or(0, |(_, n)| *n);
                (state, n)
            })
            .collect())
    }
}
