//! Who may do what with referrals: pure functions of the caller (and the referral), tested
//! as a table. The use cases ask these and nothing else about roles.

use crate::authz::{COORDINATING, holds_any, require_actor, require_any};
use crate::context::{RequestContext, Role};
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::OrganisationId;
use crate::referral::model::ReferralAction;
use crate::referral::referral::Referral;

/// What refusals say.
#[must_use]
pub const fn forbidden() -> DomainError {
    DomainError::Forbidden("your roles in this tenant do not allow this on referrals")
}

/// Whether the caller coordinates (a coordinator or tenant admin, or the system).
#[must_use]
pub fn coordinates(ctx: &RequestContext) -> bool {
    holds_any(ctx, &COORDINATING)
}

/// Only coordinators: the worklist, a referral with its reason, the contact limit.
///
/// # Errors
/// `Unauthenticated`; `Forbidden`.
pub fn require_coordinator(ctx: &RequestContext) -> DomainResult<()> {
    require_any(ctx, &COORDINATING, forbidden())
}

/// A referrer submits for their organisation, which the referral then belongs to.
///
/// # Errors
/// `Unauthenticated`; `Forbidden` unless a referrer; `Conflict` for a referrer without an
/// organisation.
pub fn submitting_organisation(ctx: &RequestContext) -> DomainResult<OrganisationId> {
    let actor = require_actor(ctx)?;
    if !actor.has(Role::Referrer) {
        return Err(forbidden());
    }
    actor
        .organisation_id()
        .ok_or(DomainError::Conflict(Conflict::ReferrerWithoutOrganisation))
}

/// A citizen refers themself: users with the citizen role.
///
/// # Errors
/// `Unauthenticated`; `Forbidden` for every other role.
pub fn self_referrer(ctx: &RequestContext) -> DomainResult<crate::ids::UserId> {
    let actor = require_actor(ctx)?;
    if actor.has(Role::Citizen) {
        Ok(actor.user_id())
    } else {
        Err(forbidden())
    }
}

/// The organisation whose referrals a referrer follows.
///
/// # Errors
/// `Unauthenticated`; `Forbidden` unless a referrer in an organisation.
pub fn followed_organisation(ctx: &RequestContext) -> DomainResult<OrganisationId> {
    let actor = require_actor(ctx)?;
    actor
        .organisation_id()
        .filter(|_| actor.has(Role::Referrer))
        .ok_or_else(forbidden)
}

/// Whether the caller may follow referrals live: coordinators every referral, referrers in an
/// organisation their organisation's.
///
/// # Errors
/// `Unauthenticated`; `Forbidden` for every other role.
pub fn may_follow(ctx: &RequestContext) -> DomainResult<()> {
    if coordinates(ctx) || followed_organisation(ctx).is_ok() {
        Ok(())
    } else {
        require_actor(ctx)?;
        Err(forbidden())
    }
}

/// How the caller may see one referral.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// A coordinator: everything the closed loop shows, outcome by consent.
    Coordinator,
    /// A referrer of the submitting organisation: the closed loop, outcome by consent.
    ReferringOrganisation,
    /// Possibly the citizen referred (the use case checks whose citizen record the user is):
    /// their own referral, outcome included.
    PossiblyTheCitizen,
    /// Nobody who may know it exists.
    Nobody,
}

/// How the caller may see `referral`.
#[must_use]
pub fn viewer(ctx: &RequestContext, referral: &Referral) -> Viewer {
    if coordinates(ctx) {
        return Viewer::Coordinator;
    }
    let Some(actor) = ctx.actor() else {
        return Viewer::Nobody;
    };
    if actor.has(Role::Referrer)
        && actor.organisation_id() == Some(referral.referrer_organisation_id)
    {
        Viewer::ReferringOrganisation
    } else if actor.has(Role::Citizen) {
        Viewer::PossiblyTheCitizen
    } else {
        Viewer::Nobody
    }
}

/// Who moves a referral: coordinators make every move; a referrer or the citizen referred
/// only withdraws (and only a referral they may see, which the use case checks); a peer records
/// first contact and the start on a match of their own (which the use case checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mover {
    /// Any move.
    Coordinator,
    /// Withdrawal of a referral they can see.
    Withdrawer,
    /// Contact and start on a referral assigned to them.
    AssignedPeer,
}

/// Who the caller is for `action`.
///
/// # Errors
/// `Unauthenticated`; `Forbidden`.
pub fn mover(ctx: &RequestContext, action: ReferralAction) -> DomainResult<Mover> {
    if action == ReferralAction::ConsentWithdrawn {
        require_actor(ctx)?;
        return Err(DomainError::Forbidden(
            "CONSENT_WITHDRAWN is made only by the platform, when the citizen withdraws consent",
        ));
    }
    if coordinates(ctx) {
        return Ok(Mover::Coordinator);
    }
    let actor = require_actor(ctx)?;
    if action == ReferralAction::Withdraw && (actor.has(Role::Referrer) || actor.has(Role::Citizen))
    {
        Ok(Mover::Withdrawer)
    } else if matches!(
        action,
        ReferralAction::RecordContact | ReferralAction::Start
    ) && actor.has(Role::Peer)
    {
        Ok(Mover::AssignedPeer)
    } else {
        Err(forbidden())
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
