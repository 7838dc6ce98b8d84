//! The referral lifecycle as a state machine, exactly as in the domain model:
//!
//! ```text
//! submitted ─► accepted ─► assigned ─► in_contact ─► active ─► completed
//!     │            │           │            │           └────► ended_early
//!     │            │           ├──────────► no_contact
//!     │            │           └─(reassign)► accepted
//!     ├────────────┴───────────┴────────────┴─► withdrawn   (referrer or citizen)
//!     └────────────┴──────────────────────────► declined    (coordinator, with reason code)
//! ```
//! Every transition records actor, time, reason and optional feedback to the referrer.
//! `completed` and `ended_early` carry a coded outcome; `declined` a reason code.

use chrono::{DateTime, Utc};

use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::UserId;

stored_enum!(
    /// Where a referral is.
    ReferralState {
        /// Sent by the referrer.
        Submitted = "SUBMITTED",
        /// Triaged and accepted by a coordinator.
        Accepted = "ACCEPTED",
        /// Given to a peer or a course.
        Assigned = "ASSIGNED",
        /// First contact with the citizen made.
        InContact = "IN_CONTACT",
        /// Support is running.
        Active = "ACTIVE",
        /// Support ended as planned.
        Completed = "COMPLETED",
        /// Support ended before its planned end.
        EndedEarly = "ENDED_EARLY",
        /// The citizen could not be reached.
        NoContact = "NO_CONTACT",
        /// Withdrawn by the referrer or the citizen.
        Withdrawn = "WITHDRAWN",
        /// Declined by a coordinator.
        Declined = "DECLINED",
    }
);

stored_enum!(
    /// A move of a referral.
    ReferralAction {
        /// Submitted → accepted.
        Accept = "ACCEPT",
        /// Accepted → assigned (to a peer or a course).
        Assign = "ASSIGN",
        /// Assigned → accepted, to be assigned again.
        Reassign = "REASSIGN",
        /// Assigned → in contact.
        RecordContact = "RECORD_CONTACT",
        /// In contact → active.
        Start = "START",
        /// Active → completed (with an outcome).
        Complete = "COMPLETE",
        /// Active → ended early (with an outcome).
        EndEarly = "END_EARLY",
        /// Assigned → no contact.
        MarkNoContact = "MARK_NO_CONTACT",
        /// Submitted, accepted, assigned or in contact → withdrawn.
        Withdraw = "WITHDRAW",
        /// Submitted or accepted → declined (with a reason code).
        Decline = "DECLINE",
        /// Any open state, active support included → withdrawn, because the citizen withdrew
        /// their consent to the processing of referrals. Made only by the platform, in the
        /// same transaction as the withdrawal.
        ConsentWithdrawn = "CONSENT_WITHDRAWN",
    }
);

stored_enum!(
    /// The coded outcome of finished support.
    OutcomeCode {
        /// The citizen's goal was reached.
        GoalReached = "GOAL_REACHED",
        /// Moved on to a community activity.
        MovedOnToCommunityActivity = "MOVED_ON_TO_COMMUNITY_ACTIVITY",
        /// Dropped out.
        DroppedOut = "DROPPED_OUT",
        /// Moved away.
        MovedAway = "MOVED_AWAY",
        /// Needed other help.
        NeededOtherHelp = "NEEDED_OTHER_HELP",
        /// Something else.
        Other = "OTHER",
    }
);

stored_enum!(
    /// Why a coordinator declined.
    DeclineReason {
        /// Outside the offer's target group.
        OutsideTargetGroup = "OUTSIDE_TARGET_GROUP",
        /// No capacity now.
        NoCapacity = "NO_CAPACITY",
        /// Another kind of help fits better.
        OtherHelpFitsBetter = "OTHER_HELP_FITS_BETTER",
        /// A duplicate of another referral.
        Duplicate = "DUPLICATE",
        /// Something else.
        Other = "OTHER",
    }
);

impl ReferralState {
    /// Whether a referral in this state holds one of its peer's one-to-one places: while it
    /// is assigned, in contact or active, its match runs.
    #[must_use]
    pub const fn holds_peer_place(self) -> bool {
        matches!(self, Self::Assigned | Self::InContact | Self::Active)
    }

    /// Whether no move leads out of this state.
    #[must_use]
    pub fn is_final(self) -> bool {
        ReferralAction::ALL
            .iter()
            .all(|a| next_state(self, *a).is_none())
    }

