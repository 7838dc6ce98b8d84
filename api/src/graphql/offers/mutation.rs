//! Mutations of this context's GraphQL API.

use async_graphql::{Context, Object};
use peerbro_domain::ids::{
    CitizenId, CourseSessionId, EnrolmentId, MeetingId, OfferId, OrganisationId, PeerId, ReferralId,
};
use peerbro_domain::offers::{
    CafeVisit, CourseSchedule, DEFAULT_SESSION_COUNT, DEFAULT_SESSION_MINUTES, MeetingLog,
    MeetingPlan, NewOffer, OfferChange,
};

use super::enrolments::*;
use super::inputs::*;
use super::meetings::*;
use super::types::*;
use crate::graphql::errors::GqlResultExt as _;

/// Offer mutations.
#[derive(Default)]
pub struct OffersMutation;

#[Object]
impl OffersMutation {
    /// Creates an offer (coordinators and tenant admins). A course gets its weekly sessions
    /// at once.
    async fn create_offer(
        &self,
        ctx: &Context<'_>,
        input: CreateOfferInput,
    ) -> async_graphql::Result<OfferPayload> {
        let (svc, rc) = request(ctx)?;
        let schedule = match input.schedule {
            Some(s) => Some(CourseSchedule {
                start_date: s.starts_on.0,
                weekday: s.weekday.into(),
                start_time: s.start_time.0,
                session_count: count("sessionCount", s.session_count, DEFAULT_SESSION_COUNT)?,
                session_minutes: count(
                    "sessionMinutes",
                    s.session_minutes,
                    DEFAULT_SESSION_MINUTES,
                )?,
            }),
            None => None,
        };
        let new = NewOffer {
            organisation_id: id_of::<OrganisationId>("organisationId", &input.organisation_id)?,
            offer_type: input.kind.into(),
            title: input.title,
            location: input.location,
            online: input.online,
            capacity: input
                .capacity
                .map(|c| count("capacity", Some(c), 0))
                .transpose()?,
            facilitators: input
                .facilitator_ids
                .iter()
                .map(|p| id_of::<PeerId>("facilitatorIds", p))
                .collect::<async_graphql::Result<_>>()?,
            schedule,
            open_access: input.open_access,
        };
        Ok(OfferPayload {
            offer: svc.create(rc, new).await.gql()?.into(),
        })
    }

    /// Changes an offer (coordinators and tenant admins): title, place (`null`: online), a
    /// course's places and open access. Growing a course gives the new places to its waiting
    /// list in order (`promoted`); shrinking it below the places given is `CONFLICT`
    /// (`CAPACITY`).
    async fn update_offer(
        &self,
        ctx: &Context<'_>,
        input: UpdateOfferInput,
    ) -> async_graphql::Result<UpdateOfferPayload> {
        let (svc, rc) = request(ctx)?;
        let id = id_of::<OfferId>("offerId", &input.offer_id)?;
        let change = OfferChange {
            title: input.title,
            location: match input.location {
                async_graphql::MaybeUndefined::Undefined => None,
                async_graphql::MaybeUndefined::Null => Some(None),
                async_graphql::MaybeUndefined::Value(l) => Some(Some(l)),
            },
            capacity: input
                .capacity
                .map(|c| count("capacity", Some(c), 0))
                .transpose()?,
            open_access: input.open_access,
        };
        let changed = svc.update_offer(rc, id, change).await.gql()?;
        Ok(UpdateOfferPayload {
            offer: changed.offer.into(),
            promoted: changed.promoted.into_iter().map(Into::into).collect(),
        })
    }

    /// Cancels an upcoming course session (coordinators and tenant admins): it stays in the
    /// course's sessions with `cancelledAt`, which the citizens on the course see; no
    /// attendance is recorded for it. A session cancelled already or before today is
    /// `CONFLICT` (`NOT_UPCOMING`).
    async fn cancel_course_session(
        &self,
        ctx: &Context<'_>,
        input: CancelCourseSessionInput,
    ) -> async_graphql::Result<CancelCourseSessionPayload> {
        let (svc, rc) = request(ctx)?;
        let id = id_of::<CourseSessionId>("sessionId", &input.session_id)?;
        Ok(CancelCourseSessionPayload {
            session: svc.cancel_session(rc, id).await.gql()?.into(),
        })
    }

    /// Opens or closes an offer for referrals and enrolments.
    async fn set_offer_open(
        &self,
        ctx: &Context<'_>,
        input: SetOfferOpenInput,
    ) -> async_graphql::Result<OfferPayload> {
        let (svc, rc) = request(ctx)?;
        let id = id_of::<OfferId>("offerId", &input.offer_id)?;
        Ok(OfferPayload {
            offer: svc.set_open(rc, id, input.open).await.gql()?.into(),
        })
    }

    /// Enrols a citizen on a course: a place while one is free, else the waiting list.
    async fn enrol_citizen(
        &self,
        ctx: &Context<'_>,
        input: EnrolCitizenInput,
    ) -> async_graphql::Result<EnrolmentPayload> {
        let (svc, rc) = request(ctx)?;
        let offer = id_of::<OfferId>("offerId", &input.offer_id)?;
        let citizen = id_of::<CitizenId>("citizenId", &input.citizen_id)?;
        Ok(EnrolmentPayload {
            enrolment: svc.enrol(rc, offer, citizen).await.gql()?.into(),
        })
    }

