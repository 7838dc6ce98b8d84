//! The authorization policy: a pure function of (actor, action) that allows or refuses with a
//! typed error. Use cases call it before they touch a port; resolvers and handlers never decide.
//!
//! Resource relationships (a peer's own matches, a referrer's organisation's referrals) are
//! checked by the use cases of the contexts that own those resources, with the same helpers.

use crate::context::{Actor, RequestContext, Role};
use crate::error::{DomainError, DomainResult};

/// Everything a caller can ask to do in the tenancy context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TenancyAction {
    /// Read the tenant's own name and municipality.
    ViewTenant,
    /// List or read organisations (not personal data).
    ViewOrganisations,
    /// Create or change organisations.
    ManageOrganisations,
    /// List or read other users' accounts (names and e-mails are personal data).
    ViewUsers,
    /// Invite users, grant and revoke roles.
    ManageUsers,
    /// Change the tenant's settings (e.g. the supervision limit).
    ConfigureTenant,
    /// Register webhook endpoints, rotate their secrets, read the delivery log.
    ManageWebhooks,
    /// Register partner API clients and rotate their secrets.
    ManageApiClients,
}

/// Everything a caller can ask to do with people's personal data. A citizen's access to their
/// own record is a relationship, checked by the use case, not a role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeopleAction {
    /// Read citizens' personal data.
    ReadCitizens,
    /// Register and change citizens, record consents.
    ManageCitizens,
    /// Erase a citizen (destroy their key).
    EraseCitizens,
    /// Erase a peer worker who has left (destroy their key).
    ErasePeers,
    /// Produce a person's whole record on their request (right of access, portability).
    ExportSubjects,
    /// Read the audit log and citizens' access histories.
    ReadAudit,
    /// Read peer workers' profiles (personal data), supervision and placements.
    ReadPeers,
    /// Register peers, move them through the pipeline, record screenings, certificates,
    /// training, supervision and placements.
    ManagePeers,
}

/// The roles that may perform a people action (beyond a citizen's own record).
#[must_use]
pub const fn people_roles_for(action: PeopleAction) -> &'static [Role] {
    match action {
        PeopleAction::ReadCitizens
        | PeopleAction::ManageCitizens
        | PeopleAction::ReadPeers
        | PeopleAction::ManagePeers
        | PeopleAction::ExportSubjects => &COORDINATING,
        PeopleAction::EraseCitizens | PeopleAction::ErasePeers | PeopleAction::ReadAudit => {
            &[Role::TenantAdmin]
        }
    }
}

/// Allows a people action, or says why not.
///
/// # Errors
/// `Unauthenticated` for anonymous requests, `Forbidden` when no held role allows it.
pub fn authorize_people(ctx: &RequestContext, action: PeopleAction) -> DomainResult<()> {
    if ctx.is_system() {
        return Ok(());
    }
    let actor = require_actor(ctx)?;
    if people_roles_for(action).iter().any(|r| actor.has(*r)) {
        Ok(())
    } else {
        Err(DomainError::Forbidden(
            "your roles in this tenant do not allow access to this personal data",
        ))
    }
}

/// The roles that may perform `action`; empty means any authenticated member.
#[must_use]
pub const fn roles_for(action: TenancyAction) -> &'static [Role] {
    match action {
        TenancyAction::ViewTenant | TenancyAction::ViewOrganisations => &[],
        TenancyAction::ManageOrganisations
        | TenancyAction::ManageUsers
        | TenancyAction::ConfigureTenant
        | TenancyAction::ManageWebhooks
        | TenancyAction::ManageApiClients => &[Role::TenantAdmin],
        TenancyAction::ViewUsers => &COORDINATING,
    }
}

/// The acting user, or `Unauthenticated`.
///
/// # Errors
/// `Unauthenticated` when the request is anonymous or by the system.
pub fn require_actor(ctx: &RequestContext) -> DomainResult<&Actor> {
    ctx.actor().ok_or(DomainError::Unauthenticated)
}

/// Allows the request to perform `action`, or says why not. The system context is allowed
/// everything (it is only built by the server itself, never from a request).
///
/// # Errors
/// `Unauthenticated` for anonymous requests, `Forbidden` when no held role allows the action.
pub fn authorize(ctx: &RequestContext, action: TenancyAction) -> DomainResult<()> {
    if ctx.is_system() {
        return Ok(());
    }
    let actor = require_actor(ctx)?;
    let allowed = roles_for(action);
    if allowed.is_empty() || allowed.iter().any(|r| actor.has(*r)) {
        Ok(())
    } else {
        Err(DomainError::Forbidden(
            "your roles in this tenant do not allow this action",
        ))
    }
}

