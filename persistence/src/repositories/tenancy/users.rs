//! A tenant's users and their roles.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use peerbro_domain::context::{RequestContext, Role};
use peerbro_domain::ids::{OrganisationId, TenantId, UserId};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::tenancy::{DisplayName, Email, RoleChange, User, UserRepository};
use peerbro_domain::{DomainError, DomainResult, Duplicate};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::db::{Database, Tx};
use crate::entities::{memberships, users};
use crate::errors::{map_db, unexpected};
use crate::repositories::page::keyset;
use crate::repositories::rows::for_update;

use super::tenants::corrupt;

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