    /// The HL7 FHIR Task status, for partners that speak FHIR.
    #[must_use]
    pub const fn fhir_task_status(self) -> &'static str {
        match self {
            Self::Submitted => "requested",
            Self::Accepted | Self::Assigned => "accepted",
            Self::InContact | Self::Active => "in-progress",
            Self::Completed => "completed",
            Self::EndedEarly | Self::NoContact => "failed",
            Self::Withdrawn => "cancelled",
            Self::Declined => "rejected",
        }
    }
}

impl ReferralAction {
    /// Whether the move gives up the referral's place on a course (the next on the waiting
    /// list gets it).
    #[must_use]
    pub const fn frees_course_place(self) -> bool {
        matches!(
            self,
            Self::Reassign
                | Self::Withdraw
                | Self::EndEarly
                | Self::MarkNoContact
                | Self::ConsentWithdrawn
        )
    }
}

/// The transition table: the state `action` leads to from `from`, if allowed.
#[must_use]
pub const fn next_state(from: ReferralState, action: ReferralAction) -> Option<ReferralState> {
    use ReferralAction as A;
    use ReferralState as S;
    match (from, action) {
        (S::Submitted, A::Accept) | (S::Assigned, A::Reassign) => Some(S::Accepted),
        (S::Accepted, A::Assign) => Some(S::Assigned),
        (S::Assigned, A::RecordContact) => Some(S::InContact),
        (S::InContact, A::Start) => Some(S::Active),
        (S::Active, A::Complete) => Some(S::Completed),
        (S::Active, A::EndEarly) => Some(S::EndedEarly),
        (S::Assigned, A::MarkNoContact) => Some(S::NoContact),
        (S::Submitted | S::Accepted | S::Assigned | S::InContact, A::Withdraw) => {
            Some(S::Withdrawn)
        }
        (S::Submitted | S::Accepted, A::Decline) => Some(S::Declined),
        (
            S::Submitted | S::Accepted | S::Assigned | S::InContact | S::Active,
            A::ConsentWithdrawn,
        ) => Some(S::Withdrawn),
        _ => None,
    }
}

/// What a move must carry beyond actor and time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MoveDetails {
    /// The outcome (`COMPLETE`, `END_EARLY`).
    pub outcome: Option<OutcomeCode>,
    /// The reason (`DECLINE`).
    pub decline_reason: Option<DeclineReason>,
    /// A short feedback line the referrer sees (at most 280 characters, no personal data).
    pub feedback: Option<String>,
}

/// One recorded move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralTransition {
    /// From.
    pub from: ReferralState,
    /// To.
    pub to: ReferralState,
    /// The move.
    pub action: ReferralAction,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Option<UserId>,
    /// The details it carried.
    pub details: MoveDetails,
}

/// Checks that `details` fit `action`: outcomes only (and always) on endings of support, a
/// reason only (and always) on declining, feedback short.
///
/// # Errors
/// `Validation` naming the field.
pub fn check_details(action: ReferralAction, details: &MoveDetails) -> DomainResult<()> {
    let ends_support = matches!(action, ReferralAction::Complete | ReferralAction::EndEarly);
    match (ends_support, details.outcome) {
        (true, None) => {
            return Err(DomainError::validation(
                "outcome",
                "is required to end support",
            ));
        }
        (false, Some(_)) => {
            return Err(DomainError::validation(
                "outcome",
                "is given only when support ends",
            ));
        }
        _ => {}
    }
    let declines = action == ReferralAction::Decline;
    match (declines, details.decline_reason) {
        (true, None) => return Err(DomainError::validation("reason", "is required to decline")),
        (false, Some(_)) => {
            return Err(DomainError::validation(
                "reason",
                "is given only when declining",
            ));
        }
        _ => {}
    }
    if let Some(feedback) = &details.feedback
        && (feedback.trim().is_empty()
            || feedback.chars().count() > 280
            || feedback.chars().any(char::is_control))
    {
        return Err(DomainError::validation(
            "feedback",
            "must be 1-280 characters on one line",
        ));
    }
    Ok(())
}

