//! The referral aggregate and what the closed loop shows a referrer.

use chrono::{DateTime, Utc};

use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{CitizenId, OfferId, OrganisationId, PeerId, ReferralId, UserId};
use crate::people::PeerStatus;
use crate::privacy::Personal;
use crate::referral::model::{
    DeclineReason, MoveDetails, OutcomeCode, ReferralAction, ReferralState, ReferralTransition,
    transition,
};

/// What a move needs to know about the peer it assigns, read under the peer's lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerCapacity {
    /// The peer.
    pub peer_id: PeerId,
    /// Their status.
    pub status: PeerStatus,
    /// Their maximum concurrent one-to-one matches.
    pub max_matches: u8,
    /// Referrals currently assigned to them and not finished.
    pub open_matches: u32,
}

/// A referral of a citizen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Referral {
    /// Id.
    pub id: ReferralId,
    /// The citizen referred.
    pub citizen_id: CitizenId,
    /// The referring user.
    pub referrer_id: UserId,
    /// The referrer's organisation: everyone there follows the referral.
    pub referrer_organisation_id: OrganisationId,
    /// Where it is.
    pub state: ReferralState,
    /// Why the citizen is referred (personal data, encrypted with the citizen's key).
    pub reason: Option<Personal>,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// When first contact was made (the key service measure is the time from submission).
    pub first_contact_at: Option<DateTime<Utc>>,
    /// When it was last assigned.
    pub assigned_at: Option<DateTime<Utc>>,
    /// The peer it is assigned to, while assigned.
    pub assigned_peer_id: Option<PeerId>,
    /// The offer the referrer asked for (`None`: the coordinator decides).
    pub requested_offer_id: Option<OfferId>,
    /// The course it is assigned to, while assigned.
    pub assigned_offer_id: Option<OfferId>,
    /// The coded outcome, once support ended.
    pub outcome: Option<OutcomeCode>,
    /// Why it was declined.
    pub decline_reason: Option<DeclineReason>,
    /// The latest feedback line for the referrer.
    pub feedback: Option<String>,
    /// The referrer's own reference for the case ([`crate::referral::CaseReference`]).
    pub case_reference: Option<String>,
    /// Every move, oldest first.
    pub transitions: Vec<ReferralTransition>,
}

impl Referral {
    /// Names the peer an assignment goes to: an active peer with a free one-to-one place.
    ///
    /// # Errors
    /// `Conflict` for a peer who is not active or whose places are all taken.
    pub fn assign_peer(&mut self, peer: &PeerCapacity) -> DomainResult<()> {
        if peer.status != PeerStatus::Active {
            return Err(DomainError::Conflict(Conflict::PeerNotActive));
        }
        if peer.open_matches >= u32::from(peer.max_matches) {
            return Err(DomainError::Conflict(Conflict::PeerAtCapacity {
                open: peer.open_matches,
                max: u32::from(peer.max_matches),
            }));
        }
        self.assigned_peer_id = Some(peer.peer_id);
        Ok(())
    }

    /// Applies a move, keeping the closed-loop fields in step.
    ///
    /// # Errors
    /// `Validation` for details that do not fit; `Conflict` for an illegal move.
    pub fn apply(
        &mut self,
        action: ReferralAction,
        details: MoveDetails,
        actor: Option<UserId>,
        at: DateTime<Utc>,
    ) -> DomainResult<()> {
        let moved = transition(self.state, action, details, actor, at)?;
        match action {
            ReferralAction::Assign => self.assigned_at = Some(at),
            ReferralAction::Reassign => {
                self.assigned_at = None;
                self.assigned_peer_id = None;
                self.assigned_offer_id = None;
            }
            ReferralAction::RecordContact if self.first_contact_at.is_none() => {
                self.first_contact_at = Some(at);
            }
            _ => {}
        }
        if let Some(outcome) = moved.details.outcome {
            self.outcome = Some(outcome);
        }
        if let Some(reason) = moved.details.decline_reason {
            self.decline_reason = Some(reason);
        }
        if let Some(feedback) = &moved.details.feedback {
            self.feedback = Some(feedback.trim().to_owned());
        }
        self.state = moved.to;
        self.transitions.push(moved);
        Ok(())
    }

