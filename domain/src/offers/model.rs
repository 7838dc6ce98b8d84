//! Offers, course schedules, enrolment decisions and meetings.

use chrono::{DateTime, Datelike as _, Days, NaiveDate, NaiveTime, Utc, Weekday};

use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{
    CitizenId, CourseSessionId, EnrolmentId, OfferId, OrganisationId, PeerId, ReferralId,
};

/// What kind of offer (the same kinds peers say they can offer).
pub use crate::people::OfferType;

stored_enum!(
    /// A citizen's place on a course.
    EnrolmentStatus {
        /// Has a place.
        Enrolled = "ENROLLED",
        /// Waits for a place, in order of enrolment.
        Waitlisted = "WAITLISTED",
        /// Left the course or the waiting list.
        Withdrawn = "WITHDRAWN",
    }
);

/// Default number of course sessions.
pub const DEFAULT_SESSION_COUNT: u32 = 10;
/// Default session length.
pub const DEFAULT_SESSION_MINUTES: u32 = 120;
/// The longest offer title.
pub const MAX_TITLE_CHARS: usize = 120;
/// The longest location text.
pub const MAX_LOCATION_CHARS: usize = 200;

/// When a course meets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CourseSchedule {
    /// The course starts on the first `weekday` on or after this date.
    pub start_date: NaiveDate,
    /// The weekday it meets.
    pub weekday: Weekday,
    /// Local (Danish) start time.
    pub start_time: NaiveTime,
    /// How many weekly sessions.
    pub session_count: u32,
    /// How long each lasts.
    pub session_minutes: u32,
}

impl CourseSchedule {
    /// The session dates: weekly from the first `weekday` on or after the start date.
    #[must_use]
    pub fn dates(&self) -> Vec<NaiveDate> {
        let ahead = (7 + self.weekday.num_days_from_monday()
            - self.start_date.weekday().num_days_from_monday())
            % 7;
        let first = self
            .start_date
            .checked_add_days(Days::new(u64::from(ahead)))
            .unwrap_or(self.start_date);
        (0..self.session_count)
            .filter_map(|n| first.checked_add_days(Days::new(u64::from(n) * 7)))
            .collect()
    }

    fn validate(&self) -> DomainResult<()> {
        if !(1..=52).contains(&self.session_count) {
            return Err(DomainError::validation(
                "sessionCount",
                "must be between 1 and 52",
            ));
        }
        if !(30..=480).contains(&self.session_minutes) {
            return Err(DomainError::validation(
                "sessionMinutes",
                "must be between 30 and 480",
            ));
        }
        Ok(())
    }
}

/// An offer of an organisation in the tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    /// Id.
    pub id: OfferId,
    /// The organisation that runs it.
    pub organisation_id: OrganisationId,
    /// Its kind.
    pub offer_type: OfferType,
    /// Title, e.g. "Recovery-kursus forår".
    pub title: String,
    /// Where it takes place; `None` means online.
    pub location: Option<String>,
    /// Places on a course.
    pub capacity: Option<u32>,
    /// The two peers facilitating a course.
    pub facilitators: Vec<PeerId>,
    /// A course's schedule.
    pub schedule: Option<CourseSchedule>,
    /// Whether it takes referrals and enrolments.
    pub open: bool,
    /// A course citizens may enrol on themselves, from the citizen app.
    pub open_access: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// A title, trimmed: 1 to [`MAX_TITLE_CHARS`] characters.
///
/// # Errors
/// `Validation` on `title`.
pub fn parse_title(raw: &str) -> DomainResult<String> {
    let title = raw.trim().to_owned();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(DomainError::validation(
            "title",
            format!("must be 1 to {MAX_TITLE_CHARS} characters"),
        ));
    }
    Ok(title)
}

/// Where an offer takes place: a place (trimmed, at most [`MAX_LOCATION_CHARS`]) or, with
/// `online`, none.
///
/// # Errors
/// `Validation` on `location`: both, neither, or too long.
pub fn parse_place(location: Option<String>, online: bool) -> DomainResult<Option<String>> {
    let location = location
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty());
    match (&location, online) {
        (Some(_), true) => Err(DomainError::validation(
            "location",
            "give a place or online, not both",
        )),
        (None, false) => Err(DomainError::validation(
            "location",
            "give a place, or say it is online",
        )),
        (Some(l), false) if l.chars().count() > MAX_LOCATION_CHARS => Err(DomainError::validation(
            "location",
            format!("must be at most {MAX_LOCATION_CHARS} characters"),
        )),
        _ => Ok(location),
    }
}

/// An offer as a coordinator describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOffer {
    /// The organisation that runs it.
    pub organisation_id: OrganisationId,
    /// Its kind.
    pub offer_type: OfferType,
    /// Title.
    pub title: String,
    /// A place, or `None` with `online`.
    pub location: Option<String>,
    /// Online instead of a place.
    pub online: bool,
    /// Places (courses only).
    pub capacity: Option<u32>,
    /// Two facilitating peers (courses only).
    pub facilitators: Vec<PeerId>,
    /// The schedule (courses only).
    pub schedule: Option<CourseSchedule>,
    /// Citizens may enrol themselves (courses only).
    pub open_access: bool,
}

