//! Input objects of this context's GraphQL API.

use async_graphql::{ID, InputObject, SimpleObject};

use super::types::*;
use crate::wire::OrganisationKind;

/// A new organisation.
#[derive(InputObject)]
pub struct CreateOrganisationInput {
    /// Name, 1–200 characters, unique in the tenant.
    pub(crate) name: String,
    /// Kind.
    pub(crate) kind: OrganisationKind,
}

/// A change to an organisation; give at least one field.
#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    /// The organisation.
    pub(crate) organisation_id: ID,
    /// New name.
    pub(crate) name: Option<String>,
    /// New kind.
    pub(crate) kind: Option<OrganisationKind>,
}

/// A user to invite into the tenant.
#[derive(InputObject)]
pub struct InviteUserInput {
    /// E-mail, unique in the tenant.
    pub(crate) email: String,
    /// Display name.
    pub(crate) display_name: String,
    /// Roles to grant at once.
    pub(crate) roles: Vec<Role>,
    /// The organisation they belong to.
    pub(crate) organisation_id: Option<ID>,
    /// The identity provider's subject of the person (OpenID Connect `sub`, 1–255 printable
    /// ASCII characters), linking this membership to their memberships of other
    /// partnerships; unique in the tenant.
    pub(crate) idp_subject: Option<String>,
}

/// A role to grant or revoke.
#[derive(InputObject)]
pub struct RoleChangeInput {
    /// The user.
    pub(crate) user_id: ID,
    /// The role.
    pub(crate) role: Role,
}

/// The user to deactivate or reactivate.
#[derive(InputObject)]
pub struct UserActivationInput {
    /// The user.
    pub(crate) user_id: ID,
}

/// The user after `inviteUser`, `grantRole`, `revokeRole`, `deactivateUser` or
/// `reactivateUser`.
#[derive(SimpleObject)]
pub struct UserPayload {
    /// The user as they now are.
    pub(crate) user: User,
}

/// The organisation after `createOrganisation` or `updateOrganisation`.
#[derive(SimpleObject)]
pub struct OrganisationPayload {
    /// The organisation as it now is.
    pub(crate) organisation: Organisation,
}