    /// Hours from submission to first contact, once contact was made.
    #[must_use]
    pub fn hours_to_first_contact(&self) -> Option<i64> {
        self.first_contact_at
            .map(|c| (c - self.submitted_at).num_hours())
    }

    /// Whole minutes from submission to first contact, once contact is made.
    #[must_use]
    pub fn minutes_to_first_contact(&self) -> Option<i64> {
        self.first_contact_at
            .map(|c| (c - self.submitted_at).num_minutes())
    }

    /// Whether it has waited in `ASSIGNED` without contact longer than `limit_days`.
    #[must_use]
    pub fn contact_overdue(&self, limit_days: i64, now: DateTime<Utc>) -> bool {
        self.state == ReferralState::Assigned
            && self
                .assigned_at
                .is_some_and(|at| (now - at).num_days() > limit_days)
    }
}

stored_enum!(
    /// Why a referrer's view of a referral shows no outcome. Whether the citizen never agreed
    /// to share it or took the agreement back is not told apart: that is the citizen's own
    /// business.
    OutcomeAbsence {
        /// The referral is still open: there is no outcome yet.
        NotYet = "NOT_YET",
        /// An outcome is recorded, but the citizen does not (or no longer) agree to share it.
        NotShared = "NOT_SHARED",
        /// The referral was withdrawn: there will be no outcome.
        Withdrawn = "WITHDRAWN",
        /// The referral ended without support (declined, or the citizen could not be
        /// reached): there is no outcome.
        EndedWithoutSupport = "ENDED_WITHOUT_SUPPORT",
    }
);

/// What the referrer's organisation sees of a referral: status, dates and feedback, and the
/// coded outcome only while the citizen consents to sharing it. Nothing else about the citizen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferrerView {
    /// Id.
    pub id: ReferralId,
    /// Status.
    pub state: ReferralState,
    /// Submitted.
    pub submitted_at: DateTime<Utc>,
    /// First contact.
    pub first_contact_at: Option<DateTime<Utc>>,
    /// The latest move.
    pub updated_at: DateTime<Utc>,
    /// Feedback for the referrer.
    pub feedback: Option<String>,
    /// The outcome, if shared.
    pub outcome: Option<OutcomeCode>,
    /// Why it was declined.
    pub decline_reason: Option<DeclineReason>,
    /// Why `outcome` is absent; `None` when it is shown.
    pub outcome_absence: Option<OutcomeAbsence>,
    /// The offer the referrer asked for.
    pub requested_offer_id: Option<OfferId>,
    /// The referrer's own reference for the case.
    pub case_reference: Option<String>,
}

impl ReferrerView {
    /// The view of `referral`, showing the outcome only if `outcome_shared`.
    #[must_use]
    pub fn of(referral: &Referral, outcome_shared: bool) -> Self {
        Self {
            id: referral.id,
            state: referral.state,
            submitted_at: referral.submitted_at,
            first_contact_at: referral.first_contact_at,
            updated_at: referral
                .transitions
                .last()
                .map_or(referral.submitted_at, |t| t.at),
            feedback: referral.feedback.clone(),
            outcome: referral.outcome.filter(|_| outcome_shared),
            decline_reason: referral.decline_reason,
            outcome_absence: Self::absence(referral, outcome_shared),
            requested_offer_id: referral.requested_offer_id,
            case_reference: referral.case_reference.clone(),
        }
    }

