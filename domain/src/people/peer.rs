//! Peer workers, paid and voluntary, and the volunteer pipeline:
//! `APPLICANT → SCREENING → TRAINING → ACTIVE ⇄ PAUSED → ENDED`. Only active peers can be
//! matched. A volunteer cannot become active while a required certificate (criminal-record,
//! child) is missing or not clear; paid peers start active, with an employment record.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{OrganisationId, PeerId, UserId};
use crate::privacy::Personal;

stored_enum!(
    /// Paid (employed) or voluntary.
    PeerKind { Paid = "PAID", Voluntary = "VOLUNTARY" }
);

stored_enum!(
    /// Where a peer is in the pipeline.
    PeerStatus {
        /// Has applied.
        Applicant = "APPLICANT",
        /// Being screened (interviews, certificates).
        Screening = "SCREENING",
        /// In training.
        Training = "TRAINING",
        /// Can be matched.
        Active = "ACTIVE",
        /// Temporarily not taking matches.
        Paused = "PAUSED",
        /// No longer a peer worker.
        Ended = "ENDED",
    }
);

stored_enum!(
    /// A move in the pipeline.
    PipelineAction {
        /// Applicant → screening.
        StartScreening = "START_SCREENING",
        /// Screening → training.
        StartTraining = "START_TRAINING",
        /// Training → active.
        Activate = "ACTIVATE",
        /// Active → paused.
        Pause = "PAUSE",
        /// Paused → active.
        Resume = "RESUME",
        /// Any status but ended → ended.
        End = "END",
    }
);

stored_enum!(
    /// The kinds of offer a peer can run.
    OfferType {
        /// Peer-group course.
        GroupCourse = "GROUP_COURSE",
        /// One-to-one accompaniment (følgeskab).
        OneToOne = "ONE_TO_ONE",
        /// Recovery café.
        RecoveryCafe = "RECOVERY_CAFE",
        /// Anonymous chat.
        AnonymousChat = "ANONYMOUS_CHAT",
    }
);

stored_enum!(
    /// Certificates checked for volunteers (the date and result, never the document).
    CertificateKind {
        /// Straffeattest.
        CriminalRecord = "CRIMINAL_RECORD",
        /// Børneattest.
        ChildCertificate = "CHILD_CERTIFICATE",
    }
);

stored_enum!(
    /// The result of a certificate check.
    CertificateResult {
        /// Nothing recorded.
        Clear = "CLEAR",
        /// Something recorded; the coordinator decides.
        NotClear = "NOT_CLEAR",
    }
);

stored_enum!(
    /// The outcome of a screening interview.
    ScreeningOutcome {
        /// Go on.
        Approved = "APPROVED",
        /// Another interview is needed.
        FollowUp = "FOLLOW_UP",
        /// Not suited now.
        NotApproved = "NOT_APPROVED",
    }
);

/// The certificates a volunteer needs before becoming active.
pub const REQUIRED_CERTIFICATES: [CertificateKind; 2] = [
    CertificateKind::CriminalRecord,
    CertificateKind::ChildCertificate,
];

/// A certificate check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    /// Which.
    pub kind: CertificateKind,
    /// When it was checked.
    pub checked_on: NaiveDate,
    /// The result.
    pub result: CertificateResult,
}

/// A screening interview.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Screening {
    /// When.
    pub held_on: NaiveDate,
    /// Who interviewed.
    pub interviewer: UserId,
    /// The outcome.
    pub outcome: ScreeningOutcome,
}

/// A completed training course.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Training {
    /// The course.
    pub course: String,
    /// Completed on.
    pub completed_on: NaiveDate,
}

/// A move in the pipeline, with who and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    /// From.
    pub from: PeerStatus,
    /// To.
    pub to: PeerStatus,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Option<UserId>,
    /// Why (short, no personal data).
    pub reason: Option<String>,
}

/// A paid peer's employment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Employment {
    /// The employer.
    pub organisation_id: OrganisationId,
    /// Contracted hours per week (in tenths of an hour: 370 = 37 h).
    pub weekly_hours_tenths: u32,
    /// From.
    pub start: NaiveDate,
    /// Until (open-ended when absent).
    pub end: Option<NaiveDate>,
}

impl Employment {
    /// Validates an employment.
    ///
    /// # Errors
    /// `Validation` for hours outside 0.1–48 or an end before the start.
    pub fn new(
        organisation_id: OrganisationId,
        weekly_hours: f64,
        start: NaiveDate,
        end: Option<NaiveDate>,
    ) -> DomainResult<Self> {
        Ok(Self {
            organisation_id,
            weekly_hours_tenths: hours_tenths("weeklyHours", weekly_hours, 48.0)?,
            start,
            end: check_period(start, end)?,
        })
    }
}