    /// A citizen with an account enrols themself on an open-access course: a place while
    /// one is free, else the waiting list. Not open-access `CONFLICT` (`NOT_OPEN_ACCESS`);
    /// without a citizen record `CONFLICT` (`NOT_REGISTERED`); other roles `FORBIDDEN`.
    async fn enrol_myself(
        &self,
        ctx: &Context<'_>,
        input: EnrolMyselfInput,
    ) -> async_graphql::Result<EnrolmentPayload> {
        let (svc, rc) = request(ctx)?;
        let offer = id_of::<OfferId>("offerId", &input.offer_id)?;
        Ok(EnrolmentPayload {
            enrolment: svc.enrol_myself(rc, offer).await.gql()?.into(),
        })
    }

    /// Withdraws an enrolment; the first on the waiting list gets the freed place.
    /// Coordinators withdraw any and see who was promoted; a citizen withdraws their own
    /// (anyone else's is `NOT_FOUND`) and `promoted` is null to them.
    async fn withdraw_enrolment(
        &self,
        ctx: &Context<'_>,
        input: WithdrawEnrolmentInput,
    ) -> async_graphql::Result<WithdrawEnrolmentPayload> {
        let (svc, rc) = request(ctx)?;
        let id = id_of::<EnrolmentId>("enrolmentId", &input.enrolment_id)?;
        let done = svc.withdraw(rc, id).await.gql()?;
        Ok(WithdrawEnrolmentPayload {
            withdrawn: done.withdrawn.into(),
            promoted: done.promoted.map(Into::into),
        })
    }

    /// Records attendance at a session (coordinators and the course's facilitators).
    async fn record_attendance(
        &self,
        ctx: &Context<'_>,
        input: RecordAttendanceInput,
    ) -> async_graphql::Result<RecordAttendancePayload> {
        let (svc, rc) = request(ctx)?;
        let session = id_of::<CourseSessionId>("sessionId", &input.session_id)?;
        let marks = input
            .marks
            .iter()
            .map(|m| Ok((id_of::<CitizenId>("citizenId", &m.citizen_id)?, m.present)))
            .collect::<async_graphql::Result<Vec<_>>>()?;
        let marks = svc.record_attendance(rc, session, &marks).await.gql()?;
        Ok(RecordAttendancePayload {
            marks: marks.into_iter().map(Into::into).collect(),
        })
    }

    /// Records (or corrects) a café's headcount for a day: a number, never names.
    async fn record_cafe_headcount(
        &self,
        ctx: &Context<'_>,
        input: RecordCafeHeadcountInput,
    ) -> async_graphql::Result<CafeHeadcountPayload> {
        let (svc, rc) = request(ctx)?;
        let visit = CafeVisit {
            offer_id: id_of::<OfferId>("offerId", &input.offer_id)?,
            date: input.held_on.0,
            headcount: count("headcount", Some(input.headcount), 0)?,
        };
        let saved = svc.record_cafe_visit(rc, visit).await.gql()?;
        Ok(CafeHeadcountPayload {
            cafe_headcount: CafeHeadcount {
                held_on: saved.date.into(),
                date: saved.date.into(),
                headcount: small(saved.headcount),
            },
        })
    }

    /// Logs a held one-to-one meeting: when, how long, how — never what was said (the
    /// match's peer or a coordinator); with `plannedMeetingId` the planned meeting becomes
    /// held. The first meeting of a match still `ASSIGNED` is its first contact: the
    /// referral moves to `IN_CONTACT` with it.
    async fn log_meeting(
        &self,
        ctx: &Context<'_>,
        input: LogMeetingInput,
    ) -> async_graphql::Result<MeetingPayload> {
        let (svc, rc) = request(ctx)?;
        let log = MeetingLog {
            referral_id: id_of::<ReferralId>("referralId", &input.referral_id)?,
            date: input.held_on.0,
            minutes: count("durationMinutes", Some(input.duration_minutes), 0)?,
            form: input.form.into(),
            planned: input
                .planned_meeting_id
                .as_ref()
                .map(|id| id_of::<MeetingId>("plannedMeetingId", id))
                .transpose()?,
        };
        Ok(MeetingPayload {
            meeting: svc.log_meeting(rc, log).await.gql()?.into(),
        })
    }

    /// Plans a meeting of a running match ahead (its peer or a coordinator): it shows on the
    /// peer's schedule (`mySchedule`) and the citizen's app (`myMeetings`) and is logged as
    /// held with `logMeeting(plannedMeetingId)`. Planning is not first contact.
    async fn plan_meeting(
        &self,
        ctx: &Context<'_>,
        input: PlanMeetingInput,
    ) -> async_graphql::Result<MeetingPayload> {
        let (svc, rc) = request(ctx)?;
        let plan = MeetingPlan {
            referral_id: id_of::<ReferralId>("referralId", &input.referral_id)?,
            date: input.held_on.0,
            start_time: input.start_time.0,
            minutes: count("durationMinutes", Some(input.duration_minutes), 0)?,
            form: input.form.into(),
        };
        Ok(MeetingPayload {
            meeting: svc.plan_meeting(rc, plan).await.gql()?.into(),
        })
    }

    /// Cancels a planned meeting (the match's peer or a coordinator); one held or cancelled
    /// already is `CONFLICT` (`NOT_PLANNED`).
    async fn cancel_meeting(
        &self,
        ctx: &Context<'_>,
        input: CancelMeetingInput,
    ) -> async_graphql::Result<MeetingPayload> {
        let (svc, rc) = request(ctx)?;
        let id = id_of::<MeetingId>("meetingId", &input.meeting_id)?;
        Ok(MeetingPayload {
            meeting: svc.cancel_meeting(rc, id).await.gql()?.into(),
        })
    }
}
