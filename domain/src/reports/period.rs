//! The periods a report covers: a calendar month, quarter or year — fixed granularities only,
//! so that two reports can never be differenced into a smaller group than either shows.

use chrono::{Datelike as _, NaiveDate};

use crate::error::{DomainError, DomainResult};

stored_enum!(
    /// How long a report's period is.
    Granularity {
        /// A calendar month.
        Month = "MONTH",
        /// A calendar quarter.
        Quarter = "QUARTER",
        /// A calendar year.
        Year = "YEAR",
    }
);

/// The earliest year a report covers.
pub const FIRST_YEAR: i32 = 2000;

/// A report's period: `[first_day, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Period {
    granularity: Granularity,
    year: i32,
    number: u32,
}

impl Period {
    /// The period `number` (month 1–12, quarter 1–4; ignored for a year) of `year`; it must
    /// have begun by `today`.
    ///
    /// # Errors
    /// `Validation`: `year` before 2000 or after this year, `number` out of range, a period
    /// that has not begun.
    pub fn new(
        granularity: Granularity,
        year: i64,
        number: Option<i64>,
        today: NaiveDate,
    ) -> DomainResult<Self> {
        let year = i32::try_from(year)
            .ok()
            .filter(|y| (FIRST_YEAR..=today.year()).contains(y))
            .ok_or_else(|| {
                DomainError::validation("year", format!("must be {FIRST_YEAR}-{}", today.year()))
            })?;
        let most = match granularity {
            Granularity::Month => 12,
            Granularity::Quarter => 4,
            Granularity::Year => 1,
        };
        let number = match (granularity, number) {
            (Granularity::Year, None) => 1,
            (_, Some(n)) => u32::try_from(n)
                .ok()
                .filter(|n| (1..=most).contains(n))
                .ok_or_else(|| {
                    DomainError::validation("number", format!("must be between 1 and {most}"))
                })?,
            (_, None) => {
                return Err(DomainError::validation(
                    "number",
                    "is required for a month or a quarter",
                ));
            }
        };
        let period = Self {
            granularity,
            year,
            number,
        };
        if period.first_day() > today {
            return Err(DomainError::validation(
                "number",
                "the period has not begun",
            ));
        }
        Ok(period)
    }

    /// The granularity.
    #[must_use]
    pub const fn granularity(&self) -> Granularity {
        self.granularity
    }

    /// The year.
    #[must_use]
    pub const fn year(&self) -> i32 {
        self.year
    }

    /// The month or quarter (1 for a year).
    #[must_use]
    pub const fn number(&self) -> u32 {
        self.number
    }

    fn first_month(&self) -> u32 {
        match self.granularity {
            Granularity::Month => self.number,
            Granularity::Quarter => (self.number - 1) * 3 + 1,
            Granularity::Year => 1,
        }
    }

    /// The first day.
    #[must_use]
    pub fn first_day(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.first_month(), 1).unwrap_or(NaiveDate::MIN)
    }

    /// The day after the last.
    #[must_use]
    pub fn end(&self) -> NaiveDate {
        let months = match self.granularity {
            Granularity::Month => 1,
            Granularity::Quarter => 3,
            Granularity::Year => 12,
        };
        self.first_day()
            .checked_add_months(chrono::Months::new(months))
            .unwrap_or(NaiveDate::MAX)
    }

    /// A label: `2026-11`, `2026-Q4` or `2026`.
    #[must_use]
    pub fn label(&self) -> String {
        match self.granularity {
            Granularity::Month => format!("{}-{:02}", self.year, self.number),
            Granularity::Quarter => format!("{}-Q{}", self.year, self.number),
            Granularity::Year => self.year.to_string(),
        }
    }

    /// Parses a label written by [`Self::label`].
    ///
    /// # Errors
    /// `Validation` (`period`) for anything else, and as [`Self::new`].
    pub fn parse(label: &str, today: NaiveDate) -> DomainResult<Self> {
        let bad = || DomainError::validation("period", "must be YYYY, YYYY-QN or YYYY-MM");
        let (year, rest) = label
            .split_once('-')
            .map_or((label, None), |(y, r)| (y, Some(r)));
        if year.len() != 4 {
            return Err(bad());
        }
        let year: i64 = year.parse().map_err(|_| bad())?;
        match rest {
            None => Self::new(Granularity::Year, year, None, today),
            Some(q) if q.starts_with('Q') && q.len() == 2 => Self::new(
                Granularity::Quarter,
                year,
                Some(q[1..].parse().map_err(|_| bad())?),
                today,
            ),
            Some(m) if m.len() == 2 => Self::new(
                Granularity::Month,
                year,
                Some(m.parse().map_err(|_| bad())?),
                today,
            ),
            Some(_) => Err(bad()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn periods_are_calendar_months_quarters_and_years() {
        let today = day(2026, 11, 30);
        let nov = Period::new(Granularity::Month, 2026, Some(11), today).unwrap();
        assert_eq!(
            (nov.first_day(), nov.end()),
            (day(2026, 11, 1), day(2026, 12, 1))
        );
        let q4 = Period::new(Granularity::Quarter, 2025, Some(4), today).unwrap();
        assert_eq!(
            (q4.first_day(), q4.end()),
            (day(2025, 10, 1), day(2026, 1, 1))
        );
        let year = Period::new(Granularity::Year, 2024, None, today).unwrap();
        assert_eq!(
            (year.first_day(), year.end()),
            (day(2024, 1, 1), day(2025, 1, 1))
        );
        assert_eq!(
            [nov.label(), q4.label(), year.label()],
            ["2026-11", "2025-Q4", "2024"]
        );
        for label in ["2026-11", "2025-Q4", "2024"] {
            assert_eq!(Period::parse(label, today).unwrap().label(), label);
        }
    }

    #[test]
    fn a_period_is_checked_at_its_limits() {
        let today = day(2026, 11, 30);
        for (g, y, n, ok) in [
            (Granularity::Month, 2026, Some(12), false), // has not begun
            (Granularity::Month, 2026, Some(11), true),
            (Granularity::Month, 2026, Some(0), false),
            (Granularity::Month, 2025, Some(13), false),
            (Granularity::Quarter, 2025, Some(4), true),
            (Granularity::Quarter, 2025, Some(5), false),
            (Granularity::Month, 2025, None, false),
            (Granularity::Year, 1999, None, false),
            (Granularity::Year, 2000, None, true),
            (Granularity::Year, 2027, None, false),
        ] {
            assert_eq!(Period::new(g, y, n, today).is_ok(), ok, "{g:?} {y} {n:?}");
        }
        for bad in ["2026-13", "26-11", "2026-Q5", "2026-W1", ""] {
            assert!(Period::parse(bad, today).is_err(), "{bad}");
        }
    }
}
