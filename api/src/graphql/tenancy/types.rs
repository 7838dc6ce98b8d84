//! Output types, enums and loaders of this context's GraphQL API.

use crate::graphql::time::Instant;
use async_graphql::connection::{Connection, Edge};
use async_graphql::dataloader::DataLoader;
use async_graphql::{ComplexObject, Context, Enum, ID, SimpleObject};
use peerbro_domain::context::Role as DomainRole;
use peerbro_domain::ids::OrganisationId;
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::tenancy::{self as domain, TenancyService};
use peerbro_domain::{DomainError, RequestContext};

use crate::graphql::loaders::OrganisationLoader;
use crate::graphql::scalars::{decode_cursor, encode_cursor};
use crate::wire::OrganisationKind;

pub(crate) fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(&'a TenancyService, &'a RequestContext)> {
    crate::graphql::errors::request_data(ctx)
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
    pub(crate) id: ID,
    /// Short name, e.g. `helsingor`.
    pub(crate) slug: String,
    /// Name, e.g. "Peer-Partnerskabet Helsingør".
    pub(crate) name: String,
    /// The municipality.
    pub(crate) municipality: String,
}

/// One of the caller's memberships: a partnership they belong to, as themself.
#[derive(SimpleObject)]
pub struct TenantMembership {
    /// The partnership.
    pub(crate) tenant: Tenant,
    /// Their user id there (the subject of a token for it).
    pub(crate) user_id: ID,
    /// The roles granted there (in the current tenant: those in force for this request).
    pub(crate) roles: Vec<Role>,
    /// Whether the request acts in it.
    pub(crate) current: bool,
}

impl From<domain::TenantMembership> for TenantMembership {
    fn from(m: domain::TenantMembership) -> Self {
        Self {
            tenant: m.tenant.into(),
            user_id: crate::graphql::ids::gid(m.user_id),
            roles: m.roles.into_iter().map(Into::into).collect(),
            current: m.current,
        }
    }
}

impl From<domain::Tenant> for Tenant {
    fn from(t: domain::Tenant) -> Self {
        Self {
            id: crate::graphql::ids::gid(t.id),
            slug: t.slug.as_str().to_owned(),
            name: t.name,
            municipality: t.municipality,
        }
    }
}

/// An organisation in the tenant.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct Organisation {
    /// Id.
    pub(crate) id: ID,
    /// Name, unique in the tenant.
    pub(crate) name: String,
    /// Kind.
    pub(crate) kind: OrganisationKind,
    /// Created.
    pub(crate) created_at: Instant,
    /// Last changed.
    pub(crate) updated_at: Instant,
}

impl From<domain::Organisation> for Organisation {
    fn from(o: domain::Organisation) -> Self {
        Self {
            id: crate::graphql::ids::gid(o.id),
            name: o.name.as_str().to_owned(),
            kind: o.kind.into(),
            created_at: o.created_at.into(),
            updated_at: o.updated_at.into(),
        }
    }
}

/// A user's membership of the tenant.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct User {
    /// Id (the subject of their tokens).
    pub(crate) id: ID,
    /// E-mail.
    pub(crate) email: String,
    /// Display name.
    pub(crate) display_name: String,
    /// Roles in this tenant.
    pub(crate) roles: Vec<Role>,
    /// Invited.
    pub(crate) created_at: Instant,
    /// Since when they may not sign in (`deactivateUser`); null while active.
    pub(crate) deactivated_at: Option<Instant>,
    /// The identity provider's subject of the person, which links their memberships of
    /// several partnerships (`myTenants`); null when not linked.
    pub(crate) idp_subject: Option<String>,
    #[graphql(skip)]
    pub(crate) organisation_id: Option<OrganisationId>,
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
            id: crate::graphql::ids::gid(u.id),
            email: u.email.as_str().to_owned(),
            display_name: u.display_name.as_str().to_owned(),
            roles: u.roles.into_iter().map(Into::into).collect(),
            created_at: u.created_at.into(),
            deactivated_at: u.deactivated_at.map(Into::into),
            idp_subject: u.idp_subject.map(|s| s.as_str().to_owned()),
            organisation_id: u.organisation_id,
        }
    }
}

/// The page a list field's arguments ask for; counting the whole list only when the
/// document selects the connection's `totalCount`.
pub(crate) fn page_request(
    ctx: &async_graphql::Context<'_>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> Result<PageRequest, DomainError> {
    let after = after.map(|c| decode_cursor("after", &c)).transpose()?;
    let before = before.map(|c| decode_cursor("before", &c)).transpose()?;
    let counting = ctx.look_ahead().field("totalCount").exists();
    PageRequest::new(first.map(i64::from), after, last.map(i64::from), before)
        .map(|page| page.counting(counting))
}

/// How many items a list holds in all, with its filters, paging aside.
#[derive(async_graphql::SimpleObject)]
pub struct ListTotal {
    /// How many items the list holds in all, with its filters, paging aside (counted only
    /// when asked for: one more statement).
    pub(crate) total_count: i64,
}

pub(crate) fn connection<T, N: async_graphql::OutputType>(
    page: Page<T>,
    id: impl Fn(&T) -> uuid::Uuid,
    node: impl Fn(T) -> N,
) -> Connection<String, N, ListTotal> {
    let total = ListTotal {
        total_count: page
            .total
            .map_or(0, |n| i64::try_from(n).unwrap_or(i64::MAX)),
    };
    connection_with(page, id, node, total)
}

/// A connection with fields of its own beside `edges` and `pageInfo` (such as `totalCount`).
pub(crate) fn connection_with<T, N: async_graphql::OutputType, F: async_graphql::ObjectType>(
    page: Page<T>,
    id: impl Fn(&T) -> uuid::Uuid,
    node: impl Fn(T) -> N,
    fields: F,
) -> Connection<String, N, F> {
    let mut connection =
        Connection::with_additional_fields(page.has_previous, page.has_next, fields);
    connection.edges.extend(
        page.items
            .into_iter()
            .map(|item| Edge::new(encode_cursor(id(&item)), node(item))),
    );
    connection
}

/// The user `id` names, through the request's [`crate::graphql::loaders::UserLoader`] (null
/// for the system).
pub(crate) async fn user(
    ctx: &async_graphql::Context<'_>,
    id: Option<peerbro_domain::ids::UserId>,
) -> async_graphql::Result<Option<User>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let loader =
        ctx.data::<async_graphql::dataloader::DataLoader<crate::graphql::loaders::UserLoader>>()?;
    Ok(loader.load_one(id).await?.map(Into::into))
}
