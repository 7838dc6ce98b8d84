//! Who may see and change people's records beyond the tenant-wide role table
//! ([`crate::authz::authorize_people`]): the person themself. Pure functions, tested as a table.

use crate::context::{Actor, RequestContext, Role};
use crate::error::{DomainError, DomainResult};
use crate::ids::UserId;

/// The user, if the caller holds the citizen role (whose citizen record may be theirs).
#[must_use]
pub fn citizen_user(ctx: &RequestContext) -> Option<UserId> {
    user_with(ctx, Role::Citizen)
}

/// The user, if the caller holds the peer role (whose peer profile may be theirs).
#[must_use]
pub fn peer_user(ctx: &RequestContext) -> Option<UserId> {
    user_with(ctx, Role::Peer)
}

fn user_with(ctx: &RequestContext, role: Role) -> Option<UserId> {
    ctx.actor().filter(|a| a.has(role)).map(Actor::user_id)
}

/// A user registers themself as a citizen only with the citizen role.
///
/// # Errors
/// `Unauthenticated`; `Forbidden` without the role.
pub fn self_registering(ctx: &RequestContext) -> DomainResult<UserId> {
    if ctx.actor().is_none() {
        return Err(DomainError::Unauthenticated);
    }
    citizen_user(ctx).ok_or(DomainError::Forbidden(
        "only a user with the citizen role can register themself",
    ))
}

/// A record is the caller's own when the record their login leads to is `id`.
///
/// # Errors
/// `refusal` otherwise.
pub fn own<T: PartialEq>(own: Option<T>, id: T, refusal: &'static str) -> DomainResult<()> {
    if own == Some(id) {
        Ok(())
    } else {
        Err(DomainError::Forbidden(refusal))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::ids::TenantId;

    #[test]
    fn only_the_person_themself_by_role() {
        let ctx = |role: Role| {
            RequestContext::user(
                TenantId::new(),
                Actor::new(UserId::new(), BTreeSet::from([role]), None),
                "t",
            )
        };
        for role in Role::ALL {
            let c = ctx(role);
            assert_eq!(
                citizen_user(&c).is_some(),
                role == Role::Citizen,
                "{role:?}"
            );
            assert_eq!(peer_user(&c).is_some(), role == Role::Peer, "{role:?}");
            assert_eq!(
                self_registering(&c).err().map(|e| e.code()),
                (role != Role::Citizen).then_some("FORBIDDEN"),
                "{role:?}"
            );
        }
        let anonymous = RequestContext::anonymous("t");
        assert_eq!(citizen_user(&anonymous), None);
        assert_eq!(
            self_registering(&anonymous).err().map(|e| e.code()),
            Some("UNAUTHENTICATED")
        );
        let system = RequestContext::system(TenantId::new());
        assert_eq!(
            peer_user(&system),
            None,
            "the system is nobody's own record"
        );
        assert!(own(Some(1), 1, "no").is_ok());
        assert!(own(Some(2), 1, "no").is_err());
        assert!(own(None, 1, "no").is_err());
    }
}
