//! One person in several partnerships (ADR 0028): a membership can be linked to the identity
//! provider's subject of the person holding it; a caller proven to be that person lists their
//! memberships (`my_tenants`) and may act in another of them (`membership_in`, the token
//! exchange). Each tenant is read in its own scoped transaction: row-level security stays
//! absolute, and nothing of another tenant is read beyond the person's own membership.

use std::collections::BTreeSet;

use crate::authz::require_actor;
use crate::context::{RequestContext, Role};
use crate::error::{DomainError, DomainResult};
use crate::ids::UserId;
use crate::tenancy::model::{Tenant, TenantSlug, User};
use crate::tenancy::service::TenancyService;
use crate::tenancy::subject::IdpSubject;

/// A person's membership of one tenant, as they see it in the list of their partnerships.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantMembership {
    /// The tenant.
    pub tenant: Tenant,
    /// Their user (membership) id there.
    pub user_id: UserId,
    /// The roles granted there (in the current tenant: the roles in force now).
    pub roles: BTreeSet<Role>,
    /// Whether it is the tenant the request acts in.
    pub current: bool,
}

fn no_membership() -> DomainError {
    DomainError::NotFound {
        resource: "membership",
    }
}

impl TenancyService {
    /// The caller's memberships, in slug order: the current one always, and — when the
    /// caller is proven to be a person of the identity provider — every active membership
    /// linked to that person in other tenants. Deactivated memberships are left out.
    ///
    /// # Errors
    /// `Unauthenticated` for anonymous callers; `Unavailable`/`Unknown` on storage failure.
    pub async fn my_tenants(&self, ctx: &RequestContext) -> DomainResult<Vec<TenantMembership>> {
        let actor = require_actor(ctx)?;
        let current = ctx.tenant_id()?;
        let subject = actor.identity().map(IdpSubject::parse).transpose()?;
        let mut found = Vec::new();
        for tenant in self.tenants.all().await? {
            if tenant.id == current {
                found.push(TenantMembership {
                    tenant,
                    user_id: actor.user_id(),
                    roles: actor.roles().clone(),
                    current: true,
                });
                continue;
            }
            let Some(subject) = &subject else {
                continue;
            };
            if let Some(user) = self.users.by_idp_subject(tenant.id, subject).await?
                && user.deactivated_at.is_none()
            {
                found.push(TenantMembership {
                    tenant,
                    user_id: user.id,
                    roles: user.roles,
                    current: false,
                });
            }
        }
        Ok(found)
    }

    /// The caller's own active membership of the tenant `target`: what a token for that
    /// tenant is issued for (the token exchange). Only a caller proven to be a person of the
    /// identity provider has memberships elsewhere.
    ///
    /// # Errors
    /// `NotFound` (resource `membership`) — the same whether the tenant does not exist, the
    /// person is no member of it, the membership is deactivated or the caller is not proven
    /// to be a person; `Unauthenticated` for anonymous callers.
    pub async fn membership_in(
        &self,
        ctx: &RequestContext,
        target: &TenantSlug,
    ) -> DomainResult<(Tenant, User)> {
        let actor = require_actor(ctx)?;
        let subject = IdpSubject::parse(actor.identity().ok_or_else(no_membership)?)?;
        let tenant = self
            .tenants
            .find_by_slug(target)
            .await?
            .ok_or_else(no_membership)?;
        let user = self
            .users
            .by_idp_subject(tenant.id, &subject)
            .await?
            .filter(|u| u.deactivated_at.is_none())
            .ok_or_else(no_membership)?;
        Ok((tenant, user))
    }
}

#[cfg(test)]
#[path = "identity_tests.rs"]
mod tests;
