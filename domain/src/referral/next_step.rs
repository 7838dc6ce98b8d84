//! What happens next with an open referral, derived from its state.

use super::model::ReferralState;

/// What happens next with a referral, as the citizen referred is told it (apps word it in
/// their own language).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReferralNextStep {
    /// A coordinator is to look at it.
    AwaitingTriage,
    /// Accepted: a peer or a course is to be found.
    AwaitingAssignment,
    /// A peer is assigned and is to make first contact.
    AwaitingFirstContact,
    /// In contact: the support is to start.
    AwaitingStart,
    /// The support is under way.
    InProgress,
}

impl ReferralState {
    /// The next step of a referral in this state; `None` once it has ended.
    #[must_use]
    pub const fn next_step(self) -> Option<ReferralNextStep> {
        match self {
            Self::Submitted => Some(ReferralNextStep::AwaitingTriage),
            Self::Accepted => Some(ReferralNextStep::AwaitingAssignment),
            Self::Assigned => Some(ReferralNextStep::AwaitingFirstContact),
            Self::InContact => Some(ReferralNextStep::AwaitingStart),
            Self::Active => Some(ReferralNextStep::InProgress),
            Self::Completed
            | Self::EndedEarly
            | Self::NoContact
            | Self::Withdrawn
            | Self::Declined => None,
        }
    }
}
