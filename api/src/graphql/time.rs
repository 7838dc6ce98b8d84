//! Time on the GraphQL wire, in one format (issue 11): instants as RFC 3339 in UTC with
//! milliseconds (`2026-11-29T21:05:00.123Z`, the same as REST and webhooks), dates as
//! `YYYY-MM-DD`, times of day as `HH:MM`.

use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use crate::wire::instant as wire_instant;

/// An instant: RFC 3339 in UTC with milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Instant(pub DateTime<Utc>);

/// An instant, written `2026-11-29T21:05:00.123Z` (RFC 3339, UTC, milliseconds). Accepted with
/// any RFC 3339 offset.
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339"
)]
impl ScalarType for Instant {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => DateTime::parse_from_rfc3339(s)
                .map(|at| Self(at.with_timezone(&Utc)))
                .map_err(|_| InputValueError::custom("is not an RFC 3339 date and time")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(wire_instant(self.0))
    }
}

impl From<DateTime<Utc>> for Instant {
    fn from(at: DateTime<Utc>) -> Self {
        Self(at)
    }
}

/// A calendar date, written `2026-11-29`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub NaiveDate);

/// A calendar date, `YYYY-MM-DD` (ISO 8601), in the tenant's own calendar.
#[Scalar(
    name = "Date",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339#section-5.6"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Self)
                .map_err(|_| InputValueError::custom("is not a date (YYYY-MM-DD)")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

impl From<NaiveDate> for Date {
    fn from(on: NaiveDate) -> Self {
        Self(on)
    }
}

/// A time of day, written `18:30`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LocalTime(pub NaiveTime);

/// A time of day on the tenant's clock (Europe/Copenhagen), `HH:MM`; `HH:MM:SS` is accepted
/// when the seconds are zero.
#[Scalar(name = "LocalTime")]
impl ScalarType for LocalTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(s) = &value else {
            return Err(InputValueError::expected_type(value));
        };
        NaiveTime::parse_from_str(s, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
            .ok()
            .filter(|t| chrono::Timelike::second(t) == 0 && chrono::Timelike::nanosecond(t) == 0)
            .map(Self)
            .ok_or_else(|| InputValueError::custom("is not a time of day (HH:MM)"))
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%H:%M").to_string())
    }
}

impl From<NaiveTime> for LocalTime {
    fn from(at: NaiveTime) -> Self {
        Self(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_written_in_utc_with_milliseconds_and_read_with_any_offset() {
        let at = DateTime::parse_from_rfc3339("2026-11-29T22:05:00.123456+01:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            Instant(at).to_value(),
            Value::String("2026-11-29T21:05:00.123Z".into())
        );
        let read = Instant::parse(Value::String("2026-11-29T22:05:00+01:00".into())).unwrap();
        assert_eq!(wire_instant(read.0), "2026-11-29T21:05:00.000Z");
        assert!(Instant::parse(Value::String("2026-11-29 21:05".into())).is_err());
    }

    #[test]
    fn dates_and_times_of_day_have_one_form() {
        let on = Date::parse(Value::String("2026-02-28".into())).unwrap();
        assert_eq!(on.to_value(), Value::String("2026-02-28".into()));
        assert!(Date::parse(Value::String("2026-02-30".into())).is_err());
        let at = LocalTime::parse(Value::String("18:30".into())).unwrap();
        assert_eq!(at.to_value(), Value::String("18:30".into()));
        assert_eq!(
            LocalTime::parse(Value::String("18:30:00".into())).unwrap(),
            at
        );
        assert!(LocalTime::parse(Value::String("18:30:15".into())).is_err());
        assert!(LocalTime::parse(Value::String("25:00".into())).is_err());
    }
}
