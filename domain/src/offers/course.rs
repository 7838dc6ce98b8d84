//! The course aggregate: a peer-group course with its enrolments. It decides who gets a place,
//! who waits, and who moves up when a place is freed; the adapter only loads it (locked) and
//! stores what changed.

use chrono::{DateTime, Utc};

use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{CitizenId, EnrolmentId, OfferId, ReferralId};
use crate::offers::model::{Enrolment, EnrolmentStatus, OfferType};

/// A course and every enrolment it ever had, in enrolment order (the waiting list's order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Course {
    /// The offer.
    pub offer_id: OfferId,
    /// Its kind: only a group course enrols.
    pub offer_type: OfferType,
    /// Whether it takes enrolments now.
    pub open: bool,
    /// Whether citizens may enrol themselves.
    pub open_access: bool,
    /// Places.
    pub capacity: u32,
    /// Enrolments, oldest first.
    pub enrolments: Vec<Enrolment>,
}

/// What a withdrawal changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Withdrawal {
    /// The enrolment withdrawn.
    pub withdrawn: Enrolment,
    /// The first on the waiting list, who got the freed place.
    pub promoted: Option<Enrolment>,
}

impl Withdrawal {
    /// Every enrolment the withdrawal changed, to be stored.
    #[must_use]
    pub fn changed(&self) -> Vec<Enrolment> {
        std::iter::once(self.withdrawn.clone())
            .chain(self.promoted.clone())
            .collect()
    }
}

