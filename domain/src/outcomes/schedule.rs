//! When a questionnaire is due: at baseline when a match starts or a course begins, at the end
//! when it completes, and at follow-up a tenant-set time after the end (3 months unless the
//! tenant sets another). Only while the citizen's OUTCOME_MEASUREMENT consent is in force:
//! withdrawing it stops every new request at once.

use chrono::{Days, NaiveDate};

use crate::error::{DomainError, DomainResult};

stored_enum!(
    /// A measurement point.
    MeasurementPoint {
        /// When the support starts.
        Baseline = "BASELINE",
        /// When it ends.
        End = "END",
        /// A while after the end.
        FollowUp = "FOLLOW_UP",
    }
);

stored_enum!(
    /// How an answer was given: by the citizen in their app, or entered with them by a peer
    /// or a coordinator. Recorded with every answer.
    AnswerMode {
        /// The respondent answered themself.
        SelfReported = "SELF_REPORTED",
        /// Entered together with the respondent.
        EnteredWith = "ENTERED_WITH",
    }
);

/// Days from the end to the follow-up unless the tenant sets another (about 3 months).
pub const DEFAULT_FOLLOW_UP_DAYS: u32 = 91;
/// Days a measurement point stays open once due: a questionnaire not answered within six weeks
/// would no longer measure that point, and worklists stay short.
pub const ANSWER_WINDOW_DAYS: u32 = 42;
/// The shortest and longest follow-up a tenant may set.
pub const FOLLOW_UP_DAYS: std::ops::RangeInclusive<u32> = 28..=365;

/// The days a tenant's follow-up comes after the end.
///
/// # Errors
/// `Validation` (`followUpDays`) outside 28–365.
pub fn follow_up_days(days: u32) -> DomainResult<u32> {
    if FOLLOW_UP_DAYS.contains(&days) {
        Ok(days)
    } else {
        Err(DomainError::validation(
            "followUpDays",
            "must be between 28 and 365",
        ))
    }
}

/// One course of support, as measurement sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Support {
    /// The match started or the course began.
    pub started_on: NaiveDate,
    /// It completed (none while it runs).
    pub ended_on: Option<NaiveDate>,
}

/// A questionnaire due, and since when.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    /// Which point.
    pub point: MeasurementPoint,
    /// Due since.
    pub since: NaiveDate,
    /// The last day it is asked for.
    pub until: NaiveDate,
}

impl Support {
    /// The measurement points due `today`, in order: those reached, not yet answered and
    /// still within their window of [`ANSWER_WINDOW_DAYS`], and none at all without consent.
    /// An end date still ahead (a course's last session) is not an end yet. A baseline closes
    /// at the end (it would measure nothing after it); the end and the follow-up each stay
    /// open for their window.
    #[must_use]
    pub fn due(
        &self,
        today: NaiveDate,
        answered: &[MeasurementPoint],
        consent_in_force: bool,
        follow_up_days: u32,
    ) -> Vec<Due> {
        if !consent_in_force {
            return Vec::new();
        }
        let window = |since: NaiveDate| {
            since
                .checked_add_days(Days::new(u64::from(ANSWER_WINDOW_DAYS - 1)))
                .unwrap_or(since)
        };
        let ended = self.ended_on.filter(|end| *end <= today);
        let mut points = Vec::new();
        match ended {
            None => points.push(Due {
                point: MeasurementPoint::Baseline,
                since: self.started_on,
                until: window(self.started_on),
            }),
            Some(end) => {
                points.push(Due {
                    point: MeasurementPoint::End,
                    since: end,
                    until: window(end),
                });
                if let Some(follow_up) = end.checked_add_days(Days::new(u64::from(follow_up_days)))
                {
                    points.push(Due {
                        point: MeasurementPoint::FollowUp,
                        since: follow_up,
                        until: window(follow_up),
                    });
                }
            }
        }
        points
            .into_iter()
            .filter(|d| d.since <= today && today <= d.until && !answered.contains(&d.point))
            .collect()
    }
}