/// Moves `state` by `action`, producing the transition to record.
///
/// # Errors
/// `Validation` for details that do not fit the action; `Conflict` for a move not allowed
/// from `state`.
pub fn transition(
    state: ReferralState,
    action: ReferralAction,
    details: MoveDetails,
    actor: Option<UserId>,
    at: DateTime<Utc>,
) -> DomainResult<ReferralTransition> {
    check_details(action, &details)?;
    let to = next_state(state, action).ok_or_else(|| {
        DomainError::Conflict(Conflict::IllegalTransition {
            action: action.as_str(),
            from: state.as_str(),
        })
    })?;
    Ok(ReferralTransition {
        from: state,
        to,
        action,
        at,
        actor,
        details,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReferralAction as A;
    use ReferralState as S;

    const ALLOWED: &[(S, A, S)] = &[
        (S::Submitted, A::Accept, S::Accepted),
        (S::Accepted, A::Assign, S::Assigned),
        (S::Assigned, A::Reassign, S::Accepted),
        (S::Assigned, A::RecordContact, S::InContact),
        (S::InContact, A::Start, S::Active),
        (S::Active, A::Complete, S::Completed),
        (S::Active, A::EndEarly, S::EndedEarly),
        (S::Assigned, A::MarkNoContact, S::NoContact),
        (S::Submitted, A::Withdraw, S::Withdrawn),
        (S::Accepted, A::Withdraw, S::Withdrawn),
        (S::Assigned, A::Withdraw, S::Withdrawn),
        (S::InContact, A::Withdraw, S::Withdrawn),
        (S::Submitted, A::Decline, S::Declined),
        (S::Accepted, A::Decline, S::Declined),
        (S::Submitted, A::ConsentWithdrawn, S::Withdrawn),
        (S::Accepted, A::ConsentWithdrawn, S::Withdrawn),
        (S::Assigned, A::ConsentWithdrawn, S::Withdrawn),
        (S::InContact, A::ConsentWithdrawn, S::Withdrawn),
        (S::Active, A::ConsentWithdrawn, S::Withdrawn),
    ];

    fn details_for(action: A) -> MoveDetails {
        MoveDetails {
            outcome: matches!(action, A::Complete | A::EndEarly)
                .then_some(OutcomeCode::GoalReached),
            decline_reason: (action == A::Decline).then_some(DeclineReason::NoCapacity),
            feedback: Some("Kontakt etableret".to_owned()),
        }
    }

    /// Every state × every action: allowed to exactly the listed state, or a typed CONFLICT.
    #[test]
    fn the_transition_table_is_exhaustive() {
        for &from in S::ALL {
            for &action in A::ALL {
                let expected = ALLOWED
                    .iter()
                    .find(|(f, a, _)| *f == from && *a == action)
                    .map(|(_, _, to)| *to);
                assert_eq!(next_state(from, action), expected, "{from:?} × {action:?}");
                let result = transition(from, action, details_for(action), None, Utc::now());
                match expected {
                    Some(to) => {
                        assert_eq!(result.map(|t| t.to).ok(), Some(to), "{from:?} × {action:?}")
                    }
                    None => assert!(
                        matches!(result, Err(DomainError::Conflict(_))),
                        "{from:?} × {action:?}"
                    ),
                }
            }
        }
    }

    #[test]
    fn final_states_are_exactly_the_endings() {
        let finals: Vec<S> = S::ALL.iter().copied().filter(|s| s.is_final()).collect();
        assert_eq!(
            finals,
            [
                S::Completed,
                S::EndedEarly,
                S::NoContact,
                S::Withdrawn,
                S::Declined
            ]
        );
    }

    #[test]
    fn endings_need_an_outcome_and_declines_a_reason() {
        let bare = MoveDetails::default();
        assert!(matches!(
            transition(S::Active, A::Complete, bare.clone(), None, Utc::now()),
            Err(DomainError::Validation { .. })
        ));
        assert!(matches!(
            transition(S::Submitted, A::Decline, bare.clone(), None, Utc::now()),
            Err(DomainError::Validation { .. })
        ));
        let stray = MoveDetails {
            outcome: Some(OutcomeCode::DroppedOut),
            ..MoveDetails::default()
        };
        assert!(transition(S::Submitted, A::Accept, stray, None, Utc::now()).is_err());
        let long = MoveDetails {
            feedback: Some("x".repeat(281)),
            ..MoveDetails::default()
        };
        assert!(transition(S::Submitted, A::Accept, long, None, Utc::now()).is_err());
    }

    #[test]
    fn every_state_maps_to_a_fhir_task_status() {
        let allowed = [
            "requested",
            "accepted",
            "rejected",
            "in-progress",
            "completed",
            "cancelled",
            "failed",
        ];
        for &s in S::ALL {
            assert!(allowed.contains(&s.fhir_task_status()), "{s:?}");
        }
    }
}
