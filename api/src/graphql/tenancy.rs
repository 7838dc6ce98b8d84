//! Tenancy in GraphQL: the caller, their tenant, organisations and users.

use std::collections::BTreeSet;

use async_graphql::connection::{Connection, Edge};
use async_graphql::dataloader::DataLoader;
use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use peerbro_domain::context::Role as DomainRole;
use peerbro_domain::ids::{OrganisationId, UserId};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::tenancy::{
    self as domain, DisplayName, Email, Invitation, OrganisationFilter, OrganisationName,
    OrganisationPatch, TenancyService,
};
use peerbro_domain::{DomainError, RequestContext};

use super::errors::GqlResultExt as _;
use super::loaders::OrganisationLoader;
use super::scalars::{decode_cursor, encode_cursor, parse_id};
use crate::wire::OrganisationKind;

fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(&'a TenancyService, &'a RequestContext)> {
    super::errors::request_data(ctx)
}

/// A role a user holds in a tenant.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Configures the partnership: organisations, users, roles.
    TenantAdmin,
    /// Recruits and supervises volunteers, triages referrals, matches citizens.
    Coordinator,
    /// A peer worker, paid or voluntary.
    Peer,
    /// A case-worker or hospital staff member who refers citizens.
    Referrer,
    /// Sees consented, pseudonymised data and aggregates only.
    Researcher,
    /// The person supported.
    Citizen,
}

impl From<DomainRole> for Role {
    fn from(r: DomainRole) -> Self {
        match r {
            DomainRole::TenantAdmin => Self::TenantAdmin,
            DomainRole::Coordinator => Self::Coordinator,
            DomainRole::Peer => Self::Peer,
            DomainRole::Referrer => Self::Referrer,
            DomainRole::Researcher => Self::Researcher,
            DomainRole::Citizen => Self::Citizen,
        }
    }
}

impl From<Role> for DomainRole {
    fn from(r: Role) -> Self {
        match r {
            Role::TenantAdmin => Self::TenantAdmin,
            Role::Coordinator => Self::Coordinator,
            Role::Peer => Self::Peer,
            Role::Referrer => Self::Referrer,
            Role::Researcher => Self::Researcher,
            Role::Citizen => Self::Citizen,
        }
    }
}

/// A municipality partnership.
#[derive(SimpleObject)]
pub struct Tenant {
    /// Id.
    id: ID,
    /// Short name, e.g. `helsingor`.
    slug: String,
    /// Name, e.g. "Peer-Partnerskabet Helsingør".
    name: String,
    /// The municipality.
    municipality: String,
}

impl From<domain::Tenant> for Tenant {
    fn from(t: domain::Tenant) -> Self {
        Self {
            id: ID(t.id.to_string()),
            slug: t.slug.as_str().to_owned(),
            name: t.name,
            municipality: t.municipality,
        }
    }
}

/// An organisation in the tenant.
#[derive(SimpleObject)]
pub struct Organisation {
    /// Id.
    id: ID,
    /// Name, unique in the tenant.
    name: String,
    /// Kind.
    kind: OrganisationKind,
    /// Created.
    created_at: DateTime<Utc>,
    /// Last changed.
    updated_at: DateTime<Utc>,
}

