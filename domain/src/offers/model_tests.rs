//! Unit tests of `model.rs`.

use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn a_course_meets_weekly_from_the_first_matching_weekday() {
    // 2026-11-24 is a Tuesday; the course meets on Thursdays.
    let schedule = CourseSchedule {
        start_date: date(2026, 11, 24),
        weekday: Weekday::Thu,
        start_time: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        session_count: DEFAULT_SESSION_COUNT,
        session_minutes: DEFAULT_SESSION_MINUTES,
    };
    let dates = schedule.dates();
    assert_eq!(dates.len(), 10);
    assert_eq!(dates[0], date(2026, 11, 26));
    assert_eq!(dates[1], date(2026, 12, 3));
    assert_eq!(dates[9], date(2027, 1, 28));
    assert!(dates.iter().all(|d| d.weekday() == Weekday::Thu));
    // Starting on the weekday itself: that day is the first session.
    let same_day = CourseSchedule {
        weekday: Weekday::Tue,
        ..schedule
    };
    assert_eq!(same_day.dates()[0], date(2026, 11, 24));
    let sessions = sessions_of(OfferId::new(), &schedule);
    assert_eq!(
        sessions.iter().map(|s| s.number).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<_>>()
    );
}

fn course() -> NewOffer {
    NewOffer {
        organisation_id: OrganisationId::new(),
        offer_type: OfferType::GroupCourse,
        title: "Recovery-kursus".to_owned(),
        location: Some("Kulturværftet".to_owned()),
        online: false,
        capacity: Some(12),
        facilitators: vec![PeerId::new(), PeerId::new()],
        schedule: Some(CourseSchedule {
            start_date: date(2026, 11, 24),
            weekday: Weekday::Thu,
            start_time: NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
            session_count: 10,
            session_minutes: 120,
        }),
        open_access: false,
    }
}

#[test]
fn offers_are_validated_by_type() {
    let now = Utc::now();
    assert!(course().validate(now).is_ok());
    let same = PeerId::new();
    for (field, bad) in [
        (
            "title",
            NewOffer {
                title: " ".into(),
                ..course()
            },
        ),
        (
            "location",
            NewOffer {
                online: true,
                ..course()
            },
        ),
        (
            "location",
            NewOffer {
                location: None,
                ..course()
            },
        ),
        (
            "capacity",
            NewOffer {
                capacity: None,
                ..course()
            },
        ),
        (
            "capacity",
            NewOffer {
                capacity: Some(0),
                ..course()
            },
        ),
        (
            "facilitatorIds",
            NewOffer {
                facilitators: vec![same, same],
                ..course()
            },
        ),
        (
            "facilitatorIds",
            NewOffer {
                facilitators: vec![same],
                ..course()
            },
        ),
        (
            "schedule",
            NewOffer {
                schedule: None,
                ..course()
            },
        ),
        (
            "capacity",
            NewOffer {
                offer_type: OfferType::RecoveryCafe,
                ..course()
            },
        ),
    ] {
        match bad.validate(now) {
            Err(DomainError::Validation { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    let cafe = NewOffer {
        offer_type: OfferType::RecoveryCafe,
        capacity: None,
        facilitators: vec![],
        schedule: None,
        ..course()
    };
    assert!(cafe.validate(now).is_ok());
    let chat = NewOffer {
        offer_type: OfferType::AnonymousChat,
        location: None,
        online: true,
        capacity: None,
        facilitators: vec![],
        schedule: None,
        ..course()
    };
    assert_eq!(chat.validate(now).unwrap().location, None);
}

#[test]
fn meetings_are_in_the_past_and_of_sensible_length() {
    use crate::offers::validate_meeting;
    let today = date(2026, 11, 24);
    assert!(validate_meeting(today, 60, today).is_ok());
    assert!(validate_meeting(date(2026, 11, 25), 60, today).is_err());
    assert!(validate_meeting(today, 0, today).is_err());
    assert!(validate_meeting(today, 601, today).is_err());
}

#[test]
fn planned_meetings_are_today_or_later_within_a_year() {
    use crate::offers::validate_plan;
    let today = date(2026, 11, 24);
    assert!(validate_plan(today, 60, today).is_ok());
    assert!(validate_plan(date(2026, 11, 23), 60, today).is_err());
    assert!(validate_plan(today + chrono::Duration::days(366), 5, today).is_ok());
    assert!(validate_plan(today + chrono::Duration::days(367), 60, today).is_err());
    assert!(validate_plan(today, 4, today).is_err());
    assert!(validate_plan(today, 600, today).is_ok());
}
