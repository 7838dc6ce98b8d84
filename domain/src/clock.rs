//! Time as a port: use cases ask their clock, never the system directly, so that their rules
//! can be tested on any day.

use chrono::{DateTime, NaiveDate, Utc};

/// Tells the time.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;

    /// Today (UTC).
    fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}

/// The system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The first instant of `day` (UTC), the bound from which a day's events count.
#[must_use]
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// A clock that always says the same time (tests).
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// An instant as every surface writes it — GraphQL's `DateTime`, REST, webhook payloads:
/// RFC 3339 in UTC (`Z`) with milliseconds, `2026-11-29T21:05:00.123Z` (issue 11). Defined once
/// here so that the API and the outbox cannot drift apart.
#[must_use]
pub fn wire_instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Serialises an instant as [`wire_instant`] writes it (for documents the API hands out).
///
/// # Errors
/// As the serializer.
pub fn serialize_wire_instant<S: serde::Serializer>(
    at: &DateTime<Utc>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&wire_instant(*at))
}
