//! The citizen's pseudonym on a referral, for whoever may see the referral: it tells a
//! referrer's or coordinator's list apart without naming anyone.

use std::collections::HashMap;

use crate::context::RequestContext;
use crate::error::DomainResult;
use crate::ids::ReferralId;
use crate::referral::policy;
use crate::referral::ports::ReferralFilter;
use crate::referral::service::ReferralService;

impl ReferralService {
    /// The pseudonyms of the citizens of the referrals `ids`, for those among them the
    /// caller may see: coordinators any of the tenant's, referrers their organisation's, a
    /// citizen their own. The rest are left out (one statement for all of them).
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn citizen_pseudonyms(
        &self,
        ctx: &RequestContext,
        ids: &[ReferralId],
    ) -> DomainResult<HashMap<ReferralId, String>> {
        let filter = if policy::coordinates(ctx) {
            ReferralFilter::default()
        } else if let Ok(organisation) = policy::followed_organisation(ctx) {
            ReferralFilter {
                referrer_organisation_id: Some(organisation),
                ..ReferralFilter::default()
            }
        } else if let Some(own) = self.own_filter(ctx).await? {
            own
        } else {
            return Ok(HashMap::new());
        };
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        self.referrals.pseudonyms(ctx, &filter, ids).await
    }
}