impl NewOffer {
    /// Checks the offer and makes it.
    ///
    /// # Errors
    /// `Validation` naming the field.
    pub fn validate(self, now: DateTime<Utc>) -> DomainResult<Offer> {
        let title = parse_title(&self.title)?;
        let location = parse_place(self.location, self.online)?;
        if self.offer_type == OfferType::GroupCourse {
            let capacity = self
                .capacity
                .ok_or_else(|| DomainError::validation("capacity", "a course needs a capacity"))?;
            if !(1..=50).contains(&capacity) {
                return Err(DomainError::validation(
                    "capacity",
                    "must be between 1 and 50",
                ));
            }
            if self.facilitators.len() != 2 || self.facilitators[0] == self.facilitators[1] {
                return Err(DomainError::validation(
                    "facilitatorIds",
                    "a course has two different facilitating peers",
                ));
            }
            self.schedule
                .ok_or_else(|| DomainError::validation("schedule", "a course needs a schedule"))?
                .validate()?;
        } else if self.open_access {
            return Err(DomainError::validation(
                "openAccess",
                "only a course takes enrolments, so only a course is open-access",
            ));
        } else if self.capacity.is_some()
            || !self.facilitators.is_empty()
            || self.schedule.is_some()
        {
            return Err(DomainError::validation(
                "capacity",
                "capacity, facilitators and schedule belong to courses only",
            ));
        }
        Ok(Offer {
            id: OfferId::new(),
            organisation_id: self.organisation_id,
            offer_type: self.offer_type,
            title,
            location,
            capacity: self.capacity,
            facilitators: self.facilitators,
            schedule: self.schedule,
            open: true,
            open_access: self.open_access,
            created_at: now,
        })
    }
}

/// One session of a course.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourseSession {
    /// Id.
    pub id: CourseSessionId,
    /// The course.
    pub offer_id: OfferId,
    /// 1 for the first.
    pub number: u32,
    /// The day.
    pub date: NaiveDate,
    /// Local start time.
    pub start_time: NaiveTime,
    /// Length.
    pub minutes: u32,
    /// When it was cancelled, if it was.
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// The sessions of a course with `schedule`.
#[must_use]
pub fn sessions_of(offer: OfferId, schedule: &CourseSchedule) -> Vec<CourseSession> {
    schedule
        .dates()
        .into_iter()
        .zip(1..)
        .map(|(date, number)| CourseSession {
            id: CourseSessionId::new(),
            offer_id: offer,
            number,
            date,
            start_time: schedule.start_time,
            minutes: schedule.session_minutes,
            cancelled_at: None,
        })
        .collect()
}

/// A citizen's place on a course.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrolment {
    /// Id.
    pub id: EnrolmentId,
    /// The course.
    pub offer_id: OfferId,
    /// The citizen.
    pub citizen_id: CitizenId,
    /// The referral it came from, if any.
    pub referral_id: Option<ReferralId>,
    /// Where it stands.
    pub status: EnrolmentStatus,
    /// Enrolled or put on the waiting list.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Whether an offer takes referrals.
///
/// # Errors
/// `Conflict` when it is closed.
pub fn check_referable(open: bool) -> DomainResult<()> {
    if open {
        Ok(())
    } else {
        Err(DomainError::Conflict(Conflict::OfferClosed))
    }
}

/// Whether attendance can be recorded for a citizen: only with a place on the course.
///
/// # Errors
/// `Validation` on `marks`.
pub fn check_attendance(has_place: bool) -> DomainResult<()> {
    if has_place {
        Ok(())
    } else {
        Err(DomainError::validation(
            "marks",
            "attendance is recorded for citizens with a place on the course",
        ))
    }
}

/// Attendance of one enrolled citizen at one session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attendance {
    /// The session.
    pub session_id: CourseSessionId,
    /// The citizen.
    pub citizen_id: CitizenId,
    /// Present or not.
    pub present: bool,
}

/// A recovery café's headcount on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CafeVisit {
    /// The café.
    pub offer_id: OfferId,
    /// The day.
    pub date: NaiveDate,
    /// How many came (no names).
    pub headcount: u32,
}

/// A peer's one-to-one match: a referral assigned to them (nothing about the citizen beyond
/// the pseudonym).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerMatch {
    /// The referral.
    pub referral_id: ReferralId,
    /// The citizen's pseudonym.
    pub citizen_pseudonym: String,
    /// Where the referral is.
    pub state: crate::referral::ReferralState,
    /// When it was assigned.
    pub assigned_at: Option<DateTime<Utc>>,
    /// First contact.
    pub first_contact_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