/// Days between a peer's own questionnaire rounds unless a tenant sets another.
pub const DEFAULT_PEER_ROUND_DAYS: u32 = 182;
/// The days between peers' rounds a tenant may set.
pub const PEER_ROUND_DAYS: std::ops::RangeInclusive<u32> = 91..=365;

#[cfg(test)]
mod tests {
    use super::*;
    use MeasurementPoint::{Baseline, End, FollowUp};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 1, 1).unwrap() + Days::new(u64::from(d))
    }

    fn points(due: &[Due]) -> Vec<MeasurementPoint> {
        due.iter().map(|d| d.point).collect()
    }

    #[test]
    fn a_course_of_support_asks_at_baseline_end_and_follow_up() {
        let running = Support {
            started_on: day(10),
            ended_on: None,
        };
        assert!(running.due(day(9), &[], true, 91).is_empty(), "not started");
        assert_eq!(points(&running.due(day(10), &[], true, 91)), [Baseline]);
        assert!(running.due(day(30), &[Baseline], true, 91).is_empty());
        let ended = Support {
            started_on: day(10),
            ended_on: Some(day(80)),
        };
        assert_eq!(points(&ended.due(day(80), &[Baseline], true, 91)), [End]);
        // The follow-up is due on the 91st day after the end, not the 90th.
        assert_eq!(
            points(&ended.due(day(170), &[Baseline, End], true, 91)),
            Vec::<MeasurementPoint>::new()
        );
        let follow = ended.due(day(171), &[Baseline, End], true, 91);
        assert_eq!(points(&follow), [FollowUp]);
        assert_eq!(follow[0].since, day(171));
        // A missed baseline is not asked for after the end; the end still is.
        assert_eq!(points(&ended.due(day(80), &[], true, 91)), [End]);
        // Both the end and the follow-up are open when the follow-up comes within the end's
        // window.
        assert_eq!(points(&ended.due(day(110), &[], true, 28)), [End, FollowUp]);
    }

    #[test]
    fn a_point_stays_open_for_six_weeks() {
        let running = Support {
            started_on: day(10),
            ended_on: None,
        };
        assert_eq!(ANSWER_WINDOW_DAYS, 42);
        let last = running.due(day(51), &[], true, 91);
        assert_eq!(points(&last), [Baseline], "the 42nd day");
        assert_eq!(last[0].until, day(51));
        assert!(
            running.due(day(52), &[], true, 91).is_empty(),
            "the 43rd day"
        );
        let ended = Support {
            started_on: day(10),
            ended_on: Some(day(80)),
        };
        assert_eq!(points(&ended.due(day(121), &[Baseline], true, 91)), [End]);
        assert!(ended.due(day(122), &[Baseline], true, 91).is_empty());
        assert_eq!(
            points(&ended.due(day(171 + 41), &[Baseline], true, 91)),
            [FollowUp]
        );
        assert!(ended.due(day(171 + 42), &[Baseline], true, 91).is_empty());
    }

    #[test]
    fn a_course_ending_ahead_is_still_at_baseline() {
        let course = Support {
            started_on: day(10),
            ended_on: Some(day(73)),
        };
        assert_eq!(points(&course.due(day(12), &[], true, 91)), [Baseline]);
        assert_eq!(points(&course.due(day(73), &[Baseline], true, 91)), [End]);
    }

    #[test]
    fn without_consent_nothing_is_due() {
        let ended = Support {
            started_on: day(0),
            ended_on: Some(day(70)),
        };
        assert_eq!(points(&ended.due(day(70), &[], true, 91)), [End]);
        assert!(ended.due(day(70), &[], false, 91).is_empty());
    }

    #[test]
    fn the_follow_up_is_set_between_four_weeks_and_a_year() {
        assert_eq!(DEFAULT_FOLLOW_UP_DAYS, 91);
        for ok in [28, 91, 365] {
            assert_eq!(follow_up_days(ok).unwrap(), ok);
        }
        for bad in [27, 366, 0] {
            assert!(follow_up_days(bad).is_err(), "{bad}");
        }
    }
}
