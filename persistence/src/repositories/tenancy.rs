//! Tenancy adapters: tenants, organisations, users and their roles.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use peerbro_domain::context::{RequestContext, Role};
use peerbro_domain::ids::{OrganisationId, TenantId, UserId};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::tenancy::{
    DisplayName, Email, Organisation, OrganisationChange, OrganisationFilter, OrganisationKind,
    OrganisationName, OrganisationRepository, RoleChange, Tenant, TenantRepository, TenantSlug,
    User, UserRepository,
};
use peerbro_domain::{DomainError, DomainResult, Duplicate};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};
use uuid::Uuid;

use super::page::keyset;
use super::rows::{by_id, for_update};
use crate::db::{Database, Tx};
use crate::entities::{memberships, organisations, tenants, users};
use crate::errors::{map_db, unexpected};

/// Stored values that no longer parse mean the database was changed behind the domain's back.
fn corrupt(what: &str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("stored {what} does not parse"))
}

// ---------------------------------------------------------------------------------------------
// Tenants

/// [`TenantRepository`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaTenantRepository {
    db: Database,
}

impl SeaTenantRepository {
    /// Over `db`.
    #[must_use]
    pub const fn new(db: Database) -> Self {
        Self { db }
    }
}

fn tenant_from(m: tenants::Model) -> DomainResult<Tenant> {
    Ok(Tenant {
        id: TenantId::from_uuid(m.id),
        slug: TenantSlug::parse(&m.slug).map_err(|_| corrupt("tenant slug"))?,
        name: m.name,
        municipality: m.municipality,
        created_at: m.created_at,
    })
}

#[async_trait]
impl TenantRepository for SeaTenantRepository {
    #[tracing::instrument(skip_all, fields(tenant = %tenant.id))]
    async fn create(&self, tenant: &Tenant) -> DomainResult<()> {
        let tx = self.db.begin(tenant.id).await?;
        tenants::ActiveModel {
            id: Set(tenant.id.as_uuid()),
            slug: Set(tenant.slug.as_str().to_owned()),
            name: Set(tenant.name.clone()),
            municipality: Set(tenant.municipality.clone()),
            created_at: Set(tenant.created_at),
        }
        .insert(&tx)
        .await
        .map_err(|e| map_db(e, Duplicate::TenantSlug))?;
        tx.commit().await
    }

    async fn current(&self, ctx: &RequestContext) -> DomainResult<Tenant> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = tenants::Entity::find_by_id(tenant.as_uuid())
            .one(&tx)
            .await
            .map_err(unexpected)?
            .ok_or(DomainError::NotFound { resource: "tenant" })?;
        tx.commit().await?;
        tenant_from(row)
    }

    async fn all(&self) -> DomainResult<Vec<Tenant>> {
        let tx = self.db.begin_unscoped().await?;
        let rows = tenants::Entity::find()
            .order_by_asc(tenants::Column::Slug)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter().map(tenant_from).collect()
    }

    async fn find_by_slug(&self, slug: &TenantSlug) -> DomainResult<Option<Tenant>> {
        let tx = self.db.begin_unscoped().await?;
        let row = tenants::Entity::find()
            .filter(tenants::Column::Slug.eq(slug.as_str()))
            .one(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        row.map(tenant_from).transpose()
    }
}

// ---------------------------------------------------------------------------------------------
// Organisations

/// [`OrganisationRepository`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaOrganisationRepository {
    db: Database,
}

impl SeaOrganisationRepository {
    /// Over `db`.
    #[must_use]
    pub const fn new(db: Database) -> Self {
        Self { db }
    }
}

