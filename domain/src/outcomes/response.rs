//! Answered questionnaires and the courses of support they measure. A course of support is a
//! one-to-one match (from the moment it starts until it completes or ends early) or a place
//! on a course (from its first session to its last). Each is measured at baseline, end and
//! follow-up; an answer records the instrument version it answered, the point and how it was
//! given.

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{DomainError, DomainResult};
use crate::ids::UserId;
use crate::ids::{CitizenId, EnrolmentId, InstrumentId, OfferId, PeerId, ReferralId, ResponseId};
use crate::outcomes::schedule::{AnswerMode, Due, MeasurementPoint, Support};
use crate::people::OfferType;

/// A course of support that is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SupportRef {
    /// A one-to-one match: the referral assigned to a peer.
    Match(ReferralId),
    /// A place on a course.
    Course(EnrolmentId),
}

impl SupportRef {
    /// The id of the referral or enrolment (time-ordered, so worklists page by it).
    #[must_use]
    pub const fn uuid(&self) -> uuid::Uuid {
        match self {
            Self::Match(id) => id.as_uuid(),
            Self::Course(id) => id.as_uuid(),
        }
    }
}

/// A course of support as measurement sees it: whose, with whom, of which offer, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeasuredSupport {
    /// The match or the place.
    pub support: SupportRef,
    /// The citizen supported.
    pub citizen_id: CitizenId,
    /// The citizen's pseudonym (worklists show no names).
    pub citizen_pseudonym: String,
    /// The match's peer; the course's facilitators for a place.
    pub peers: Vec<PeerId>,
    /// The offer, when known (a match may have none).
    pub offer_id: Option<OfferId>,
    /// The kind of support.
    pub offer_type: OfferType,
    /// When it started and ended.
    pub span: Support,
    /// The points answered already.
    pub answered: Vec<MeasurementPoint>,
}

/// A course of support with the questionnaires open today.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueSupport {
    /// The support.
    pub support: MeasuredSupport,
    /// The open points, in order (never empty in a worklist).
    pub due: Vec<Due>,
}

/// One answered questionnaire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionnaireResponse {
    /// Id.
    pub id: ResponseId,
    /// Whose answers (sealed with their key at rest).
    pub citizen_id: CitizenId,
    /// The support measured.
    pub support: SupportRef,
    /// Its offer, when known.
    pub offer_id: Option<OfferId>,
    /// Its kind.
    pub offer_type: OfferType,
    /// The point.
    pub point: MeasurementPoint,
    /// How it was given.
    pub mode: AnswerMode,
    /// The instrument version answered.
    pub instrument_id: InstrumentId,
    /// One answer per item, in order (empty once the citizen was erased).
    pub answers: Vec<u8>,
    /// When.
    pub answered_at: DateTime<Utc>,
    /// Who entered it with the citizen (none when they answered themself).
    pub entered_by: Option<UserId>,
}

/// What a caller answers: the support, the point and the answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerInput {
    /// The support measured.
    pub support: SupportRef,
    /// The point.
    pub point: MeasurementPoint,
    /// The instrument version shown.
    pub instrument_id: InstrumentId,
    /// One answer per item.
    pub answers: Vec<i64>,
}

impl AnswerInput {
    /// The answers as scale values; off-range values are for the instrument to refuse.
    ///
    /// # Errors
    /// `Validation` (`answers`) for a negative or huge answer.
    pub fn values(&self) -> DomainResult<Vec<u8>> {
        Self::scale_values(&self.answers)
    }

    /// Answers as scale values (0–255), each checked.
    ///
    /// # Errors
    /// `Validation` (`answers`) for a value off the scale.
    pub fn scale_values<T: Copy + TryInto<u8>>(answers: &[T]) -> DomainResult<Vec<u8>> {
        answers
            .iter()
            .enumerate()
            .map(|(n, a)| {
                (*a).try_into().map_err(|_| {
                    DomainError::validation("answers", format!("answer {} is off the scale", n + 1))
                })
            })
            .collect()
    }
}

/// A tenant's settings for outcome measurement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeSettings {
    /// Days from the end to the follow-up (28–365; 91 unless set).
    pub follow_up_days: u32,
    /// The smallest count a report publishes, and the fewest persons a statistic is computed
    /// over (3 or more; 5 unless set).
    pub disclosure_threshold: u32,
    /// The key of the instrument citizens answer (its newest version is asked).
    pub citizen_instrument_key: String,
    /// Whether the partnership's aggregates go into the national view (ADR 0034); off unless
    /// its tenant admin opts in.
    pub national_reporting: bool,
    /// Days between a peer's own questionnaire rounds (91–365; 182 unless set).
    pub peer_round_days: u32,
    /// The key of the instrument peers answer about themselves (its newest version is asked).
    pub peer_instrument_key: String,
}

/// The disclosure threshold unless a tenant sets another.
pub const DEFAULT_DISCLOSURE_THRESHOLD: u32 = 5;
/// The key of the seeded citizen questionnaire, asked unless a tenant sets another.
pub const DEFAULT_CITIZEN_INSTRUMENT: &str = crate::outcomes::seeded::CITIZEN_KEY;

