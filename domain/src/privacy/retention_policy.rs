//! A tenant's retention policy: how long each category is kept, within the platform's limits
//! (ADR 0042; chat: ADR 0046).

use serde::Serialize;

use crate::error::{DomainError, DomainResult};

/// Closed referrals keep their free text this long unless the tenant says otherwise.
pub const DEFAULT_CLOSED_REFERRAL_DAYS: u32 = 730;
/// Inactive citizens are kept this long unless the tenant says otherwise.
pub const DEFAULT_INACTIVE_CITIZEN_DAYS: u32 = 1825;
/// The shortest and longest retention a tenant may set for closed referrals' free text.
pub const CLOSED_REFERRAL_DAYS: std::ops::RangeInclusive<u32> = 90..=3650;
/// The shortest and longest retention a tenant may set for inactive citizens.
pub const INACTIVE_CITIZEN_DAYS: std::ops::RangeInclusive<u32> = 365..=3650;
/// Attendance marks and meetings are kept this long unless the tenant says otherwise.
pub const DEFAULT_ATTENDANCE_DAYS: u32 = 730;
/// The shortest and longest retention a tenant may set for attendance marks and meetings.
pub const ATTENDANCE_DAYS: std::ops::RangeInclusive<u32> = 90..=3650;
/// Questionnaire answers are kept this long unless the tenant says otherwise.
pub const DEFAULT_ANSWERS_DAYS: u32 = 1825;
/// The shortest and longest retention a tenant may set for questionnaire answers (at least a
/// year, so that a year's CHIME change can be reported).
pub const ANSWERS_DAYS: std::ops::RangeInclusive<u32> = 365..=3650;
/// Audit entries are kept this long unless the tenant says otherwise.
pub const DEFAULT_AUDIT_DAYS: u32 = 1825;
/// The shortest and longest retention a tenant may set for the audit log (at least six months;
/// the database refuses younger entries whatever is set).
pub const AUDIT_DAYS: std::ops::RangeInclusive<u32> = 183..=3650;

/// An ended chat conversation's ciphertext is kept this long unless the tenant says otherwise.
pub const DEFAULT_CHAT_DAYS: u32 = 30;
/// The shortest and longest retention a tenant may set for chat conversations (a day, for the
/// peer to finish; at most a year).
pub const CHAT_DAYS: std::ops::RangeInclusive<u32> = 1..=365;

/// A tenant's retention.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionPolicy {
    /// Days a closed referral keeps its free text.
    pub closed_referral_days: u32,
    /// Days without activity after which a citizen with nothing open is erased.
    pub inactive_citizen_days: u32,
    /// Days after a course session or a meeting that its attendance marks or the meeting are
    /// kept.
    pub attendance_days: u32,
    /// Days after they were given that questionnaire answers are kept.
    pub answers_days: u32,
    /// Days audit entries are kept.
    pub audit_days: u32,
    /// Days an ended chat conversation's ciphertext is kept.
    pub chat_days: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            closed_referral_days: DEFAULT_CLOSED_REFERRAL_DAYS,
            inactive_citizen_days: DEFAULT_INACTIVE_CITIZEN_DAYS,
            attendance_days: DEFAULT_ATTENDANCE_DAYS,
            answers_days: DEFAULT_ANSWERS_DAYS,
            audit_days: DEFAULT_AUDIT_DAYS,
            chat_days: DEFAULT_CHAT_DAYS,
        }
    }
}

impl RetentionPolicy {
    /// Checks every limit.
    ///
    /// # Errors
    /// `Validation` naming the first field out of range.
    pub fn check(self) -> DomainResult<Self> {
        for (field, value, range) in [
            (
                "closedReferralDays",
                self.closed_referral_days,
                CLOSED_REFERRAL_DAYS,
            ),
            (
                "inactiveCitizenDays",
                self.inactive_citizen_days,
                INACTIVE_CITIZEN_DAYS,
            ),
            ("attendanceDays", self.attendance_days, ATTENDANCE_DAYS),
            ("answersDays", self.answers_days, ANSWERS_DAYS),
            ("auditDays", self.audit_days, AUDIT_DAYS),
            ("chatDays", self.chat_days, CHAT_DAYS),
        ] {
            if !range.contains(&value) {
                return Err(DomainError::validation(
                    field,
                    format!("must be {}-{} days", range.start(), range.end()),
                ));
            }
        }
        Ok(self)
    }
}
