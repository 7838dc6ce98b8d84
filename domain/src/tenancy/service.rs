//! Tenancy use cases. Each checks authorization first, applies the rules, then calls ports.

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::authz::{TenancyAction, authorize, require_actor};
use crate::context::{Actor, RequestContext, Role};
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{OrganisationId, TenantId, UserId};
use crate::page::{Page, PageRequest};
use crate::tenancy::model::{
    Email, Invitation, Organisation, OrganisationFilter, OrganisationKind, OrganisationName,
    OrganisationPatch, Tenant, User,
};
use crate::tenancy::ports::{OrganisationRepository, TenantRepository, UserRepository};

/// The tenancy use cases, over their ports.
#[derive(Clone)]
pub struct TenancyService {
    pub(super) tenants: Arc<dyn TenantRepository>,
    organisations: Arc<dyn OrganisationRepository>,
    pub(super) users: Arc<dyn UserRepository>,
}

impl std::fmt::Debug for TenancyService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenancyService").finish_non_exhaustive()
    }
}

impl TenancyService {
    /// Wires the service to its ports.
    #[must_use]
    pub fn new(
        tenants: Arc<dyn TenantRepository>,
        organisations: Arc<dyn OrganisationRepository>,
        users: Arc<dyn UserRepository>,
    ) -> Self {
        Self {
            tenants,
            organisations,
            users,
        }
    }

    /// Turns a verified token's (tenant, subject, roles) into a request context. The roles in
    /// force are those granted in the tenant, narrowed to the token's roles when it lists any:
    /// a token can drop roles but never add one, and a revoked role stops working at once.
    ///
    /// `identity` is the identity provider's subject the token names the person by, if any:
    /// the caller is proven to be that person when their membership is linked to it, and a
    /// token naming another person than the membership's is refused (ADR 0028).
    ///
    /// # Errors
    /// `Unauthenticated` when the subject is not a member of the tenant, or the token names
    /// another person than the membership is linked to.
    #[tracing::instrument(skip_all, fields(tenant = %tenant))]
    pub async fn authenticate(
        &self,
        tenant: TenantId,
        subject: UserId,
        token_roles: Option<&BTreeSet<Role>>,
        identity: Option<&str>,
        request_id: &str,
    ) -> DomainResult<RequestContext> {
        let user = match self.users.caller(tenant, subject).await {
            // A deactivated user is no caller at all, whatever their token says.
            Ok(user) if user.deactivated_at.is_some() => return Err(DomainError::Unauthenticated),
            Ok(user) => user,
            Err(DomainError::NotFound { .. }) => return Err(DomainError::Unauthenticated),
            Err(other) => return Err(other),
        };
        let roles = match token_roles {
            Some(claimed) => user.roles.intersection(claimed).copied().collect(),
            None => user.roles,
        };
        let mut actor = Actor::new(user.id, roles, user.organisation_id);
        match (identity, user.idp_subject) {
            (Some(claimed), Some(linked)) if claimed == linked.as_str() => {
                actor = actor.with_identity(claimed.to_owned());
            }
            (Some(_), Some(_)) => return Err(DomainError::Unauthenticated),
            _ => {}
        }
        Ok(RequestContext::user(tenant, actor, request_id))
    }