    fn absence(referral: &Referral, outcome_shared: bool) -> Option<OutcomeAbsence> {
        match (referral.outcome, referral.state) {
            (Some(_), _) if outcome_shared => None,
            (Some(_), _) => Some(OutcomeAbsence::NotShared),
            (None, ReferralState::Withdrawn) => Some(OutcomeAbsence::Withdrawn),
            (None, state) if state.is_final() => Some(OutcomeAbsence::EndedWithoutSupport),
            (None, _) => Some(OutcomeAbsence::NotYet),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn referral() -> Referral {
        Referral {
            id: ReferralId::new(),
            citizen_id: CitizenId::new(),
            referrer_id: UserId::new(),
            referrer_organisation_id: OrganisationId::new(),
            state: ReferralState::Submitted,
            reason: None,
            submitted_at: Utc::now() - chrono::Duration::days(20),
            first_contact_at: None,
            assigned_at: None,
            assigned_peer_id: None,
            requested_offer_id: None,
            assigned_offer_id: None,
            outcome: None,
            decline_reason: None,
            feedback: None,
            case_reference: None,
            transitions: vec![],
        }
    }

    #[test]
    fn the_closed_loop_shows_the_outcome_only_with_consent() {
        let mut r = referral();
        let now = Utc::now();
        for action in [
            ReferralAction::Accept,
            ReferralAction::Assign,
            ReferralAction::RecordContact,
            ReferralAction::Start,
        ] {
            r.apply(action, MoveDetails::default(), None, now).unwrap();
            assert_eq!(
                ReferrerView::of(&r, true).outcome_absence,
                Some(OutcomeAbsence::NotYet),
                "open: {:?}",
                r.state
            );
        }
        let details = MoveDetails {
            outcome: Some(OutcomeCode::GoalReached),
            feedback: Some("Forløbet er afsluttet".to_owned()),
            ..MoveDetails::default()
        };
        r.apply(ReferralAction::Complete, details, None, now)
            .unwrap();
        assert_eq!(
            ReferrerView::of(&r, true).outcome,
            Some(OutcomeCode::GoalReached)
        );
        assert_eq!(ReferrerView::of(&r, true).outcome_absence, None);
        assert_eq!(ReferrerView::of(&r, false).outcome, None);
        assert_eq!(
            ReferrerView::of(&r, false).outcome_absence,
            Some(OutcomeAbsence::NotShared)
        );
        assert_eq!(
            ReferrerView::of(&r, false).feedback.as_deref(),
            Some("Forløbet er afsluttet")
        );
        assert_eq!(r.hours_to_first_contact(), Some(20 * 24));
    }

    #[test]
    fn a_referral_that_ended_without_support_says_so() {
        let mut withdrawn = referral();
        withdrawn
            .apply(
                ReferralAction::Withdraw,
                MoveDetails::default(),
                None,
                Utc::now(),
            )
            .unwrap();
        assert_eq!(
            ReferrerView::of(&withdrawn, true).outcome_absence,
            Some(OutcomeAbsence::Withdrawn)
        );
        let mut declined = referral();
        let why = MoveDetails {
            decline_reason: Some(DeclineReason::ALL[0]),
            ..MoveDetails::default()
        };
        declined
            .apply(ReferralAction::Decline, why, None, Utc::now())
            .unwrap();
        assert_eq!(
            ReferrerView::of(&declined, false).outcome_absence,
            Some(OutcomeAbsence::EndedWithoutSupport)
        );
    }

    #[test]
    fn an_assignment_without_contact_becomes_overdue() {
        let mut r = referral();
        let then = Utc::now() - chrono::Duration::days(15);
        r.apply(ReferralAction::Accept, MoveDetails::default(), None, then)
            .unwrap();
        r.apply(ReferralAction::Assign, MoveDetails::default(), None, then)
            .unwrap();
        assert!(r.contact_overdue(14, Utc::now()));
        assert!(!r.contact_overdue(20, Utc::now()));
        r.apply(
            ReferralAction::Reassign,
            MoveDetails::default(),
            None,
            Utc::now(),
        )
        .unwrap();
        assert!(
            !r.contact_overdue(14, Utc::now()),
            "reassigned: back to ACCEPTED"
        );
    }
}
