//! The retention limits, at each limit and one past it.

use crate::error::{DomainError, DomainResult};
use crate::privacy::retention::RetentionPolicy;

fn policy(closed: u32, inactive: u32) -> DomainResult<RetentionPolicy> {
    RetentionPolicy {
        closed_referral_days: closed,
        inactive_citizen_days: inactive,
        ..RetentionPolicy::default()
    }
    .check()
}

fn field(result: DomainResult<RetentionPolicy>) -> Option<String> {
    match result {
        Err(DomainError::Validation { field, .. }) => Some(field),
        _ => None,
    }
}

#[test]
fn each_limit_holds_at_the_limit_and_refuses_one_past() {
    assert!(policy(90, 365).is_ok());
    assert!(policy(3650, 3650).is_ok());
    assert_eq!(
        field(policy(89, 365)),
        Some("closedReferralDays".to_owned())
    );
    assert_eq!(
        field(policy(3651, 365)),
        Some("closedReferralDays".to_owned())
    );
    assert_eq!(
        field(policy(90, 364)),
        Some("inactiveCitizenDays".to_owned())
    );
    assert_eq!(
        field(policy(90, 3651)),
        Some("inactiveCitizenDays".to_owned())
    );
    let with = |attendance: u32, answers: u32| {
        RetentionPolicy {
            attendance_days: attendance,
            answers_days: answers,
            ..RetentionPolicy::default()
        }
        .check()
    };
    assert!(with(90, 365).is_ok());
    assert!(with(3650, 3650).is_ok());
    assert_eq!(field(with(89, 365)), Some("attendanceDays".to_owned()));
    assert_eq!(field(with(3651, 365)), Some("attendanceDays".to_owned()));
    assert_eq!(field(with(90, 364)), Some("answersDays".to_owned()));
    assert_eq!(field(with(90, 3651)), Some("answersDays".to_owned()));
    let audit = |days: u32| {
        RetentionPolicy {
            audit_days: days,
            ..RetentionPolicy::default()
        }
        .check()
    };
    assert!(audit(183).is_ok() && audit(3650).is_ok());
    assert_eq!(field(audit(182)), Some("auditDays".to_owned()));
    assert_eq!(field(audit(3651)), Some("auditDays".to_owned()));
    let chat = |days: u32| {
        RetentionPolicy {
            chat_days: days,
            ..RetentionPolicy::default()
        }
        .check()
    };
    assert!(chat(1).is_ok() && chat(365).is_ok());
    assert_eq!(field(chat(0)), Some("chatDays".to_owned()));
    assert_eq!(field(chat(366)), Some("chatDays".to_owned()));
    assert_eq!(RetentionPolicy::default().chat_days, 30);
    assert!(RetentionPolicy::default().check().is_ok());
}