    /// The caller's own account, or `None` for an anonymous caller.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    pub async fn me(&self, ctx: &RequestContext) -> DomainResult<Option<User>> {
        let Some(actor) = ctx.actor() else {
            return Ok(None);
        };
        let mut user = self.users.get(ctx, actor.user_id()).await?;
        // Show the roles in force for this request, not every role granted.
        user.roles.clone_from(actor.roles());
        Ok(Some(user))
    }

    /// The caller's tenant.
    ///
    /// # Errors
    /// `Unauthenticated` for anonymous callers.
    pub async fn current_tenant(&self, ctx: &RequestContext) -> DomainResult<Tenant> {
        authorize(ctx, TenancyAction::ViewTenant)?;
        self.tenants.current(ctx).await
    }

    /// A page of organisations.
    ///
    /// # Errors
    /// `Unauthenticated`; `Unknown` on storage failure.
    pub async fn list_organisations(
        &self,
        ctx: &RequestContext,
        filter: OrganisationFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Organisation>> {
        authorize(ctx, TenancyAction::ViewOrganisations)?;
        self.organisations.list(ctx, filter, page).await
    }

    /// One organisation.
    ///
    /// # Errors
    /// `Unauthenticated`, `NotFound`.
    pub async fn organisation(
        &self,
        ctx: &RequestContext,
        id: OrganisationId,
    ) -> DomainResult<Organisation> {
        authorize(ctx, TenancyAction::ViewOrganisations)?;
        self.organisations.get(ctx, id).await
    }

    /// Several organisations by id in one call (DataLoader batches).
    ///
    /// # Errors
    /// `Unauthenticated`; `Unknown` on storage failure.
    pub async fn organisations_by_ids(
        &self,
        ctx: &RequestContext,
        ids: &[OrganisationId],
    ) -> DomainResult<Vec<Organisation>> {
        authorize(ctx, TenancyAction::ViewOrganisations)?;
        self.organisations.get_many(ctx, ids).await
    }

    /// Creates an organisation.
    ///
    /// # Errors
    /// `Forbidden` unless tenant admin; `Conflict` when the name is taken.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn create_organisation(
        &self,
        ctx: &RequestContext,
        name: OrganisationName,
        kind: OrganisationKind,
    ) -> DomainResult<Organisation> {
        authorize(ctx, TenancyAction::ManageOrganisations)?;
        let org = Organisation::new(name, kind);
        self.organisations.create(ctx, &org).await?;
        Ok(org)
    }

    /// Changes an organisation.
    ///
    /// # Errors
    /// `Forbidden` unless tenant admin; `NotFound`; `Validation` for an empty patch;
    /// `Conflict` when the new name is taken.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn update_organisation(
        &self,
        ctx: &RequestContext,
        id: OrganisationId,
        patch: OrganisationPatch,
    ) -> DomainResult<Organisation> {
        authorize(ctx, TenancyAction::ManageOrganisations)?;
        self.organisations
            .update(ctx, id, Box::new(move |org| patch.apply(org)))
            .await
    }

    /// A page of the tenant's users.
    ///
    /// # Errors
    /// `Forbidden` unless tenant admin or coordinator.
    pub async fn list_users(
        &self,
        ctx: &RequestContext,
        page: &PageRequest,
    ) -> DomainResult<Page<User>> {
        authorize(ctx, TenancyAction::ViewUsers)?;
        self.users.list(ctx, page).await
    }

    /// Several users by id in one read (DataLoader batches): who acted in an audit entry, a
    /// transition, a screening. Tenant admins and coordinators, as for [`Self::list_users`].
    ///
    /// # Errors
    /// `Forbidden` for other roles.
    pub async fn users_by_ids(
        &self,
        ctx: &RequestContext,
        ids: &[UserId],
    ) -> DomainResult<Vec<User>> {
        authorize(ctx, TenancyAction::ViewUsers)?;
        self.users.get_many(ctx, ids).await
    }

    /// One user; anyone may read their own account.
    ///
    /// # Errors
    /// `Forbidden` unless tenant admin, coordinator or the user themself; `NotFound`.
    pub async fn user(&self, ctx: &RequestContext, id: UserId) -> DomainResult<User> {
        let own = ctx.actor().is_some_and(|a| a.user_id() == id);
        if !own {
            authorize(ctx, TenancyAction::ViewUsers)?;
        }
        self.users.get(ctx, id).await
    }

    /// Invites a user into the tenant with roles.
    ///
    /// # Errors
    /// `Forbidden` unless tenant admin; `Conflict` when the e-mail is already a member;
    /// `NotFound` when the organisation is not in the tenant.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn invite_user(
        &self,
        ctx: &RequestContext,
        invitation: Invitation,
    ) -> DomainResult<User> {
        authorize(ctx, TenancyAction::ManageUsers)?;
        if let Some(org) = invitation.organisation_id {
            self.organisations.get(ctx, org).await?;
        }
        let user = invitation.into_user();
        self.users.create(ctx, &user).await?;
        Ok(user)
    }

    /// Grants a role; granting a held role changes nothing.
    ///
    /// # Errors
    /// `Forbidden` unless tenant admin; `NotFound`.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id(), role = %role))]
    pub async fn grant_role(
        &self,
        ctx: &RequestContext,
        id: UserId,
        role: Role,
    ) -> DomainResult<User> {
        authorize(ctx, TenancyAction::ManageUsers)?;
        self.users
            .change_roles(
                ctx,
                id,
                Box::new(move |user, _| {
                    let mut roles = user.roles.clone();
                    roles.insert(role);
                    Ok(roles)
                }),
            )
            .await
    }

    /// Revokes a role. The tenant's last admin cannot lose the admin role, so a tenant is
    /// never left without anyone who can manage it.
    ///
    /// # Errors
    /// `Forbidden` unless tenant admin; `NotFound`; `Conflict` for the last admin.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id(), role = %role))]
    pub async fn revoke_role(
        &self,
        ctx: &RequestContext,
        id: UserId,
        role: Role,
    ) -> DomainResult<User> {
        authorize(ctx, TenancyAction::ManageUsers)?;
        self.users
            .change_roles(
                ctx,
                id,
                Box::new(move |user, admins| revoke(user, role, admins)),
            )
            .await
    }

    /// Deactivates a user (tenant admins): from the moment this commits their tokens are
    /// refused in every process, and nothing of theirs is deleted. Deactivating one already
    /// deactivated changes nothing. An admin cannot deactivate themself, so a tenant always
    /// keeps an active admin.
    ///
    /// # Errors
    /// `Forbidden` unless tenant admin; `Validation` for oneself; `NotFound`.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn deactivate_user(&self, ctx: &RequestContext, id: UserId) -> DomainResult<User> {
        authorize(ctx, TenancyAction::ManageUsers)?;
        if ctx.actor().map(Actor::user_id) == Some(id) {
            return Err(DomainError::validation(
                "userId",
                "you cannot deactivate yourself; another tenant admin can",
            ));
        }
        let user = self.users.get(ctx, id).await?;
        if user.deactivated_at.is_some() {
            return Ok(user);
        }
        self.users
            .set_deactivated(ctx, id, Some(chrono::Utc::now()))
            .await
    }

    /// Reactivates a deactivated user (tenant admins); one who is active is left as is.
    ///
    /// # Errors
    /// `Forbidden` unless tenant admin; `NotFound`.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn reactivate_user(&self, ctx: &RequestContext, id: UserId) -> DomainResult<User> {
        authorize(ctx, TenancyAction::ManageUsers)?;
        let user = self.users.get(ctx, id).await?;
        if user.deactivated_at.is_none() {
            return Ok(user);
        }
        self.users.set_deactivated(ctx, id, None).await
    }

    /// Creates a tenant (platform operator, from the CLI).
    ///
    /// # Errors
    /// `Conflict` when the slug is taken.
    pub async fn create_tenant(&self, tenant: &Tenant) -> DomainResult<()> {
        self.tenants.create(tenant).await
    }

    /// Every tenant (platform tasks).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    pub async fn all_tenants(&self) -> DomainResult<Vec<Tenant>> {
        self.tenants.all().await
    }

    /// The tenant with `slug` (CLI and seeding).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    pub async fn find_tenant_by_slug(
        &self,
        slug: &crate::tenancy::model::TenantSlug,
    ) -> DomainResult<Option<Tenant>> {
        self.tenants.find_by_slug(slug).await
    }

    /// The user with `email` in the context's tenant (CLI token minting and seeding).
    ///
    /// # Errors
    /// `Forbidden` unless the system acts.
    pub async fn find_user_by_email(
        &self,
        ctx: &RequestContext,
        email: &Email,
    ) -> DomainResult<Option<User>> {
        if !ctx.is_system() {
            require_actor(ctx)?;
            authorize(ctx, TenancyAction::ViewUsers)?;
        }
        self.users.find_by_email(ctx, email).await
    }
}

/// The rule behind [`TenancyService::revoke_role`], pure so that it is tested on its own.
fn revoke(user: &User, role: Role, tenant_admins: usize) -> DomainResult<BTreeSet<Role>> {
    if role == Role::TenantAdmin && user.roles.contains(&Role::TenantAdmin) && tenant_admins <= 1 {
        return Err(DomainError::Conflict(Conflict::LastAdmin));
    }
    let mut roles = user.roles.clone();
    roles.remove(&role);
    Ok(roles)
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
