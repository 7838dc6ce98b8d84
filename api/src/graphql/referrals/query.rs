//! Queries of this context's GraphQL API.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object};

use super::types::*;
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::people::AccessPurpose;
use crate::graphql::tenancy::{connection_with, page_request};
use crate::graphql::time::Instant;
use peerbro_domain::referral::{ReferralNarrowing, WorklistNarrowing, WorklistRead};

/// Referral queries.
#[derive(Default)]
pub struct ReferralsQuery;

#[Object]
impl ReferralsQuery {
    /// The referrals of the caller's organisation (referrers), oldest first; only those in
    /// `states` (all when empty), submitted in [`submittedAfter`, `submittedBefore`) and with
    /// `caseReference` when given. `totalCount` counts them all, paging aside.
    #[allow(clippy::too_many_arguments)]
    async fn my_organisation_referrals(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
        #[graphql(default)] states: Vec<ReferralState>,
        submitted_after: Option<Instant>,
        submitted_before: Option<Instant>,
        case_reference: Option<String>,
    ) -> async_graphql::Result<Connection<String, ReferralStatus, ReferralCount>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let narrowing = ReferralNarrowing {
            states: states.into_iter().map(Into::into).collect(),
            submitted_after: submitted_after.map(|i| i.0),
            submitted_before: submitted_before.map(|i| i.0),
            case_reference: case_reference
                .as_deref()
                .map(peerbro_domain::referral::CaseReference::parse)
                .transpose()
                .gql()?,
        };
        let result = svc
            .my_organisation_referrals(rc, &narrowing, &page)
            .await
            .gql()?;
        Ok(connection_with(
            result,
            |v| v.id.as_uuid(),
            ReferralStatus::from,
            ReferralCount::Organisation(narrowing),
        ))
    }

    /// The caller's own referrals as the citizen referred (the citizen app): status, dates,
    /// feedback, their own outcome and `nextStep`, oldest first. Empty for a user without a
    /// citizen record.
    async fn my_referrals(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, ReferralStatus, ReferralCount>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let result = svc.my_referrals(rc, &page).await.gql()?;
        Ok(connection_with(
            result,
            |v| v.id.as_uuid(),
            ReferralStatus::from,
            ReferralCount::Mine,
        ))
    }

    /// One referral's status: referrers of the submitting organisation, coordinators.
    pub(crate) async fn referral_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ReferralStatus> {
        let (svc, rc) = request(ctx)?;
        svc.referrer_view(rc, referral_id("id", &id)?)
            .await
            .gql()
            .map(Into::into)
    }

    /// One referral with its reason (coordinators and tenant admins; audited).
    pub(crate) async fn referral(
        &self,
        ctx: &Context<'_>,
        id: ID,
        purpose: AccessPurpose,
    ) -> async_graphql::Result<Referral> {
        let (svc, rc) = request(ctx)?;
        svc.referral(rc, referral_id("id", &id)?, purpose.into())
            .await
            .gql()
            .map(Into::into)
    }

    /// The days an assigned referral may wait for first contact before it is flagged
    /// (coordinators and tenant admins).
    async fn referral_contact_limit_days(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let (svc, rc) = request(ctx)?;
        let days = svc.contact_limit(rc).await.gql()?;
        Ok(i32::try_from(days).unwrap_or(i32::MAX))
    }

    /// How many of the tenant's referrals are in each state, every state listed (zero when
    /// none), in the states' order (coordinators and tenant admins): the dashboard's counts in
    /// one statement.
    async fn referral_counts(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<ReferralStateCount>> {
        ReferralStateCount::of_tenant(ctx).await
    }

    /// The coordinator's worklist: open referrals (or those in `states`), oldest first, with
    /// `contactOverdue` flags; with `contactOverdue: true` only the `ASSIGNED` referrals
    /// waiting longer for first contact than the tenant's limit (`VALIDATION` when `states`
    /// leaves out `ASSIGNED`).
    #[allow(clippy::too_many_arguments)]
    async fn referral_worklist(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] states: Vec<ReferralState>,
        #[graphql(default)] contact_overdue: bool,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, Referral, ReferralCount>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let narrowing = WorklistNarrowing {
            states: states.into_iter().map(Into::into).collect(),
            contact_overdue,
        };
        // The moves are read only when the document selects them; the organisations with
        // the rows, in the same statement, when it selects them.
        let node = ctx.look_ahead().field("edges").field("node");
        let read = WorklistRead {
            moves: node.field("transitions").exists(),
            organisations: node.field("referrerOrganisation").exists(),
        };
        let result = svc.worklist(rc, &narrowing, &page, read).await.gql()?;
        let page = connection_with(
            result,
            |d| d.referral.id.as_uuid(),
            Referral::from,
            ReferralCount::Worklist(narrowing),
        );
        Ok(page)
    }
}
