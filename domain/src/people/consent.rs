//! Consents per purpose, given and withdrawn over time. The history is append-only; the current
//! state of a purpose is its latest record, and a withdrawal takes effect at once.

use chrono::{DateTime, Utc};

use crate::error::{DomainError, DomainResult};
use crate::ids::UserId;

/// What a consent is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConsentPurpose {
    /// Processing a referral about the citizen.
    ReferralProcessing,
    /// Being contacted.
    Contact,
    /// Sharing the coded outcome with the referrer.
    ShareOutcomeWithReferrer,
    /// Outcome measurement (CHIME questionnaires).
    OutcomeMeasurement,
    /// Taking part in research.
    ResearchParticipation,
}

impl ConsentPurpose {
    /// Every purpose.
    pub const ALL: [Self; 5] = [
        Self::ReferralProcessing,
        Self::Contact,
        Self::ShareOutcomeWithReferrer,
        Self::OutcomeMeasurement,
        Self::ResearchParticipation,
    ];

    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ReferralProcessing => "REFERRAL_PROCESSING",
            Self::Contact => "CONTACT",
            Self::ShareOutcomeWithReferrer => "SHARE_OUTCOME_WITH_REFERRER",
            Self::OutcomeMeasurement => "OUTCOME_MEASUREMENT",
            Self::ResearchParticipation => "RESEARCH_PARTICIPATION",
        }
    }
}

impl std::str::FromStr for ConsentPurpose {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| DomainError::validation("purpose", "unknown consent purpose"))
    }
}

/// How the consent was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsentEvidence {
    /// Given verbally to the referrer.
    VerbalToReferrer,
    /// Written and signed.
    Written,
    /// Given digitally by the citizen themself.
    Digital,
}

impl ConsentEvidence {
    /// Every kind.
    pub const ALL: [Self; 3] = [Self::VerbalToReferrer, Self::Written, Self::Digital];

    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::VerbalToReferrer => "VERBAL_TO_REFERRER",
            Self::Written => "WRITTEN",
            Self::Digital => "DIGITAL",
        }
    }
}

impl std::str::FromStr for ConsentEvidence {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| DomainError::validation("evidence", "unknown evidence kind"))
    }
}

/// One consent event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentRecord {
    /// For what.
    pub purpose: ConsentPurpose,
    /// Given (`true`) or withdrawn (`false`).
    pub given: bool,
    /// When it took effect.
    pub at: DateTime<Utc>,
    /// Who recorded it (the citizen themself for digital consent).
    pub recorded_by: Option<UserId>,
    /// How it was obtained.
    pub evidence: ConsentEvidence,
    /// The version of the purpose's text (ADR 0044). `None` going in: the store records the
    /// version in force. `Some` going in: the version the client showed, which the store
    /// checks is the current one (`Conflict::ConsentTextChanged` otherwise). Coming out, `None`
    /// means recorded before versions were kept or while none was published.
    pub text_version: Option<u32>,
}

/// A consent obtained before a citizen is registered, as a coordinator enters it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConsentGiven {
    /// For what.
    pub purpose: ConsentPurpose,
    /// How it was obtained.
    pub evidence: ConsentEvidence,
    /// The version of the purpose's text the citizen was shown, when the client knows it
    /// (checked against the current one by the store).
    pub text_version: Option<u32>,
}

impl ConsentGiven {
    /// A consent without a named text version (the store records the one in force).
    #[must_use]
    pub const fn new(purpose: ConsentPurpose, evidence: ConsentEvidence) -> Self {
        Self {
            purpose,
            evidence,
            text_version: None,
        }
    }
}

/// A version a client names is a published version's number: 1 or more.
///
/// # Errors
/// `Validation` on `textVersion` for 0.
pub fn check_text_version(version: Option<u32>) -> DomainResult<()> {
    if version == Some(0) {
        return Err(DomainError::validation(
            "textVersion",
            "versions are numbered from 1",
        ));
    }
    Ok(())
}

/// A record that names the text version its client showed must name the purpose's current
/// version (`current`), so that nobody is recorded as agreeing to a wording they did not see;
/// records naming none are not judged (the version in force is recorded).
///
/// # Errors
/// `Conflict::ConsentTextChanged` for the first record whose version is not current (or whose
/// purpose has no text).
pub fn check_shown_versions(
    records: &[ConsentRecord],
    current: impl Fn(ConsentPurpose) -> Option<u32>,
) -> DomainResult<()> {
    for record in records {
        let Some(shown) = record.text_version else {
            continue;
        };
        let now = current(record.purpose);
        if now != Some(shown) {
            return Err(crate::error::Conflict::ConsentTextChanged {
                purpose: record.purpose.as_str(),
                current: now,
            }
            .into());
        }
    }
    Ok(())
}

/// The current state of each purpose, from a history in time order.
#[must_use]
pub fn current_consents(history: &[ConsentRecord]) -> Vec<ConsentRecord> {
    let mut latest: std::collections::BTreeMap<ConsentPurpose, &ConsentRecord> =
        std::collections::BTreeMap::new();
    for record in history {
        latest.insert(record.purpose, record);
    }
    latest.into_values().cloned().collect()
}

/// Whether `purpose` is currently given.
#[must_use]
pub fn has_consent(history: &[ConsentRecord], purpose: ConsentPurpose) -> bool {
    history
        .iter()
        .rev()
        .find(|r| r.purpose == purpose)
        .is_some_and(|r| r.given)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(purpose: ConsentPurpose, given: bool, minute: u32) -> ConsentRecord {
        ConsentRecord {
            purpose,
            given,
            at: chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 1, 1, 10, minute, 0).unwrap(),
            recorded_by: None,
            evidence: ConsentEvidence::Written,
            text_version: None,
        }
    }

    #[test]
    fn the_latest_record_of_a_purpose_is_its_state() {
        use ConsentPurpose::*;
        let history = vec![
            record(Contact, true, 0),
            record(ResearchParticipation, true, 1),
            record(ResearchParticipation, false, 2),
        ];
        assert!(has_consent(&history, Contact));
        assert!(!has_consent(&history, ResearchParticipation));
        assert!(!has_consent(&history, OutcomeMeasurement));
        let current = current_consents(&history);
        assert_eq!(current.len(), 2);
        assert!(
            current
                .iter()
                .any(|r| r.purpose == ResearchParticipation && !r.given)
        );
    }
}
