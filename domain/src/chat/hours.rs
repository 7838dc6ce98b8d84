//! A chat offer's opening hours: weekly slots on the partnership's clock (Europe/Copenhagen),
//! so that "Tuesday 19:00–22:00" means the same wall-clock time in summer and in winter.

use chrono::{
    DateTime, Datelike as _, Days, NaiveTime, TimeZone as _, Timelike as _, Utc, Weekday,
};
use chrono_tz::Europe::Copenhagen;

use crate::error::{DomainError, DomainResult};

/// At most this many slots a week.
pub const MAX_SLOTS: usize = 28;

/// One weekly slot: open on `weekday` from `opens` until `closes` (local time, same day;
/// `closes` 00:00 means until midnight, so 00:00–00:00 is the whole day).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// The weekday.
    pub weekday: Weekday,
    /// Local opening time.
    pub opens: NaiveTime,
    /// Local closing time (after `opens`; 00:00: midnight, the end of the day).
    pub closes: NaiveTime,
}

impl Slot {
    /// Minutes after midnight it opens and closes (1440: midnight at its end).
    fn span(&self) -> (u32, u32) {
        let minutes = |t: NaiveTime| t.hour() * 60 + t.minute();
        let closes = match minutes(self.closes) {
            0 => 24 * 60,
            m => m,
        };
        (minutes(self.opens), closes)
    }

    fn contains(&self, time: NaiveTime) -> bool {
        let (opens, closes) = self.span();
        let now = time.hour() * 60 + time.minute();
        opens <= now && now < closes
    }
}

/// The weekly opening hours of a chat offer. Empty: never open.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpeningHours {
    slots: Vec<Slot>,
}

impl OpeningHours {
    /// Hours from `slots`, sorted.
    ///
    /// # Errors
    /// `VALIDATION` when a slot closes before it opens, two slots of one day overlap, or there
    /// are more than [`MAX_SLOTS`].
    pub fn new(mut slots: Vec<Slot>) -> DomainResult<Self> {
        if slots.len() > MAX_SLOTS {
            return Err(DomainError::validation(
                "hours",
                format!("at most {MAX_SLOTS} slots a week"),
            ));
        }
        if slots.iter().any(|s| {
            let (opens, closes) = s.span();
            closes <= opens || s.opens.second() != 0 || s.closes.second() != 0
        }) {
            return Err(DomainError::validation(
                "hours",
                "a slot must close after it opens, on the same day (00:00: at midnight), on whole minutes",
            ));
        }
        slots.sort_by_key(|s| (s.weekday.num_days_from_monday(), s.opens));
        if slots
            .windows(2)
            .any(|w| w[0].weekday == w[1].weekday && w[1].span().0 < w[0].span().1)
        {
            return Err(DomainError::validation("hours", "two slots overlap"));
        }
        Ok(Self { slots })
    }

    /// The slots, Monday first.
    #[must_use]
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }

    /// Whether the offer is open at `at`.
    #[must_use]
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&Copenhagen);
        let (day, time) = (local.weekday(), local.time());
        self.slots
            .iter()
            .any(|s| s.weekday == day && s.contains(time))
    }

    /// The next moment the offer opens after `at` (`None`: never; `at` itself when open).
    #[must_use]
    pub fn next_opening(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.is_open(at) {
            return Some(at);
        }
        let today = at.with_timezone(&Copenhagen).date_naive();
        (0..=7u64)
            .filter_map(|ahead| today.checked_add_days(Days::new(ahead)))
            .flat_map(|day| {
                self.slots
                    .iter()
                    .filter(move |s| s.weekday == day.weekday())
                    .filter_map(move |s| {
                        // A time skipped by the clock change opens at the first valid instant.
                        Copenhagen
                            .from_local_datetime(&day.and_time(s.opens))
                            .earliest()
                    })
            })
            .map(|local| local.with_timezone(&Utc))
            .find(|opening| *opening > at)
    }
}

