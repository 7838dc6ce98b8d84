//! The enums of referrals on the GraphQL wire (apart from the types, so that other contexts'
//! types can name a referral's state without depending on the referral types).

use peerbro_domain::referral as domain;

wire_enum!(
    /// Where a referral is.
    ReferralState => domain::ReferralState {
        /// Sent by the referrer.
        Submitted,
        /// Accepted by a coordinator.
        Accepted,
        /// Given to a peer or a course.
        Assigned,
        /// First contact made.
        InContact,
        /// Support is running.
        Active,
        /// Ended as planned.
        Completed,
        /// Ended before its planned end.
        EndedEarly,
        /// The citizen could not be reached.
        NoContact,
        /// Withdrawn by the referrer or the citizen.
        Withdrawn,
        /// Declined by a coordinator.
        Declined,
    }
);
wire_enum!(
    /// A move of a referral.
    ReferralAction => domain::ReferralAction {
        /// SUBMITTED → ACCEPTED.
        Accept,
        /// ACCEPTED → ASSIGNED (give `peerId`).
        Assign,
        /// ASSIGNED → ACCEPTED.
        Reassign,
        /// ASSIGNED → IN_CONTACT.
        RecordContact,
        /// IN_CONTACT → ACTIVE.
        Start,
        /// ACTIVE → COMPLETED (give `outcome`).
        Complete,
        /// ACTIVE → ENDED_EARLY (give `outcome`).
        EndEarly,
        /// ASSIGNED → NO_CONTACT.
        MarkNoContact,
        /// Any open state before ACTIVE → WITHDRAWN.
        Withdraw,
        /// SUBMITTED or ACCEPTED → DECLINED (give `declineReason`).
        Decline,
        /// Any open state, ACTIVE included → WITHDRAWN, because the citizen withdrew their
        /// consent to the processing of referrals (REFERRAL_PROCESSING). Made only by the
        /// platform; `moveReferral` refuses it with FORBIDDEN.
        ConsentWithdrawn,
    }
);
wire_enum!(
    /// The coded outcome of finished support.
    OutcomeCode => domain::OutcomeCode {
        /// The goal was reached.
        GoalReached,
        /// Moved on to a community activity.
        MovedOnToCommunityActivity,
        /// Dropped out.
        DroppedOut,
        /// Moved away.
        MovedAway,
        /// Needed other help.
        NeededOtherHelp,
        /// Something else.
        Other,
    }
);
wire_enum!(
    /// Why a coordinator declined.
    DeclineReason => domain::DeclineReason {
        /// Outside the target group.
        OutsideTargetGroup,
        /// No capacity now.
        NoCapacity,
        /// Other help fits better.
        OtherHelpFitsBetter,
        /// A duplicate.
        Duplicate,
        /// Something else.
        Other,
    }
);

wire_enum!(
    /// Why a referrer's view shows no outcome.
    OutcomeAbsence => domain::OutcomeAbsence {
        /// The referral is still open: there is no outcome yet.
        NotYet,
        /// An outcome is recorded, but the citizen does not (or no longer) agree to share it.
        NotShared,
        /// The referral was withdrawn: there will be no outcome.
        Withdrawn,
        /// The referral ended without support (declined, or the citizen could not be
        /// reached): there is no outcome.
        EndedWithoutSupport,
    }
);
wire_enum!(
    /// What happens next with a referral, as the citizen referred is told it; apps word it in
    /// their own language.
    ReferralNextStep => domain::ReferralNextStep {
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
);
