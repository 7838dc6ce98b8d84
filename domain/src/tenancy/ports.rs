//! The ports the tenancy use cases need. Every method takes the request context and acts only
//! in its tenant; adapters run each call in one transaction.

use std::collections::BTreeSet;

use async_trait::async_trait;

use crate::context::{RequestContext, Role};
use crate::error::DomainResult;
use crate::ids::{OrganisationId, TenantId, UserId};
use crate::page::{Page, PageRequest};
use crate::tenancy::model::{Email, Organisation, OrganisationFilter, Tenant, TenantSlug, User};

/// A pure change applied to an organisation inside the adapter's transaction.
pub type OrganisationChange = Box<dyn FnOnce(&mut Organisation) -> DomainResult<()> + Send>;

/// A pure decision on a user's roles, given the user and how many tenant admins the tenant
/// has, made inside the adapter's transaction; returns the new role set.
pub type RoleChange = Box<dyn FnOnce(&User, usize) -> DomainResult<BTreeSet<Role>> + Send>;

/// The registry of tenants (platform-level).
#[async_trait]
pub trait TenantRepository: Send + Sync {
    /// Stores a new tenant.
    ///
    /// # Errors
    /// `Conflict` when the slug is taken; `Unknown` on storage failure.
    async fn create(&self, tenant: &Tenant) -> DomainResult<()>;

    /// The context's own tenant.
    ///
    /// # Errors
    /// `Unauthenticated` for an anonymous context; `NotFound` when it does not exist.
    async fn current(&self, ctx: &RequestContext) -> DomainResult<Tenant>;

    /// Every tenant, by slug (platform tasks such as audit verification).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn all(&self) -> DomainResult<Vec<Tenant>>;

    /// Looks a tenant up by slug (CLI and seeding only).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn find_by_slug(&self, slug: &TenantSlug) -> DomainResult<Option<Tenant>>;
}

/// Organisations of the context's tenant.
#[async_trait]
pub trait OrganisationRepository: Send + Sync {
    /// One page, ascending by id.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn list(
        &self,
        ctx: &RequestContext,
        filter: OrganisationFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Organisation>>;

    /// One organisation.
    ///
    /// # Errors
    /// `NotFound` when it is not in the tenant.
    async fn get(&self, ctx: &RequestContext, id: OrganisationId) -> DomainResult<Organisation>;

    /// Those of `ids` that exist in the tenant, in one query (for DataLoaders).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn get_many(
        &self,
        ctx: &RequestContext,
        ids: &[OrganisationId],
    ) -> DomainResult<Vec<Organisation>>;

    /// Stores a new organisation.
    ///
    /// # Errors
    /// `Conflict` when the name is taken in the tenant.
    async fn create(&self, ctx: &RequestContext, org: &Organisation) -> DomainResult<()>;

    /// Loads, changes and stores an organisation in one transaction.
    ///
    /// # Errors
    /// `NotFound`, the change's own error, or `Conflict` when the new name is taken.
    async fn update(
        &self,
        ctx: &RequestContext,
        id: OrganisationId,
        change: OrganisationChange,
    ) -> DomainResult<Organisation>;
}

/// Users (memberships) of the context's tenant.
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// One user.
    ///
    /// # Errors
    /// `NotFound` when not a member of the tenant.
    async fn get(&self, ctx: &RequestContext, id: UserId) -> DomainResult<User>;

    /// Those of `ids` that are members of the tenant, with their roles, in one read (for
    /// DataLoaders).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn get_many(&self, ctx: &RequestContext, ids: &[UserId]) -> DomainResult<Vec<User>>;

    /// The user a request acts as, with their roles, to authenticate it. An adapter may answer
    /// from memory only while it is certain to learn of every change to the user's roles at
    /// once (revocation stays immediate); by default it reads the user.
    ///
    /// # Errors
    /// `NotFound` when not a member of the tenant.
    async fn caller(&self, tenant: TenantId, id: UserId) -> DomainResult<User> {
        self.get(&RequestContext::system(tenant), id).await
    }

    /// The member of `tenant` linked to the identity provider's `subject`, with their roles,
    /// read in that tenant's own scoped transaction (ADR 0028).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn by_idp_subject(
        &self,
        tenant: TenantId,
        subject: &crate::tenancy::IdpSubject,
    ) -> DomainResult<Option<User>>;

    /// One page, ascending by id.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn list(&self, ctx: &RequestContext, page: &PageRequest) -> DomainResult<Page<User>>;

    /// The member with this e-mail, if any.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn find_by_email(
        &self,
        ctx: &RequestContext,
        email: &Email,
    ) -> DomainResult<Option<User>>;

    /// Stores a new user with their roles.
    ///
    /// # Errors
    /// `Conflict` when the e-mail is taken in the tenant; `NotFound` when the organisation is
    /// not in the tenant.
    async fn create(&self, ctx: &RequestContext, user: &User) -> DomainResult<()>;

    /// Replaces a user's roles with what `change` decides, in one transaction.
    ///
    /// # Errors
    /// `NotFound`, or the change's own error.
    async fn change_roles(
        &self,
        ctx: &RequestContext,
        id: UserId,
        change: RoleChange,
    ) -> DomainResult<User>;

    /// Sets (`Some`) or clears (`None`) when a user was deactivated, and makes every process
    /// forget them as a caller as it commits.
    ///
    /// # Errors
    /// `NotFound`.
    async fn set_deactivated(
        &self,
        ctx: &RequestContext,
        id: UserId,
        at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> DomainResult<User>;
}
