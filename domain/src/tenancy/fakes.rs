//! In-memory fakes of the tenancy ports for domain tests: tenant-scoped like the real adapters.

use std::sync::Mutex;

use async_trait::async_trait;

use crate::context::{RequestContext, Role};
use crate::error::{DomainError, DomainResult};
use crate::ids::{OrganisationId, TenantId, UserId};
use crate::page::{Page, PageRequest};
use crate::tenancy::model::{Email, Organisation, OrganisationFilter, Tenant, TenantSlug, User};
use crate::tenancy::ports::{
    OrganisationChange, OrganisationRepository, RoleChange, TenantRepository, UserRepository,
};

#[derive(Default)]
pub(crate) struct InMemory {
    tenants: Mutex<Vec<Tenant>>,
    organisations: Mutex<Vec<(TenantId, Organisation)>>,
    users: Mutex<Vec<(TenantId, User)>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[async_trait]
impl TenantRepository for InMemory {
    async fn create(&self, tenant: &Tenant) -> DomainResult<()> {
        lock(&self.tenants).push(tenant.clone());
        Ok(())
    }
    async fn current(&self, ctx: &RequestContext) -> DomainResult<Tenant> {
        let id = ctx.tenant_id()?;
        lock(&self.tenants)
            .iter()
            .find(|t| t.id == id)
            .cloned()
            .ok_or(DomainError::NotFound { resource: "tenant" })
    }
    async fn all(&self) -> DomainResult<Vec<Tenant>> {
        Ok(lock(&self.tenants).clone())
    }
    async fn find_by_slug(&self, slug: &TenantSlug) -> DomainResult<Option<Tenant>> {
        Ok(lock(&self.tenants)
            .iter()
            .find(|t| &t.slug == slug)
            .cloned())
    }
}

#[async_trait]
impl OrganisationRepository for InMemory {
    async fn list(
        &self,
        ctx: &RequestContext,
        _filter: OrganisationFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Organisation>> {
        let t = ctx.tenant_id()?;
        let rows = lock(&self.organisations)
            .iter()
            .filter(|(tt, _)| *tt == t)
            .map(|(_, o)| o.clone())
            .collect();
        Ok(Page::from_probe(rows, page))
    }
    async fn get(&self, ctx: &RequestContext, id: OrganisationId) -> DomainResult<Organisation> {
        let t = ctx.tenant_id()?;
        lock(&self.organisations)
            .iter()
            .find(|(tt, o)| *tt == t && o.id == id)
            .map(|(_, o)| o.clone())
            .ok_or(DomainError::NotFound {
                resource: "organisation",
            })
    }
    async fn get_many(
        &self,
        ctx: &RequestContext,
        ids: &[OrganisationId],
    ) -> DomainResult<Vec<Organisation>> {
        let t = ctx.tenant_id()?;
        Ok(lock(&self.organisations)
            .iter()
            .filter(|(tt, o)| *tt == t && ids.contains(&o.id))
            .map(|(_, o)| o.clone())
            .collect())
    }
    async fn create(&self, ctx: &RequestContext, org: &Organisation) -> DomainResult<()> {
        lock(&self.organisations).push((ctx.tenant_id()?, org.clone()));
        Ok(())
    }
    async fn update(
        &self,
        ctx: &RequestContext,
        id: OrganisationId,
        change: OrganisationChange,
    ) -> DomainResult<Organisation> {
        let t = ctx.tenant_id()?;
        let mut orgs = lock(&self.organisations);
        let (_, org) = orgs
            .iter_mut()
            .find(|(tt, o)| *tt == t && o.id == id)
            .ok_or(DomainError::NotFound {
                resource: "organisation",
            })?;
        change(org)?;
        Ok(org.clone())
    }
}

#[async_trait]
impl UserRepository for InMemory {
    async fn get(&self, ctx: &RequestContext, id: UserId) -> DomainResult<User> {
        let t = ctx.tenant_id()?;
        lock(&self.users)
            .iter()
            .find(|(tt, u)| *tt == t && u.id == id)
            .map(|(_, u)| u.clone())
            .ok_or(DomainError::NotFound { resource: "user" })
    }
    async fn by_idp_subject(
        &self,
        tenant: TenantId,
        subject: &crate::tenancy::IdpSubject,
    ) -> DomainResult<Option<User>> {
        Ok(lock(&self.users)
            .iter()
            .find(|(t, u)| *t == tenant && u.idp_subject.as_ref() == Some(subject))
            .map(|(_, u)| u.clone()))
    }
    async fn get_many(&self, ctx: &RequestContext, ids: &[UserId]) -> DomainResult<Vec<User>> {
        let t = ctx.tenant_id()?;
        Ok(lock(&self.users)
            .iter()
            .filter(|(tt, u)| *tt == t && ids.contains(&u.id))
            .map(|(_, u)| u.clone())
            .collect())
    }
    async fn list(&self, ctx: &RequestContext, page: &PageRequest) -> DomainResult<Page<User>> {
        let t = ctx.tenant_id()?;
        let rows = lock(&self.users)
            .iter()
            .filter(|(tt, _)| *tt == t)
            .map(|(_, u)| u.clone())
            .collect();
        Ok(Page::from_probe(rows, page))
    }
    async fn find_by_email(
        &self,
        ctx: &RequestContext,
        email: &Email,
    ) -> DomainResult<Option<User>> {
        let t = ctx.tenant_id()?;
        Ok(lock(&self.users)
            .iter()
            .find(|(tt, u)| *tt == t && &u.email == email)
            .map(|(_, u)| u.clone()))
    }
    async fn create(&self, ctx: &RequestContext, user: &User) -> DomainResult<()> {
        lock(&self.users).push((ctx.tenant_id()?, user.clone()));
        Ok(())
    }
    async fn change_roles(
        &self,
        ctx: &RequestContext,
        id: UserId,
        change: RoleChange,
    ) -> DomainResult<User> {
        let t = ctx.tenant_id()?;
        let mut users = lock(&self.users);
        let admins = users
            .iter()
            .filter(|(tt, u)| *tt == t && u.roles.contains(&Role::TenantAdmin))
            .count();
        let (_, user) = users
            .iter_mut()
            .find(|(tt, u)| *tt == t && u.id == id)
            .ok_or(DomainError::NotFound { resource: "user" })?;
        user.roles = change(user, admins)?;
        Ok(user.clone())
    }

    async fn set_deactivated(
        &self,
        ctx: &RequestContext,
        id: UserId,
        at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> DomainResult<User> {
        let t = ctx.tenant_id()?;
        let mut users = lock(&self.users);
        let (_, user) = users
            .iter_mut()
            .find(|(tt, u)| *tt == t && u.id == id)
            .ok_or(DomainError::NotFound { resource: "user" })?;
        user.deactivated_at = at;
        Ok(user.clone())
    }
}