/// The first day of the month `at` falls in on the Danish clock (the statistics' month).
#[must_use]
pub fn danish_month(at: DateTime<Utc>) -> chrono::NaiveDate {
    let local = at.with_timezone(&Copenhagen).date_naive();
    local.with_day(1).unwrap_or(local)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(weekday: Weekday, opens: &str, closes: &str) -> Slot {
        Slot {
            weekday,
            opens: NaiveTime::parse_from_str(opens, "%H:%M").unwrap(),
            closes: NaiveTime::parse_from_str(closes, "%H:%M").unwrap(),
        }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn hours_are_on_the_danish_clock_in_winter_and_summer() {
        let hours = OpeningHours::new(vec![slot(Weekday::Tue, "19:00", "22:00")]).unwrap();
        // Tuesday 2026-12-01: 19:00 in Copenhagen is 18:00 UTC (winter time).
        assert!(!hours.is_open(utc("2026-12-01T17:59:59Z")));
        assert!(hours.is_open(utc("2026-12-01T18:00:00Z")));
        assert!(hours.is_open(utc("2026-12-01T20:59:59Z")));
        assert!(!hours.is_open(utc("2026-12-01T21:00:00Z")));
        // Tuesday 2026-06-02: 19:00 is 17:00 UTC (summer time).
        assert!(hours.is_open(utc("2026-06-02T17:00:00Z")));
        assert!(!hours.is_open(utc("2026-06-02T20:00:00Z")));
    }

    #[test]
    fn the_next_opening_is_the_next_slot_or_now() {
        let hours = OpeningHours::new(vec![
            slot(Weekday::Thu, "10:00", "12:00"),
            slot(Weekday::Tue, "19:00", "22:00"),
        ])
        .unwrap();
        assert_eq!(
            hours.next_opening(utc("2026-12-01T12:00:00Z")),
            Some(utc("2026-12-01T18:00:00Z"))
        );
        assert_eq!(
            hours.next_opening(utc("2026-12-01T21:00:00Z")),
            Some(utc("2026-12-03T09:00:00Z"))
        );
        let now = utc("2026-12-01T19:00:00Z");
        assert_eq!(hours.next_opening(now), Some(now));
        // After Thursday's slot, the next is the Tuesday after.
        assert_eq!(
            hours.next_opening(utc("2026-12-03T11:00:00Z")),
            Some(utc("2026-12-08T18:00:00Z"))
        );
        assert_eq!(OpeningHours::default().next_opening(now), None);
    }

    #[test]
    fn a_month_is_the_danish_one() {
        assert_eq!(
            danish_month(utc("2026-11-30T23:30:00Z")).to_string(),
            "2026-12-01"
        );
        assert_eq!(
            danish_month(utc("2026-11-30T22:30:00Z")).to_string(),
            "2026-11-01"
        );
    }

    #[test]
    fn bad_hours_are_refused() {
        assert!(OpeningHours::new(vec![slot(Weekday::Mon, "12:00", "12:00")]).is_err());
        assert!(OpeningHours::new(vec![slot(Weekday::Mon, "22:00", "02:00")]).is_err());
        // Until midnight, and the whole day.
        let evening = OpeningHours::new(vec![slot(Weekday::Tue, "22:00", "00:00")]).unwrap();
        assert!(
            evening.is_open(utc("2026-12-01T22:59:00Z")),
            "23:59 in Copenhagen"
        );
        assert!(
            !evening.is_open(utc("2026-12-01T23:00:00Z")),
            "Wednesday 00:00"
        );
        let whole = OpeningHours::new(vec![slot(Weekday::Tue, "00:00", "00:00")]).unwrap();
        assert!(whole.is_open(utc("2026-11-30T23:00:00Z")), "Tuesday 00:00");
        assert!(
            OpeningHours::new(vec![
                slot(Weekday::Mon, "20:00", "00:00"),
                slot(Weekday::Mon, "23:00", "23:30"),
            ])
            .is_err(),
            "overlaps the slot running to midnight"
        );
        assert!(
            OpeningHours::new(vec![
                slot(Weekday::Mon, "10:00", "12:00"),
                slot(Weekday::Mon, "11:59", "13:00"),
            ])
            .is_err()
        );
        let touching = OpeningHours::new(vec![
            slot(Weekday::Mon, "12:00", "13:00"),
            slot(Weekday::Mon, "10:00", "12:00"),
        ])
        .unwrap();
        assert_eq!(touching.slots()[0].opens.to_string(), "10:00:00");
        let full: Vec<Slot> = (0..MAX_SLOTS)
            .map(|i| {
                let h = u32::try_from(i % 4).unwrap() * 5;
                Slot {
                    weekday: Weekday::try_from(u8::try_from(i / 4).unwrap()).unwrap(),
                    opens: NaiveTime::from_hms_opt(h, 0, 0).unwrap(),
                    closes: NaiveTime::from_hms_opt(h + 1, 0, 0).unwrap(),
                }
            })
            .collect();
        assert!(OpeningHours::new(full.clone()).is_ok(), "at the limit");
        let mut over = full;
        over.push(slot(Weekday::Sun, "23:00", "23:30"));
        assert!(OpeningHours::new(over).is_err(), "one past it");
    }
}
