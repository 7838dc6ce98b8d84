//! Queries of this context's GraphQL API.

use crate::graphql::time::Date;
use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object};
use peerbro_domain::ids::{OfferId, ReferralId};
use peerbro_domain::offers::OfferFilter;

use super::enrolments::*;
use super::meetings::*;
use super::types::*;
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::peers::OfferKind;
use crate::graphql::tenancy::{connection, page_request};

/// Offer queries.
#[derive(Default)]
pub struct OffersQuery;

#[Object]
impl OffersQuery {
    /// The partnership's offers (any member), optionally of one kind or open only.
    #[allow(clippy::too_many_arguments)]
    async fn offers(
        &self,
        ctx: &Context<'_>,
        kind: Option<OfferKind>,
        #[graphql(default)] open_only: bool,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, Offer, crate::graphql::tenancy::ListTotal>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let filter = OfferFilter {
            offer_type: kind.map(Into::into),
            open_only,
            ..OfferFilter::default()
        };
        let result = svc.list(rc, &filter, &page).await.gql()?;
        Ok(connection(result, |o| o.id.as_uuid(), Offer::from))
    }

    /// One offer.
    pub(crate) async fn offer(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Offer> {
        let (svc, rc) = request(ctx)?;
        let id = id_of::<OfferId>("id", &id)?;
        Ok(svc.get(rc, id).await.gql()?.into())
    }

    /// The caller's own enrolments (the citizen app), oldest first, withdrawn ones included:
    /// each with its course (`offer { title sessions(from: <today>) { heldOn startTime } }` for
    /// the upcoming sessions). Empty for a user without a citizen record.
    async fn my_enrolments(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, Enrolment, crate::graphql::tenancy::ListTotal>>
    {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let result = svc.my_enrolments(rc, &page).await.gql()?;
        Ok(connection(result, |e| e.id.as_uuid(), Enrolment::from))
    }

    /// A course's enrolments in enrolment order (the waiting list's order), of one status when
    /// given (coordinators and the course's facilitators).
    #[allow(clippy::too_many_arguments)]
    async fn course_enrolments(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
        status: Option<EnrolmentStatus>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, Enrolment, crate::graphql::tenancy::ListTotal>>
    {
        let (svc, rc) = request(ctx)?;
        let id = id_of::<OfferId>("offerId", &offer_id)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let result = svc
            .enrolments(rc, id, status.map(Into::into), &page)
            .await
            .gql()?;
        Ok(connection(result, |e| e.id.as_uuid(), Enrolment::from))
    }

    /// A course's attendance (coordinators and the course's facilitators).
    async fn course_attendance(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
    ) -> async_graphql::Result<Vec<AttendanceMark>> {
        let (svc, rc) = request(ctx)?;
        let id = id_of::<OfferId>("offerId", &offer_id)?;
        Ok(svc
            .attendance(rc, id)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// A café's headcounts between two days (coordinators and peers).
    async fn cafe_headcounts(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
        from: Date,
        to: Date,
    ) -> async_graphql::Result<Vec<CafeHeadcount>> {
        let (svc, rc) = request(ctx)?;
        let id = id_of::<OfferId>("offerId", &offer_id)?;
        Ok(svc
            .cafe_visits(rc, id, from.0, to.0)
            .await
            .gql()?
            .into_iter()
            .map(|v| CafeHeadcount {
                held_on: v.date.into(),
                date: v.date.into(),
                headcount: small(v.headcount),
            })
            .collect())
    }

    /// The caller's own one-to-one matches (peers), oldest referral first.
    async fn my_matches(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, PeerMatch, crate::graphql::tenancy::ListTotal>>
    {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let result = svc.my_matches(rc, &page).await.gql()?;
        Ok(connection(
            result,
            |m| m.referral_id.as_uuid(),
            |m| PeerMatch {
                referral_id: crate::graphql::ids::gid(m.referral_id),
                citizen_pseudonym: m.citizen_pseudonym,
                state: m.state.into(),
                assigned_at: m.assigned_at.map(Into::into),
                first_contact_at: m.first_contact_at.map(Into::into),
            },
        ))
    }

    /// The citizen of one of the caller's running matches (the assigned peer only, with the
    /// citizen's consent to contact; the read is audited as PEER_SUPPORT).
    async fn match_citizen(
        &self,
        ctx: &Context<'_>,
        referral_id: ID,
    ) -> async_graphql::Result<MatchCitizen> {
        let (svc, rc) = request(ctx)?;
        let id = id_of::<ReferralId>("referralId", &referral_id)?;
        let c = svc.match_citizen(rc, id).await.gql()?;
        Ok(MatchCitizen {
            pseudonym: c.pseudonym.as_str().to_owned(),
            name: c.name.map(|n| n.expose().to_owned()),
            contact: c.contact.map(|n| n.expose().to_owned()),
        })
    }

    /// The caller's own meetings (the citizen app) from `from` to `to`, both included (at most
    /// 92 days, else `VALIDATION`), by date and time: planned, held and cancelled. Empty for a
    /// user without a citizen record.
    async fn my_meetings(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
    ) -> async_graphql::Result<Vec<Meeting>> {
        let (svc, rc) = request(ctx)?;
        Ok(svc
            .my_meetings(rc, from.0, to.0)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The caller's schedule (peers) from `from` to `to`, both included (at most 92 days):
    /// the sessions of the courses they facilitate, each with its course, and the planned and
    /// held meetings of their matches. `FORBIDDEN` for anyone without a peer profile.
    async fn my_schedule(
        &self,
        ctx: &Context<'_>,
        from: Date,
        to: Date,
    ) -> async_graphql::Result<PeerSchedule> {
        let (svc, rc) = request(ctx)?;
        Ok(svc.my_schedule(rc, from.0, to.0).await.gql()?.into())
    }

    /// The courses the caller facilitates (the peer app), oldest first, each with its
    /// enrolments (the waiting list included) and attendance: a few statements per page
    /// whatever its size. `FORBIDDEN` for anyone without a peer profile.
    async fn my_courses(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<
        Connection<String, FacilitatedCourse, crate::graphql::tenancy::ListTotal>,
    > {
        let (svc, rc) = request(ctx)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let result = svc.my_courses(rc, &page).await.gql()?;
        Ok(connection(
            result,
            |c| c.offer.id.as_uuid(),
            FacilitatedCourse::from,
        ))
    }

    /// The meetings of a match (its peer and coordinators), in the order they were planned or
    /// logged.
    async fn match_meetings(
        &self,
        ctx: &Context<'_>,
        referral_id: ID,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, Meeting, crate::graphql::tenancy::ListTotal>>
    {
        let (svc, rc) = request(ctx)?;
        let id = id_of::<ReferralId>("referralId", &referral_id)?;
        let page = page_request(ctx, first, after, last, before).gql()?;
        let result = svc.meetings(rc, id, &page).await.gql()?;
        Ok(connection(result, |m| m.id.as_uuid(), Meeting::from))
    }
}