impl Default for OutcomeSettings {
    fn default() -> Self {
        Self {
            follow_up_days: crate::outcomes::schedule::DEFAULT_FOLLOW_UP_DAYS,
            disclosure_threshold: DEFAULT_DISCLOSURE_THRESHOLD,
            citizen_instrument_key: DEFAULT_CITIZEN_INSTRUMENT.to_owned(),
            national_reporting: false,
            peer_round_days: crate::outcomes::schedule::DEFAULT_PEER_ROUND_DAYS,
            peer_instrument_key: crate::outcomes::seeded::PEER_KEY.to_owned(),
        }
    }
}

/// Changes to a tenant's outcome settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutcomeSettingsPatch {
    /// New follow-up days.
    pub follow_up_days: Option<i64>,
    /// New disclosure threshold.
    pub disclosure_threshold: Option<i64>,
    /// New citizen instrument key.
    pub citizen_instrument_key: Option<String>,
    /// Opt in to (or out of) the national view.
    pub national_reporting: Option<bool>,
    /// New days between peers' rounds.
    pub peer_round_days: Option<i64>,
    /// New peer instrument key.
    pub peer_instrument_key: Option<String>,
}

/// The largest disclosure threshold a tenant may set.
pub const MAX_DISCLOSURE_THRESHOLD: u32 = 50;

impl OutcomeSettings {
    /// The settings with `patch` applied and checked (the instrument key is checked against
    /// the tenant's instruments by the use case).
    ///
    /// # Errors
    /// `Validation`: `followUpDays` outside 28–365; `disclosureThreshold` outside 3–50 (never
    /// below 3, as the issue of published counts demands).
    pub fn patched(&self, patch: &OutcomeSettingsPatch) -> DomainResult<Self> {
        let mut next = self.clone();
        if let Some(days) = patch.follow_up_days {
            next.follow_up_days = u32::try_from(days)
                .map_err(|_| DomainError::validation("followUpDays", "must be between 28 and 365"))
                .and_then(crate::outcomes::schedule::follow_up_days)?;
        }
        if let Some(threshold) = patch.disclosure_threshold {
            next.disclosure_threshold = u32::try_from(threshold)
                .ok()
                .filter(|t| (3..=MAX_DISCLOSURE_THRESHOLD).contains(t))
                .ok_or_else(|| {
                    DomainError::validation(
                        "disclosureThreshold",
                        format!("must be between 3 and {MAX_DISCLOSURE_THRESHOLD}"),
                    )
                })?;
        }
        if let Some(key) = &patch.citizen_instrument_key {
            next.citizen_instrument_key = key.trim().to_owned();
        }
        if let Some(national) = patch.national_reporting {
            next.national_reporting = national;
        }
        if let Some(days) = patch.peer_round_days {
            next.peer_round_days = u32::try_from(days)
                .ok()
                .filter(|d| crate::outcomes::schedule::PEER_ROUND_DAYS.contains(d))
                .ok_or_else(|| {
                    DomainError::validation("peerRoundDays", "must be between 91 and 365")
                })?;
        }
        if let Some(key) = &patch.peer_instrument_key {
            next.peer_instrument_key = key.trim().to_owned();
        }
        Ok(next)
    }
}

/// The day the earliest support that could still have an open point may have ended or
/// started: older supports are not read for worklists.
#[must_use]
pub fn oldest_relevant(today: NaiveDate, follow_up_days: u32) -> NaiveDate {
    let back = u64::from(follow_up_days + crate::outcomes::schedule::ANSWER_WINDOW_DAYS);
    today
        .checked_sub_days(chrono::Days::new(back))
        .unwrap_or(today)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_at_their_limits() {
        let base = OutcomeSettings::default();
        assert_eq!(base.follow_up_days, 91);
        assert_eq!(base.disclosure_threshold, 5);
        for (t, ok) in [(2, false), (3, true), (50, true), (51, false), (-1, false)] {
            let patch = OutcomeSettingsPatch {
                disclosure_threshold: Some(t),
                ..OutcomeSettingsPatch::default()
            };
            assert_eq!(base.patched(&patch).is_ok(), ok, "{t}");
        }
        for (d, ok) in [(27, false), (28, true), (365, true), (366, false)] {
            let patch = OutcomeSettingsPatch {
                follow_up_days: Some(d),
                ..OutcomeSettingsPatch::default()
            };
            assert_eq!(base.patched(&patch).is_ok(), ok, "{d}");
        }
    }

    #[test]
    fn answers_are_scale_values() {
        let input = |answers: Vec<i64>| AnswerInput {
            support: SupportRef::Match(ReferralId::new()),
            point: MeasurementPoint::Baseline,
            instrument_id: InstrumentId::new(),
            answers,
        };
        assert_eq!(input(vec![0, 4, 255]).values().unwrap(), [0, 4, 255]);
        assert!(input(vec![0, -1]).values().is_err());
        assert!(input(vec![256]).values().is_err());
    }
}