/// The roles that coordinate a partnership's work: they triage and assign referrals, enrol
/// citizens and see every course and match of the tenant.
pub const COORDINATING: [Role; 2] = [Role::TenantAdmin, Role::Coordinator];

/// Whether the caller acts for the system (jobs, the seed) or holds one of `roles`.
#[must_use]
pub fn holds_any(ctx: &RequestContext, roles: &[Role]) -> bool {
    ctx.is_system() || ctx.actor().is_some_and(|a| roles.iter().any(|r| a.has(*r)))
}

/// The caller acts for the system or holds one of `roles`.
///
/// # Errors
/// `Unauthenticated` without an identity; otherwise `refusal`.
pub fn require_any(ctx: &RequestContext, roles: &[Role], refusal: DomainError) -> DomainResult<()> {
    if holds_any(ctx, roles) {
        Ok(())
    } else if ctx.actor().is_none() {
        Err(DomainError::Unauthenticated)
    } else {
        Err(refusal)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::ids::{TenantId, UserId};

    fn ctx_with(roles: &[Role]) -> RequestContext {
        RequestContext::user(
            TenantId::new(),
            Actor::new(
                UserId::new(),
                roles.iter().copied().collect::<BTreeSet<_>>(),
                None,
            ),
            "test",
        )
    }

    /// The role table, written out: (action, role, allowed).
    #[test]
    fn the_role_table_holds() {
        use Role::*;
        use TenancyAction::*;
        let table: &[(TenancyAction, &[Role])] = &[
            (
                ViewTenant,
                &[
                    TenantAdmin,
                    Coordinator,
                    Peer,
                    Referrer,
                    Researcher,
                    Citizen,
                ],
            ),
            (
                ViewOrganisations,
                &[
                    TenantAdmin,
                    Coordinator,
                    Peer,
                    Referrer,
                    Researcher,
                    Citizen,
                ],
            ),
            (ManageOrganisations, &[TenantAdmin]),
            (ViewUsers, &[TenantAdmin, Coordinator]),
            (ManageUsers, &[TenantAdmin]),
            (ConfigureTenant, &[TenantAdmin]),
            (ManageWebhooks, &[TenantAdmin]),
            (ManageApiClients, &[TenantAdmin]),
        ];
        for (action, allowed) in table {
            for role in Role::ALL {
                let result = authorize(&ctx_with(&[role]), *action);
                assert_eq!(
                    result.is_ok(),
                    allowed.contains(&role),
                    "{action:?} for {role:?}"
                );
            }
        }
    }

    #[test]
    fn the_people_role_table_holds() {
        use PeopleAction::*;
        use Role::*;
        let table: &[(PeopleAction, &[Role])] = &[
            (ReadCitizens, &[TenantAdmin, Coordinator]),
            (ManageCitizens, &[TenantAdmin, Coordinator]),
            (EraseCitizens, &[TenantAdmin]),
            (ReadAudit, &[TenantAdmin]),
            (ReadPeers, &[TenantAdmin, Coordinator]),
            (ManagePeers, &[TenantAdmin, Coordinator]),
            (ExportSubjects, &[TenantAdmin, Coordinator]),
            (ErasePeers, &[TenantAdmin]),
        ];
        for (action, allowed) in table {
            for role in Role::ALL {
                assert_eq!(
                    authorize_people(&ctx_with(&[role]), *action).is_ok(),
                    allowed.contains(&role),
                    "{action:?} for {role:?}"
                );
            }
        }
    }

    #[test]
    fn anonymous_requests_are_unauthenticated() {
        let err = authorize(&RequestContext::anonymous("r"), TenancyAction::ViewTenant);
        assert!(matches!(err, Err(DomainError::Unauthenticated)));
    }

    #[test]
    fn a_member_without_roles_can_still_see_the_tenant_but_not_users() {
        assert!(authorize(&ctx_with(&[]), TenancyAction::ViewTenant).is_ok());
        assert!(matches!(
            authorize(&ctx_with(&[]), TenancyAction::ViewUsers),
            Err(DomainError::Forbidden(_))
        ));
    }
}