pub(crate) fn organisation_from(m: organisations::Model) -> DomainResult<Organisation> {
    Ok(Organisation {
        id: OrganisationId::from_uuid(m.id),
        name: OrganisationName::parse(&m.name).map_err(|_| corrupt("organisation name"))?,
        kind: m
            .kind
            .parse::<OrganisationKind>()
            .map_err(|_| corrupt("organisation kind"))?,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

async fn find_organisation(
    tx: &Tx,
    tenant: TenantId,
    id: OrganisationId,
    for_update: bool,
) -> DomainResult<organisations::Model> {
    by_id::<organisations::Entity>(tx, tenant, id.as_uuid(), for_update, "organisation").await
}

#[async_trait]
impl OrganisationRepository for SeaOrganisationRepository {
    #[tracing::instrument(skip_all)]
    async fn list(
        &self,
        ctx: &RequestContext,
        filter: OrganisationFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Organisation>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let mut query = organisations::Entity::find()
            .filter(organisations::Column::TenantId.eq(tenant.as_uuid()));
        if let Some(kind) = filter.kind {
            query = query.filter(organisations::Column::Kind.eq(kind.as_str()));
        }
        let rows = keyset(query, organisations::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        let rows = rows
            .into_iter()
            .map(organisation_from)
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Page::from_probe(rows, page))
    }

    async fn get(&self, ctx: &RequestContext, id: OrganisationId) -> DomainResult<Organisation> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_organisation(&tx, tenant, id, false).await?;
        tx.commit().await?;
        organisation_from(row)
    }

    async fn get_many(
        &self,
        ctx: &RequestContext,
        ids: &[OrganisationId],
    ) -> DomainResult<Vec<Organisation>> {
        let tenant = ctx.tenant_id()?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let tx = self.db.begin(tenant).await?;
        let rows = organisations::Entity::find()
            .filter(organisations::Column::TenantId.eq(tenant.as_uuid()))
            .filter(organisations::Column::Id.is_in(ids.iter().map(OrganisationId::as_uuid)))
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter().map(organisation_from).collect()
    }

    #[tracing::instrument(skip_all, fields(organisation = %org.id))]
    async fn create(&self, ctx: &RequestContext, org: &Organisation) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        organisations::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(org.id.as_uuid()),
            name: Set(org.name.as_str().to_owned()),
            kind: Set(org.kind.as_str().to_owned()),
            created_at: Set(org.created_at),
            updated_at: Set(org.updated_at),
        }
        .insert(&tx)
        .await
        .map_err(|e| map_db(e, Duplicate::OrganisationName))?;
        tx.commit().await
    }

    #[tracing::instrument(skip_all, fields(organisation = %id))]
    async fn update(
        &self,
        ctx: &RequestContext,
        id: OrganisationId,
        change: OrganisationChange,
    ) -> DomainResult<Organisation> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_organisation(&tx, tenant, id, true).await?;
        let mut org = organisation_from(row.clone())?;
        change(&mut org)?;
        let mut active = row.into_active_model();
        active.name = Set(org.name.as_str().to_owned());
        active.kind = Set(org.kind.as_str().to_owned());
        active.updated_at = Set(org.updated_at);
        active
            .update(&tx)
            .await
            .map_err(|e| map_db(e, Duplicate::OrganisationName))?;
        tx.commit().await?;
        Ok(org)
    }
}

// ---------------------------------------------------------------------------------------------
// Users

/// [`UserRepository`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaUserRepository {
    db: Database,
}

impl SeaUserRepository {
    /// Over `db`.
    #[must_use]
    pub const fn new(db: Database) -> Self {
        Self { db }
    }
}

fn user_from(m: users::Model, roles: BTreeSet<Role>) -> DomainResult<User> {
    Ok(User {
        id: UserId::from_uuid(m.id),
        email: Email::parse(&m.email).map_err(|_| corrupt("e-mail"))?,
        display_name: DisplayName::parse(&m.display_name).map_err(|_| corrupt("display name"))?,
        organisation_id: m.organisation_id.map(OrganisationId::from_uuid),
        roles,
        created_at: m.created_at,
    })
}

/// The roles of `user_ids`, in one query.
async fn roles_of(
    tx: &Tx,
    tenant: TenantId,
    user_ids: &[Uuid],
) -> DomainResult<BTreeMap<Uuid, BTreeSet<Role>>> {
    let rows = memberships::Entity::find()
        .filter(memberships::Column::TenantId.eq(tenant.as_uuid()))
        .filter(memberships::Column::UserId.is_in(user_ids.iter().copied()))
        .all(tx)
        .await
        .map_err(unexpected)?;
    let mut by_user: BTreeMap<Uuid, BTreeSet<Role>> = BTreeMap::new();
    for row in rows {
        let role = row.role.parse::<Role>().map_err(|_| corrupt("role"))?;
        by_user.entry(row.user_id).or_default().insert(role);
    }
    Ok(by_user)
}

async fn users_with_roles(
    tx: &Tx,
    tenant: TenantId,
    rows: Vec<users::Model>,
) -> DomainResult<Vec<User>> {
    let ids: Vec<Uuid> = rows.iter().map(|u| u.id).collect();
    let mut roles = roles_of(tx, tenant, &ids).await?;
    rows.into_iter()
        .map(|m| {
            let r = roles.remove(&m.id).unwrap_or_default();
            user_from(m, r)
        })
        .collect()
}

