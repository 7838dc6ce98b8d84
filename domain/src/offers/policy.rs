//! Who may do what with offers: pure functions of the caller, their peer profile (if any) and
//! the offer or match at hand, tested as a table. The use cases ask these and nothing else
//! about roles.

use crate::authz::{COORDINATING, holds_any, require_actor, require_any};
use crate::context::{Actor, RequestContext, Role};
use crate::error::{DomainError, DomainResult};
use crate::ids::{PeerId, UserId};
use crate::offers::model::Offer;
use crate::offers::ports::ReferralParties;

/// What refusals say.
#[must_use]
pub const fn forbidden() -> DomainError {
    DomainError::Forbidden("your roles in this tenant do not allow this on offers")
}

/// Whether the caller coordinates (a coordinator or tenant admin, or the system).
#[must_use]
pub fn coordinates(ctx: &RequestContext) -> bool {
    holds_any(ctx, &COORDINATING)
}

/// Creating, opening and closing offers, enrolling and withdrawing: coordinators.
///
/// # Errors
/// `Unauthenticated`; `Forbidden`.
pub fn require_coordinator(ctx: &RequestContext) -> DomainResult<()> {
    require_any(ctx, &COORDINATING, forbidden())
}

/// What is offered is seen by every member of the tenant.
///
/// # Errors
/// `Unauthenticated`.
pub fn require_member(ctx: &RequestContext) -> DomainResult<()> {
    if ctx.is_system() {
        Ok(())
    } else {
        require_actor(ctx).map(|_| ())
    }
}

/// The user whose peer profile the caller acts as, if they hold the peer role.
#[must_use]
pub fn peer_user(ctx: &RequestContext) -> Option<UserId> {
    ctx.actor()
        .filter(|a| a.has(Role::Peer))
        .map(Actor::user_id)
}

/// The caller's user, when they hold the citizen role.
#[must_use]
pub fn citizen_user(ctx: &RequestContext) -> Option<UserId> {
    ctx.actor()
        .filter(|a| a.has(Role::Citizen))
        .map(Actor::user_id)
}

/// A course's enrolments and attendance: coordinators, and the peers facilitating it.
///
/// # Errors
/// `Forbidden`.
pub fn course_staff(
    ctx: &RequestContext,
    own_peer: Option<PeerId>,
    course: &Offer,
) -> DomainResult<()> {
    if coordinates(ctx) || own_peer.is_some_and(|p| course.facilitators.contains(&p)) {
        Ok(())
    } else {
        Err(forbidden())
    }
}

/// Café headcounts: coordinators and peers.
///
/// # Errors
/// `Forbidden`.
pub fn cafe_staff(ctx: &RequestContext, own_peer: Option<PeerId>) -> DomainResult<()> {
    if coordinates(ctx) || own_peer.is_some() {
        Ok(())
    } else {
        Err(forbidden())
    }
}

/// A match's meetings: coordinators, and the peer it is assigned to; another peer's match does
/// not exist for a peer.
///
/// # Errors
/// `NotFound` for another peer's match; `Forbidden` for anyone else.
pub fn match_staff(
    ctx: &RequestContext,
    own_peer: Option<PeerId>,
    parties: &ReferralParties,
) -> DomainResult<()> {
    if coordinates(ctx) {
        return Ok(());
    }
    match own_peer {
        Some(peer) if parties.assigned_peer_id == Some(peer) => Ok(()),
        Some(_) => Err(DomainError::NotFound {
            resource: "referral",
        }),
        None => Err(forbidden()),
    }
}

/// A match's citizen, in person: only the peer it is assigned to (not even a coordinator,
/// who reads citizens through the people use cases with a purpose).
///
/// # Errors
/// `Forbidden` for anyone who is not a peer; `NotFound` for another peer's match.
pub fn match_peer(own_peer: Option<PeerId>, parties: &ReferralParties) -> DomainResult<PeerId> {
    let peer = own_peer.ok_or_else(forbidden)?;
    if parties.assigned_peer_id == Some(peer) {
        Ok(peer)
    } else {
        Err(DomainError::NotFound {
            resource: "referral",
        })
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
