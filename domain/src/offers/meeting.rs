//! Meetings of one-to-one matches: planned ahead, held (logged) or cancelled — when, how
//! long, how; never what was said.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use crate::error::{DomainError, DomainResult};
use crate::ids::{MeetingId, PeerId, ReferralId, UserId};

stored_enum!(
    /// How a one-to-one meeting took place.
    MeetingForm {
        /// Face to face.
        InPerson = "IN_PERSON",
        /// By phone.
        Phone = "PHONE",
        /// By video.
        Video = "VIDEO",
        /// A walk together.
        Walk = "WALK",
    }
);

stored_enum!(
    /// Where a meeting stands.
    MeetingStatus {
        /// Planned ahead: on the peer's schedule and the citizen's app.
        Planned = "PLANNED",
        /// Held, and logged.
        Held = "HELD",
        /// A planned meeting that will not take place.
        Cancelled = "CANCELLED",
    }
);

/// A meeting of a one-to-one match (a referral assigned to a peer): when, how long, how —
/// never what was said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meeting {
    /// Id.
    pub id: MeetingId,
    /// The match.
    pub referral_id: ReferralId,
    /// The peer who met the citizen.
    pub peer_id: PeerId,
    /// The day.
    pub date: NaiveDate,
    /// Local start time, when planned with one.
    pub start_time: Option<NaiveTime>,
    /// Length in minutes.
    pub minutes: u32,
    /// How.
    pub form: MeetingForm,
    /// Planned, held or cancelled.
    pub status: MeetingStatus,
    /// Who logged (or planned) it.
    pub logged_by: Option<UserId>,
    /// When it was logged (or planned, or last changed).
    pub logged_at: DateTime<Utc>,
}

/// Checks a meeting's date and length.
///
/// # Errors
/// `Validation`.
pub fn validate_meeting(date: NaiveDate, minutes: u32, today: NaiveDate) -> DomainResult<()> {
    if date > today {
        return Err(DomainError::validation("heldOn", "cannot be in the future"));
    }
    if !(5..=600).contains(&minutes) {
        return Err(DomainError::validation(
            "durationMinutes",
            "must be between 5 and 600",
        ));
    }
    Ok(())
}

/// Checks a planned meeting: on or after `today`, within a year, of a sensible length.
///
/// # Errors
/// `Validation`.
pub fn validate_plan(date: NaiveDate, minutes: u32, today: NaiveDate) -> DomainResult<()> {
    if date < today {
        return Err(DomainError::validation(
            "heldOn",
            "a planned meeting is today or later",
        ));
    }
    if date > today + chrono::Duration::days(366) {
        return Err(DomainError::validation("heldOn", "at most a year ahead"));
    }
    if !(5..=600).contains(&minutes) {
        return Err(DomainError::validation(
            "durationMinutes",
            "must be between 5 and 600",
        ));
    }
    Ok(())
}
