//! Input objects of this context's GraphQL API.

use crate::graphql::time::{Date, LocalTime};
use async_graphql::{ID, InputObject, SimpleObject};

use super::meetings::MeetingForm;
use super::types::*;
use crate::graphql::peers::OfferKind;

/// A course's schedule.
#[derive(InputObject)]
pub struct ScheduleInput {
    /// The first session is on the first `weekday` on or after this date.
    pub(crate) starts_on: Date,
    /// The weekday.
    pub(crate) weekday: Weekday,
    /// Local (Danish) start time, e.g. "17:00:00".
    pub(crate) start_time: LocalTime,
    /// Weekly sessions (default 10).
    pub(crate) session_count: Option<i32>,
    /// Minutes per session (default 120).
    pub(crate) session_minutes: Option<i32>,
}

/// A new offer.
#[derive(InputObject)]
pub struct CreateOfferInput {
    /// The organisation that runs it.
    pub(crate) organisation_id: ID,
    /// Its kind.
    pub(crate) kind: OfferKind,
    /// Title.
    pub(crate) title: String,
    /// Where; leave out and set `online` for online offers.
    pub(crate) location: Option<String>,
    /// Online instead of a place.
    #[graphql(default)]
    pub(crate) online: bool,
    /// Places (courses only).
    pub(crate) capacity: Option<i32>,
    /// The two facilitating peers (courses only).
    #[graphql(default)]
    pub(crate) facilitator_ids: Vec<ID>,
    /// When it meets (courses only).
    pub(crate) schedule: Option<ScheduleInput>,
    /// Citizens may enrol themselves on it from the citizen app (courses only).
    #[graphql(default)]
    pub(crate) open_access: bool,
}

/// Attendance of one citizen.
#[derive(InputObject)]
pub struct AttendanceInput {
    /// The citizen (with a place on the course).
    pub(crate) citizen_id: ID,
    /// Present or not.
    pub(crate) present: bool,
}

/// A meeting to log.
#[derive(InputObject)]
pub struct LogMeetingInput {
    /// The match (a referral assigned to a peer).
    pub(crate) referral_id: ID,
    /// The day it was held (today or earlier).
    pub(crate) held_on: Date,
    /// Length in minutes (5–600).
    pub(crate) duration_minutes: i32,
    /// How.
    pub(crate) form: MeetingForm,
    /// The planned meeting this was, which becomes held (else a new meeting is logged).
    pub(crate) planned_meeting_id: Option<ID>,
}

/// `setOfferOpen`'s input.
#[derive(InputObject)]
pub struct SetOfferOpenInput {
    /// The offer.
    pub(crate) offer_id: ID,
    /// Open for referrals and enrolments, or closed.
    pub(crate) open: bool,
}

/// `enrolCitizen`'s input.
#[derive(InputObject)]
pub struct EnrolCitizenInput {
    /// The course.
    pub(crate) offer_id: ID,
    /// The citizen.
    pub(crate) citizen_id: ID,
}

/// `withdrawEnrolment`'s input.
#[derive(InputObject)]
pub struct WithdrawEnrolmentInput {
    /// The enrolment.
    pub(crate) enrolment_id: ID,
}

/// `recordAttendance`'s input.
#[derive(InputObject)]
pub struct RecordAttendanceInput {
    /// The session.
    pub(crate) session_id: ID,
    /// One mark per citizen.
    pub(crate) marks: Vec<AttendanceInput>,
}

/// `recordCafeHeadcount`'s input.
#[derive(InputObject)]
pub struct RecordCafeHeadcountInput {
    /// The café.
    pub(crate) offer_id: ID,
    /// The day it was held.
    pub(crate) held_on: Date,
    /// How many came (0–500).
    pub(crate) headcount: i32,
}

/// The offer after `createOffer` or `setOfferOpen`.
#[derive(SimpleObject)]
pub struct OfferPayload {
    /// The offer as it now is.
    pub(crate) offer: Offer,
}

/// `recordAttendance`'s answer.
#[derive(SimpleObject)]
pub struct RecordAttendancePayload {
    /// The session's marks as recorded.
    pub(crate) marks: Vec<AttendanceMark>,
}

/// `recordCafeHeadcount`'s answer.
#[derive(SimpleObject)]
pub struct CafeHeadcountPayload {
    /// The day's headcount as recorded.
    pub(crate) cafe_headcount: CafeHeadcount,
}