/// Hours as tenths, within (0, max].
///
/// # Errors
/// `Validation` outside the range.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub fn hours_tenths(field: &str, hours: f64, max: f64) -> DomainResult<u32> {
    if !hours.is_finite() || hours <= 0.0 || hours > max {
        return Err(DomainError::validation(
            field,
            format!("must be more than 0 and at most {max}"),
        ));
    }
    Ok((hours * 10.0).round() as u32)
}

/// Checks that `end`, if any, is not before `start`.
///
/// # Errors
/// `Validation` when it is.
pub fn check_period(start: NaiveDate, end: Option<NaiveDate>) -> DomainResult<Option<NaiveDate>> {
    match end {
        Some(end) if end < start => Err(DomainError::validation(
            "endsOn",
            "must not be before startsOn",
        )),
        other => Ok(other),
    }
}

/// A peer worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerWorker {
    /// Id.
    pub id: PeerId,
    /// Their login, if they have one (a peer sees their own profile through it).
    pub user_id: Option<UserId>,
    /// Paid or voluntary.
    pub kind: PeerKind,
    /// Pipeline status.
    pub status: PeerStatus,
    /// Name (encrypted at rest with the peer's key).
    pub name: Option<Personal>,
    /// Contact details (encrypted at rest).
    pub contact: Option<Personal>,
    /// Languages they can support in.
    pub languages: Vec<String>,
    /// Offer types they can run.
    pub offer_types: BTreeSet<OfferType>,
    /// Most concurrent one-to-one matches.
    pub max_matches: u8,
    /// Their organisation.
    pub organisation_id: OrganisationId,
    /// Registered.
    pub created_at: DateTime<Utc>,
    /// Screening interviews, oldest first.
    pub screenings: Vec<Screening>,
    /// Certificate checks, oldest first (the latest of a kind counts).
    pub certificates: Vec<Certificate>,
    /// Training courses completed.
    pub trainings: Vec<Training>,
    /// Pipeline moves, oldest first.
    pub transitions: Vec<Transition>,
    /// Employment (paid peers).
    pub employment: Option<Employment>,
}

impl PeerWorker {
    /// The latest check of `kind`, if any.
    #[must_use]
    pub fn certificate(&self, kind: CertificateKind) -> Option<&Certificate> {
        self.certificates.iter().rev().find(|c| c.kind == kind)
    }

    /// The required certificates that are missing or not clear.
    #[must_use]
    pub fn missing_certificates(&self) -> Vec<CertificateKind> {
        REQUIRED_CERTIFICATES
            .into_iter()
            .filter(|k| {
                self.certificate(*k)
                    .is_none_or(|c| c.result != CertificateResult::Clear)
            })
            .collect()
    }

    /// Applies a pipeline move, recording it.
    ///
    /// # Errors
    /// `Conflict` for a move not allowed from the current status, or activating a volunteer
    /// whose required certificates are missing or not clear.
    pub fn apply(
        &mut self,
        action: PipelineAction,
        actor: Option<UserId>,
        reason: Option<String>,
        at: DateTime<Utc>,
    ) -> DomainResult<()> {
        let to = next_status(self.status, action).ok_or_else(|| {
            DomainError::Conflict(Conflict::IllegalTransition {
                action: action.as_str(),
                from: self.status.as_str(),
            })
        })?;
        if to == PeerStatus::Active && self.kind == PeerKind::Voluntary {
            let missing = self.missing_certificates();
            if !missing.is_empty() {
                let names = missing.iter().map(|k| k.as_str()).collect();
                return Err(DomainError::Conflict(Conflict::CertificatesMissing(names)));
            }
        }
        self.transitions.push(Transition {
            from: self.status,
            to,
            at,
            actor,
            reason,
        });
        self.status = to;
        Ok(())
    }
}

/// The pipeline's transition table: the status `action` leads to from `from`, if allowed.
#[must_use]
pub const fn next_status(from: PeerStatus, action: PipelineAction) -> Option<PeerStatus> {
    use PeerStatus as S;
    use PipelineAction as A;
    match (from, action) {
        (S::Applicant, A::StartScreening) => Some(S::Screening),
        (S::Screening, A::StartTraining) => Some(S::Training),
        (S::Training, A::Activate) => Some(S::Active),
        (S::Active, A::Pause) => Some(S::Paused),
        (S::Paused, A::Resume) => Some(S::Active),
        (S::Applicant | S::Screening | S::Training | S::Active | S::Paused, A::End) => {
            Some(S::Ended)
        }
        _ => None,
    }
}

#[cfg(test)]
#[path = "peer_tests.rs"]
mod tests;