fn membership(tenant: TenantId, user: UserId, role: Role) -> memberships::ActiveModel {
    memberships::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        user_id: Set(user.as_uuid()),
        role: Set(role.as_str().to_owned()),
        granted_at: Set(chrono::Utc::now()),
    }
}

async fn find_user(tx: &Tx, tenant: TenantId, id: UserId) -> DomainResult<users::Model> {
    users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant.as_uuid()))
        .filter(users::Column::Id.eq(id.as_uuid()))
        .one(tx)
        .await
        .map_err(unexpected)?
        .ok_or(DomainError::NotFound { resource: "user" })
}

#[async_trait]
impl UserRepository for SeaUserRepository {
    async fn get(&self, ctx: &RequestContext, id: UserId) -> DomainResult<User> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_user(&tx, tenant, id).await?;
        let mut users = users_with_roles(&tx, tenant, vec![row]).await?;
        tx.commit().await?;
        users
            .pop()
            .ok_or(DomainError::NotFound { resource: "user" })
    }

    #[tracing::instrument(skip_all)]
    async fn list(&self, ctx: &RequestContext, page: &PageRequest) -> DomainResult<Page<User>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let query = users::Entity::find().filter(users::Column::TenantId.eq(tenant.as_uuid()));
        let rows = keyset(query, users::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let users = users_with_roles(&tx, tenant, rows).await?;
        tx.commit().await?;
        Ok(Page::from_probe(users, page))
    }

    async fn find_by_email(
        &self,
        ctx: &RequestContext,
        email: &Email,
    ) -> DomainResult<Option<User>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = users::Entity::find()
            .filter(users::Column::TenantId.eq(tenant.as_uuid()))
            .filter(users::Column::Email.eq(email.as_str()))
            .one(&tx)
            .await
            .map_err(unexpected)?;
        let user = match row {
            Some(row) => users_with_roles(&tx, tenant, vec![row]).await?.pop(),
            None => None,
        };
        tx.commit().await?;
        Ok(user)
    }

    #[tracing::instrument(skip_all, fields(user = %user.id))]
    async fn create(&self, ctx: &RequestContext, user: &User) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        users::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(user.id.as_uuid()),
            email: Set(user.email.as_str().to_owned()),
            display_name: Set(user.display_name.as_str().to_owned()),
            organisation_id: Set(user.organisation_id.map(|o| o.as_uuid())),
            created_at: Set(user.created_at),
        }
        .insert(&tx)
        .await
        .map_err(|e| map_db(e, Duplicate::MemberEmail))?;
        if !user.roles.is_empty() {
            memberships::Entity::insert_many(
                user.roles.iter().map(|r| membership(tenant, user.id, *r)),
            )
            .exec(&tx)
            .await
            .map_err(unexpected)?;
        }
        tx.commit().await
    }

    #[tracing::instrument(skip_all, fields(user = %id))]
    async fn change_roles(
        &self,
        ctx: &RequestContext,
        id: UserId,
        change: RoleChange,
    ) -> DomainResult<User> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        // Lock the admin memberships first, so that two admins revoking each other's admin
        // role at once cannot both see "two admins" and leave the tenant with none.
        let admins = memberships::Entity::find()
            .filter(memberships::Column::TenantId.eq(tenant.as_uuid()))
            .filter(memberships::Column::Role.eq(Role::TenantAdmin.as_str()));
        let admin_count = for_update(&tx, admins)
            .all(&tx)
            .await
            .map_err(unexpected)?
            .len();
        let row = find_user(&tx, tenant, id).await?;
        let mut user = users_with_roles(&tx, tenant, vec![row])
            .await?
            .pop()
            .ok_or(DomainError::NotFound { resource: "user" })?;
        let new_roles = change(&user, admin_count)?;
        let removed: Vec<&str> = user
            .roles
            .difference(&new_roles)
            .map(|r| r.as_str())
            .collect();
        let added: Vec<Role> = new_roles.difference(&user.roles).copied().collect();
        if !removed.is_empty() {
            memberships::Entity::delete_many()
                .filter(memberships::Column::TenantId.eq(tenant.as_uuid()))
                .filter(memberships::Column::UserId.eq(id.as_uuid()))
                .filter(memberships::Column::Role.is_in(removed))
                .exec(&tx)
                .await
                .map_err(unexpected)?;
        }
        if !added.is_empty() {
            memberships::Entity::insert_many(added.into_iter().map(|r| membership(tenant, id, r)))
                .exec(&tx)
                .await
                .map_err(unexpected)?;
        }
        tx.commit().await?;
        user.roles = new_roles;
        Ok(user)
    }
}
