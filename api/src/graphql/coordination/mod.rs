//! The coordinator's screens in GraphQL: the dashboard (one request for counts, overdue
//! contacts, waiting lists, supervision due and free places) and matching suggestions.

mod types;

use async_graphql::{Context, ID, Object};
use peerbro_domain::coordination::CoordinationService;

use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::people::AccessPurpose;

use types::request;
pub use types::*;

/// Coordination queries.
#[derive(Default)]
pub struct CoordinationQuery;

#[Object]
impl CoordinationQuery {
    /// The coordinator's dashboard (coordinators and tenant admins; others `FORBIDDEN`):
    /// each part is read only when selected, so a screen asks for what it shows in one
    /// request. Peers' details in it are read (and audited) for `purpose`.
    async fn coordinator_dashboard(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "AccessPurpose::Coordination")] purpose: AccessPurpose,
    ) -> async_graphql::Result<CoordinatorDashboard> {
        let (_, rc) = request(ctx)?;
        CoordinationService::may_coordinate(rc).gql()?;
        Ok(CoordinatorDashboard { purpose })
    }

    /// Peers a referral could be matched with (coordinators and tenant admins): active peers
    /// with a free one-to-one place, those who run the kind of offer the referrer asked for
    /// (one-to-one when none) first, then those who speak `language` (when given), then the
    /// least loaded — each with the reasons. Reading the peers is audited for `purpose`.
    async fn match_suggestions(
        &self,
        ctx: &Context<'_>,
        referral_id: ID,
        language: Option<String>,
        #[graphql(default_with = "AccessPurpose::Coordination")] purpose: AccessPurpose,
    ) -> async_graphql::Result<MatchSuggestions> {
        let (svc, rc) = request(ctx)?;
        let id = crate::graphql::referrals::referral_id("referralId", &referral_id)?;
        let (wish, ranked) = svc
            .match_suggestions(rc, id, language.as_deref(), purpose.into())
            .await
            .gql()?;
        Ok(MatchSuggestions { wish, ranked })
    }
}