impl From<domain::Organisation> for Organisation {
    fn from(o: domain::Organisation) -> Self {
        Self {
            id: ID(o.id.to_string()),
            name: o.name.as_str().to_owned(),
            kind: o.kind.into(),
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// A user's membership of the tenant.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct User {
    /// Id (the subject of their tokens).
    id: ID,
    /// E-mail.
    email: String,
    /// Display name.
    display_name: String,
    /// Roles in this tenant.
    roles: Vec<Role>,
    /// Invited.
    created_at: DateTime<Utc>,
    #[graphql(skip)]
    organisation_id: Option<OrganisationId>,
}

#[ComplexObject]
impl User {
    /// The organisation they belong to, if any (batched: no N+1 in lists).
    async fn organisation(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organisation>> {
        let Some(id) = self.organisation_id else {
            return Ok(None);
        };
        let loader = ctx.data::<DataLoader<OrganisationLoader>>()?;
        let org = loader.load_one(id).await?;
        Ok(org.map(Into::into))
    }
}

impl From<domain::User> for User {
    fn from(u: domain::User) -> Self {
        Self {
            id: ID(u.id.to_string()),
            email: u.email.as_str().to_owned(),
            display_name: u.display_name.as_str().to_owned(),
            roles: u.roles.into_iter().map(Into::into).collect(),
            created_at: u.created_at,
            organisation_id: u.organisation_id,
        }
    }
}

pub(super) fn page_request(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<PageRequest, DomainError> {
    let after = after.map(|c| decode_cursor("after", &c)).transpose()?;
    let before = before.map(|c| decode_cursor("before", &c)).transpose()?;
    PageRequest::new(first.map(i64::from), after, last.map(i64::from), before)
}

pub(super) fn connection<T, N: async_graphql::OutputType>(
    page: Page<T>,
    id: impl Fn(&T) -> uuid::Uuid,
    node: impl Fn(T) -> N,
) -> Connection<String, N> {
    let mut connection = Connection::new(page.has_previous, page.has_next);
    connection.edges.extend(
        page.items
            .into_iter()
            .map(|item| Edge::new(encode_cursor(id(&item)), node(item))),
    );
    connection
}

/// Tenancy queries.
#[derive(Default)]
pub struct TenancyQuery;

#[Object]
impl TenancyQuery {
    /// The caller's own account, with the roles in force for this request; null without a
    /// token.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let (svc, rc) = request(ctx)?;
        Ok(svc.me(rc).await.gql()?.map(Into::into))
    }

    /// The tenant the caller acts in.
    async fn tenant(&self, ctx: &Context<'_>) -> async_graphql::Result<Tenant> {
        let (svc, rc) = request(ctx)?;
        svc.current_tenant(rc).await.gql().map(Into::into)
    }

    /// The tenant's organisations, oldest first.
    async fn organisations(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
        kind: Option<OrganisationKind>,
    ) -> async_graphql::Result<Connection<String, Organisation>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(first, after, last, before).gql()?;
        let filter = OrganisationFilter {
            kind: kind.map(Into::into),
        };
        let result = svc.list_organisations(rc, filter, &page).await.gql()?;
        Ok(connection(result, |o| o.id.as_uuid(), Organisation::from))
    }

    /// One organisation; `NOT_FOUND` when it is not in the caller's tenant.
    async fn organisation(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Organisation> {
        let (svc, rc) = request(ctx)?;
        let id = OrganisationId::from_uuid(parse_id("id", &id).gql()?);
        svc.organisation(rc, id).await.gql().map(Into::into)
    }

    /// The tenant's users, oldest first (tenant admins and coordinators).
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, User>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(first, after, last, before).gql()?;
        let result = svc.list_users(rc, &page).await.gql()?;
        Ok(connection(result, |u| u.id.as_uuid(), User::from))
    }

    /// One user (tenant admins, coordinators, or the user themself).
    async fn user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<User> {
        let (svc, rc) = request(ctx)?;
        let id = UserId::from_uuid(parse_id("id", &id).gql()?);
        svc.user(rc, id).await.gql().map(Into::into)
    }
}

/// A new organisation.
#[derive(InputObject)]
pub struct CreateOrganisationInput {
    /// Name, 1–200 characters, unique in the tenant.
    name: String,
    /// Kind.
    kind: OrganisationKind,
}

/// A change to an organisation; give at least one field.
#[derive(InputObject)]
pub struct UpdateOrganisationInput {
    /// The organisation.
    id: ID,
    /// New name.
    name: Option<String>,
    /// New kind.
    kind: Option<OrganisationKind>,
}

/// A user to invite into the tenant.
#[derive(InputObject)]
pub struct InviteUserInput {
    /// E-mail, unique in the tenant.
    email: String,
    /// Display name.
    display_name: String,
    /// Roles to grant at once.
    roles: Vec<Role>,
    /// The organisation they belong to.
    organisation_id: Option<ID>,
}

/// A role to grant or revoke.
#[derive(InputObject)]
pub struct RoleChangeInput {
    /// The user.
    user_id: ID,
    /// The role.
    role: Role,
}

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
    ) -> async_graphql::Result<Organisation> {
        let (svc, rc) = request(ctx)?;
        let name = OrganisationName::parse(&input.name).gql()?;
        svc.create_organisation(rc, name, input.kind.into())
            .await
            .gql()
            .map(Into::into)
    }

    /// Renames an organisation or changes its kind.
    async fn update_organisation(
        &self,
        ctx: &Context<'_>,
        input: UpdateOrganisationInput,
    ) -> async_graphql::Result<Organisation> {
        let (svc, rc) = request(ctx)?;
        let id = OrganisationId::from_uuid(parse_id("id", &input.id).gql()?);
        let patch = OrganisationPatch {
            name: input
                .name
                .as_deref()
                .map(OrganisationName::parse)
                .transpose()
                .gql()?,
            kind: input.kind.map(Into::into),
        };
        svc.update_organisation(rc, id, patch)
            .await
            .gql()
            .map(Into::into)
    }

    /// Invites a user into the tenant with roles.
    async fn invite_user(
        &self,
        ctx: &Context<'_>,
        input: InviteUserInput,
    ) -> async_graphql::Result<User> {
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
                .map(|id| parse_id("organisationId", id).map(OrganisationId::from_uuid))
                .transpose()
                .gql()?,
        };
        svc.invite_user(rc, invitation).await.gql().map(Into::into)
    }

    /// Grants a role.
    async fn grant_role(
        &self,
        ctx: &Context<'_>,
        input: RoleChangeInput,
    ) -> async_graphql::Result<User> {
        let (svc, rc) = request(ctx)?;
        let id = UserId::from_uuid(parse_id("userId", &input.user_id).gql()?);
        svc.grant_role(rc, id, input.role.into())
            .await
            .gql()
            .map(Into::into)
    }

    /// Revokes a role; the tenant's last admin keeps theirs (`CONFLICT`).
    async fn revoke_role(
        &self,
        ctx: &Context<'_>,
        input: RoleChangeInput,
    ) -> async_graphql::Result<User> {
        let (svc, rc) = request(ctx)?;
        let id = UserId::from_uuid(parse_id("userId", &input.user_id).gql()?);
        svc.revoke_role(rc, id, input.role.into())
            .await
            .gql()
            .map(Into::into)
    }
}