impl Course {
    /// How many citizens have a place.
    #[must_use]
    pub fn enrolled(&self) -> u32 {
        let n = self
            .enrolments
            .iter()
            .filter(|e| e.status == EnrolmentStatus::Enrolled)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Whether `citizen` has a place.
    #[must_use]
    pub fn has_place(&self, citizen: CitizenId) -> bool {
        self.enrolments
            .iter()
            .any(|e| e.citizen_id == citizen && e.status == EnrolmentStatus::Enrolled)
    }

    /// One enrolment of the course.
    #[must_use]
    pub fn enrolment(&self, id: EnrolmentId) -> Option<&Enrolment> {
        self.enrolments.iter().find(|e| e.id == id)
    }

    /// The enrolment that came from `referral` and still stands.
    #[must_use]
    pub fn enrolment_of_referral(&self, referral: ReferralId) -> Option<EnrolmentId> {
        self.enrolments
            .iter()
            .find(|e| e.referral_id == Some(referral) && e.status != EnrolmentStatus::Withdrawn)
            .map(|e| e.id)
    }

    /// Enrols `citizen`: a place while one is free, else the waiting list. Returns the new
    /// enrolment.
    ///
    /// # Errors
    /// `Conflict` when this is not an open group course, or the citizen already has a place
    /// on it or waits for one.
    pub fn enrol(
        &mut self,
        citizen: CitizenId,
        referral: Option<ReferralId>,
        now: DateTime<Utc>,
    ) -> DomainResult<Enrolment> {
        if self.offer_type != OfferType::GroupCourse || !self.open {
            return Err(DomainError::Conflict(Conflict::CourseNotOpen));
        }
        if self
            .enrolments
            .iter()
            .any(|e| e.citizen_id == citizen && e.status != EnrolmentStatus::Withdrawn)
        {
            return Err(DomainError::Conflict(Conflict::AlreadyEnrolled));
        }
        let status = if self.enrolled() < self.capacity {
            EnrolmentStatus::Enrolled
        } else {
            EnrolmentStatus::Waitlisted
        };
        let enrolment = Enrolment {
            id: EnrolmentId::new(),
            offer_id: self.offer_id,
            citizen_id: citizen,
            referral_id: referral,
            status,
            created_at: now,
            updated_at: now,
        };
        self.enrolments.push(enrolment.clone());
        Ok(enrolment)
    }

    /// Sets the course's places (1–50): never below the places given; the places it adds go
    /// to the waiting list in order. Returns the enrolments promoted.
    ///
    /// # Errors
    /// `Validation` outside 1–50; `Conflict` below the places given.
    pub fn set_capacity(
        &mut self,
        capacity: u32,
        now: DateTime<Utc>,
    ) -> DomainResult<Vec<Enrolment>> {
        if !(1..=50).contains(&capacity) {
            return Err(DomainError::validation(
                "capacity",
                "must be between 1 and 50",
            ));
        }
        let taken = self.enrolled();
        if capacity < taken {
            return Err(DomainError::Conflict(Conflict::PlacesTaken { taken }));
        }
        self.capacity = capacity;
        let mut promoted = Vec::new();
        for e in &mut self.enrolments {
            if taken + u32::try_from(promoted.len()).unwrap_or(u32::MAX) >= capacity {
                break;
            }
            if e.status == EnrolmentStatus::Waitlisted {
                e.status = EnrolmentStatus::Enrolled;
                e.updated_at = now;
                promoted.push(e.clone());
            }
        }
        Ok(promoted)
    }

    /// Withdraws an enrolment; a place it freed goes to the first on the waiting list.
    ///
    /// # Errors
    /// `NotFound` for an enrolment not on this course; `Conflict` when already withdrawn.
    pub fn withdraw(&mut self, id: EnrolmentId, now: DateTime<Utc>) -> DomainResult<Withdrawal> {
        let enrolment =
            self.enrolments
                .iter_mut()
                .find(|e| e.id == id)
                .ok_or(DomainError::NotFound {
                    resource: "enrolment",
                })?;
        if enrolment.status == EnrolmentStatus::Withdrawn {
            return Err(DomainError::Conflict(Conflict::AlreadyWithdrawn));
        }
        let had_place = enrolment.status == EnrolmentStatus::Enrolled;
        enrolment.status = EnrolmentStatus::Withdrawn;
        enrolment.updated_at = now;
        let withdrawn = enrolment.clone();
        let mut promoted = None;
        if had_place
            && self.enrolled() < self.capacity
            && let Some(next) = self
                .enrolments
                .iter_mut()
                .find(|e| e.status == EnrolmentStatus::Waitlisted)
        {
            next.status = EnrolmentStatus::Enrolled;
            next.updated_at = now;
            promoted = Some(next.clone());
        }
        Ok(Withdrawal {
            withdrawn,
            promoted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course(capacity: u32) -> Course {
        Course {
            offer_id: OfferId::new(),
            offer_type: OfferType::GroupCourse,
            open: true,
            open_access: false,
            capacity,
            enrolments: Vec::new(),
        }
    }

    fn statuses(course: &Course) -> Vec<EnrolmentStatus> {
        course.enrolments.iter().map(|e| e.status).collect()
    }

    #[test]
    fn places_first_then_the_waiting_list_in_order() {
        use EnrolmentStatus::{Enrolled, Waitlisted};
        let mut c = course(2);
        let now = Utc::now();
        for _ in 0..4 {
            c.enrol(CitizenId::new(), None, now).unwrap();
        }
        assert_eq!(statuses(&c), [Enrolled, Enrolled, Waitlisted, Waitlisted]);
        assert_eq!(c.enrolled(), 2);
    }

    #[test]
    fn a_freed_place_goes_to_the_first_waiting_only() {
        use EnrolmentStatus::{Enrolled, Waitlisted, Withdrawn};
        let mut c = course(1);
        let now = Utc::now();
        let first = c.enrol(CitizenId::new(), None, now).unwrap();
        let second = c.enrol(CitizenId::new(), None, now).unwrap();
        let third = c.enrol(CitizenId::new(), None, now).unwrap();
        let w = c.withdraw(first.id, now).unwrap();
        assert_eq!(w.withdrawn.status, Withdrawn);
        assert_eq!(w.promoted.as_ref().map(|e| e.id), Some(second.id));
        assert_eq!(w.changed().len(), 2);
        assert_eq!(statuses(&c), [Withdrawn, Enrolled, Waitlisted]);
        // A waiting citizen who leaves frees no place: nobody moves up.
        let w = c.withdraw(third.id, now).unwrap();
        assert_eq!(w.promoted, None);
        assert_eq!(statuses(&c), [Withdrawn, Enrolled, Withdrawn]);
    }

    #[test]
    fn refusals_change_nothing() {
        let now = Utc::now();
        let citizen = CitizenId::new();
        let mut c = course(1);
        let first = c.enrol(citizen, None, now).unwrap();
        let before = c.clone();
        type Refusal = Box<dyn Fn(&mut Course) -> DomainResult<()>>;
        let cases: Vec<(Refusal, &str)> = vec![
            (
                Box::new(move |c| c.enrol(citizen, None, now).map(|_| ())),
                "ALREADY_ENROLLED",
            ),
            (
                Box::new(move |c| {
                    c.open = false;
                    c.enrol(CitizenId::new(), None, now).map(|_| ())
                }),
                "OFFER_CLOSED",
            ),
            (
                Box::new(move |c| {
                    c.offer_type = OfferType::RecoveryCafe;
                    c.enrol(CitizenId::new(), None, now).map(|_| ())
                }),
                "OFFER_CLOSED",
            ),
        ];
        for (refused, reason) in cases {
            let mut c = before.clone();
            match refused(&mut c) {
                Err(DomainError::Conflict(conflict)) => assert_eq!(conflict.reason(), reason),
                other => panic!("{reason}: {other:?}"),
            }
            assert_eq!(c.enrolments, before.enrolments, "{reason}");
        }
        c.withdraw(first.id, now).unwrap();
        let withdrawn = c.clone();
        assert!(matches!(
            c.withdraw(first.id, now),
            Err(DomainError::Conflict(Conflict::AlreadyWithdrawn))
        ));
        assert_eq!(c, withdrawn);
        assert!(matches!(
            c.withdraw(EnrolmentId::new(), now),
            Err(DomainError::NotFound { .. })
        ));
    }

    #[test]
    fn a_referral_finds_its_standing_enrolment() {
        let now = Utc::now();
        let referral = ReferralId::new();
        let mut c = course(3);
        let e = c.enrol(CitizenId::new(), Some(referral), now).unwrap();
        assert_eq!(c.enrolment_of_referral(referral), Some(e.id));
        assert!(c.has_place(e.citizen_id));
        c.withdraw(e.id, now).unwrap();
        assert_eq!(c.enrolment_of_referral(referral), None);
        assert!(!c.has_place(e.citizen_id));
    }
}
