//! Meetings of one-to-one matches — planned, held or cancelled, never their content — and a
//! peer's schedule.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};
use peerbro_domain::ids::{OfferId, PeerId};
use peerbro_domain::offers as domain;

use super::types::{CourseSession, Offer, small};
use crate::graphql::time::{Date, LocalTime};

wire_enum!(
    /// How a one-to-one meeting took place.
    MeetingForm => domain::MeetingForm {
        /// Face to face.
        InPerson,
        /// By phone.
        Phone,
        /// By video.
        Video,
        /// A walk together.
        Walk,
    }
);

wire_enum!(
    /// Where a meeting stands.
    MeetingStatus => domain::MeetingStatus {
        /// Planned ahead.
        Planned,
        /// Held, and logged.
        Held,
        /// Planned, then cancelled.
        Cancelled,
    }
);

/// A one-to-one meeting: planned, held or cancelled (never its content).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Meeting {
    /// Id.
    pub(crate) id: ID,
    /// The match (referral).
    pub(crate) referral_id: ID,
    /// The peer's id (see `peer`).
    pub(crate) peer_id: ID,
    /// The day it is (or was to be) held.
    pub(crate) held_on: Date,
    /// The day.
    #[graphql(deprecation = "use heldOn")]
    pub(crate) date: Date,
    /// Local start time, when planned with one.
    pub(crate) start_time: Option<LocalTime>,
    /// Length in minutes.
    pub(crate) duration_minutes: i32,
    /// Length in minutes.
    #[graphql(deprecation = "use durationMinutes")]
    pub(crate) minutes: i32,
    /// How.
    pub(crate) form: MeetingForm,
    /// Planned, held or cancelled.
    pub(crate) status: MeetingStatus,
    #[graphql(skip)]
    pub(crate) peer: PeerId,
}

#[ComplexObject]
impl Meeting {
    /// The peer, for coordinators and tenant admins: their name and contact are personal
    /// data, so the read is audited with `purpose` (batched across a list).
    async fn peer(
        &self,
        ctx: &Context<'_>,
        purpose: crate::graphql::people::AccessPurpose,
    ) -> async_graphql::Result<Option<crate::graphql::peers::PeerWorker>> {
        crate::graphql::peers::peer(ctx, self.peer, purpose).await
    }
}

impl From<domain::Meeting> for Meeting {
    fn from(m: domain::Meeting) -> Self {
        Self {
            id: crate::graphql::ids::gid(m.id),
            referral_id: crate::graphql::ids::gid(m.referral_id),
            peer_id: crate::graphql::ids::gid(m.peer_id),
            held_on: m.date.into(),
            date: m.date.into(),
            start_time: m.start_time.map(Into::into),
            duration_minutes: small(m.minutes),
            minutes: small(m.minutes),
            form: m.form.into(),
            status: m.status.into(),
            peer: m.peer_id,
        }
    }
}

/// A meeting to plan ahead.
#[derive(InputObject)]
pub struct PlanMeetingInput {
    /// The match (a referral assigned to a peer, not ended).
    pub(crate) referral_id: ID,
    /// The day (today, or up to a year ahead).
    pub(crate) held_on: Date,
    /// Local start time (`HH:MM`).
    pub(crate) start_time: LocalTime,
    /// Length in minutes (5–600).
    pub(crate) duration_minutes: i32,
    /// How.
    pub(crate) form: MeetingForm,
}

/// A planned meeting to cancel.
#[derive(InputObject)]
pub struct CancelMeetingInput {
    /// The meeting (planned).
    pub(crate) meeting_id: ID,
}

/// A meeting planned, held or cancelled.
#[derive(SimpleObject)]
pub struct MeetingPayload {
    /// The meeting.
    pub(crate) meeting: Meeting,
}

/// A course session on a peer's schedule, with its course.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ScheduledSession {
    /// The session.
    pub(crate) session: CourseSession,
    #[graphql(skip)]
    pub(crate) offer_key: OfferId,
}

#[ComplexObject]
impl ScheduledSession {
    /// The course (batched across the schedule).
    async fn offer(&self, ctx: &Context<'_>) -> async_graphql::Result<Offer> {
        super::types::load_offer(ctx, self.offer_key).await
    }
}

/// A peer's schedule over some days.
#[derive(SimpleObject)]
pub struct PeerSchedule {
    /// Sessions of the courses they facilitate, by date and time.
    pub(crate) sessions: Vec<ScheduledSession>,
    /// Meetings of their matches, planned or held, by date and time.
    pub(crate) meetings: Vec<Meeting>,
}

impl From<domain::PeerSchedule> for PeerSchedule {
    fn from(s: domain::PeerSchedule) -> Self {
        Self {
            sessions: s
                .sessions
                .into_iter()
                .map(|x| ScheduledSession {
                    offer_key: x.offer_id,
                    session: x.into(),
                })
                .collect(),
            meetings: s.meetings.into_iter().map(Into::into).collect(),
        }
    }
}

/// A course the caller facilitates, with who is on it and who came.
#[derive(SimpleObject)]
pub struct FacilitatedCourse {
    /// The course.
    pub(crate) offer: Offer,
    /// Its enrolments, in enrolment order, the waiting list included.
    pub(crate) enrolments: Vec<super::enrolments::Enrolment>,
    /// Its attendance marks.
    pub(crate) attendance: Vec<super::types::AttendanceMark>,
}

impl From<domain::CourseRoster> for FacilitatedCourse {
    fn from(r: domain::CourseRoster) -> Self {
        Self {
            offer: r.offer.into(),
            enrolments: r.enrolments.into_iter().map(Into::into).collect(),
            attendance: r.attendance.into_iter().map(Into::into).collect(),
        }
    }
}
