//! Mutations of this context's GraphQL API.

use std::collections::BTreeSet;

use async_graphql::{Context, Object};
use peerbro_domain::ids::{OrganisationId, UserId};
use peerbro_domain::tenancy::{
    DisplayName, Email, IdpSubject, Invitation, OrganisationName, OrganisationPatch,
};

use super::inputs::*;
use super::types::*;
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::ids::parse;

/// Tenancy mutations (tenant admins).
#[derive(Default)]
pub struct TenancyMutation;

#[Object]
impl TenancyMutation {
    /// Creates an organisation.
    async fn create_organisation(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganisationInput,
    ) -> async_graphql::Result<OrganisationPayload> {
        let (svc, rc) = request(ctx)?;
        let name = OrganisationName::parse(&input.name).gql()?;
        let organisation = svc
            .create_organisation(rc, name, input.kind.into())
            .await
            .gql()?;
        Ok(OrganisationPayload {
            organisation: organisation.into(),
        })
    }

    /// Renames an organisation or changes its kind.
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganisationInput,
    ) -> async_graphql::Result<OrganisationPayload> {
        let (svc, rc) = request(ctx)?;
        let id = parse::<OrganisationId>("organisationId", &input.organisation_id).gql()?;
        let patch = OrganisationPatch {
            name: input
                .name
                .as_deref()
                .map(OrganisationName::parse)
                .transpose()
                .gql()?,
            kind: input.kind.map(Into::into),
        };
        let organisation = svc.update_organisation(rc, id, patch).await.gql()?;
        Ok(OrganisationPayload {
            organisation: organisation.into(),
        })
    }

    /// Invites a user into the tenant with roles.
    async fn invite_user(
        &self,
        ctx: &Context<'_>,
        input: InviteUserInput,
    ) -> async_graphql::Result<UserPayload> {
        let (svc, rc) = request(ctx)?;
        let invitation = Invitation {
            email: Email::parse(&input.email).gql()?,
            display_name: DisplayName::parse(&input.display_name).gql()?,
            roles: input
                .roles
                .into_iter()
                .map(Into::into)
                .collect::<BTreeSet<_>>(),
            organisation_id: input
                .organisation_id
                .as_ref()
                .map(|id| parse::<OrganisationId>("organisationId", id))
                .transpose()
                .gql()?,
            idp_subject: input
                .idp_subject
                .as_deref()
                .map(IdpSubject::parse)
                .transpose()
                .gql()?,
        };
        let user = svc.invite_user(rc, invitation).await.gql()?;
        Ok(UserPayload { user: user.into() })
    }

    /// Grants a role.
    async fn grant_role(
        &self,
        ctx: &Context<'_>,
        input: RoleChangeInput,
    ) -> async_graphql::Result<UserPayload> {
        let (svc, rc) = request(ctx)?;
        let id = parse::<UserId>("userId", &input.user_id).gql()?;
        let user = svc.grant_role(rc, id, input.role.into()).await.gql()?;
        Ok(UserPayload { user: user.into() })
    }

    /// Revokes a role; the tenant's last admin keeps theirs (`CONFLICT`).
    async fn revoke_role(
        &self,
        ctx: &Context<'_>,
        input: RoleChangeInput,
    ) -> async_graphql::Result<UserPayload> {
        let (svc, rc) = request(ctx)?;
        let id = parse::<UserId>("userId", &input.user_id).gql()?;
        let user = svc.revoke_role(rc, id, input.role.into()).await.gql()?;
        Ok(UserPayload { user: user.into() })
    }

    /// Deactivates a user (tenant admins): their tokens are refused from the moment this
    /// answers, in every server process, and nothing of theirs is deleted. Deactivating one
    /// already deactivated changes nothing. You cannot deactivate yourself (`VALIDATION`), so
    /// a tenant always keeps an active admin.
    async fn deactivate_user(
        &self,
        ctx: &Context<'_>,
        input: UserActivationInput,
    ) -> async_graphql::Result<UserPayload> {
        let (svc, rc) = request(ctx)?;
        let id = parse::<UserId>("userId", &input.user_id).gql()?;
        let user = svc.deactivate_user(rc, id).await.gql()?;
        Ok(UserPayload { user: user.into() })
    }

    /// Reactivates a deactivated user (tenant admins); their roles are as they were.
    async fn reactivate_user(
        &self,
        ctx: &Context<'_>,
        input: UserActivationInput,
    ) -> async_graphql::Result<UserPayload> {
        let (svc, rc) = request(ctx)?;
        let id = parse::<UserId>("userId", &input.user_id).gql()?;
        let user = svc.reactivate_user(rc, id).await.gql()?;
        Ok(UserPayload { user: user.into() })
    }
}
