//! A tenant's users and their roles.

use async_trait::async_trait;
use peerbro_domain::context::{RequestContext, Role};
use peerbro_domain::ids::{TenantId, UserId};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::tenancy::{Email, IdpSubject, RoleChange, User, UserRepository};
use peerbro_domain::{DomainError, DomainResult, Duplicate};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait as _, EntityTrait, QueryFilter};

use crate::db::{Database, Tx};
use crate::entities::{memberships, users};
use crate::errors::{map_unique, unexpected};
use crate::repositories::page::keyset;
use crate::repositories::rows::for_update;
use crate::vault::Vault;

use super::logins::{self, UserRow};
use super::user_rows::{find_row, user_with_roles, users_with_roles};

/// [`UserRepository`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaUserRepository {
    db: Database,
    vault: Vault,
}

impl SeaUserRepository {
    /// Over `db`, sealing logins with `vault`.
    #[must_use]
    pub const fn new(db: Database, vault: Vault) -> Self {
        Self { db, vault }
    }
}

fn membership(tenant: TenantId, user: UserId, role: Role) -> memberships::ActiveModel {
    memberships::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        user_id: Set(user.as_uuid()),
        role: Set(role.as_str().to_owned()),
        granted_at: Set(chrono::Utc::now()),
    }
}

pub(super) async fn find_user(tx: &Tx, tenant: TenantId, id: UserId) -> DomainResult<users::Model> {
    users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant.as_uuid()))
        .filter(users::Column::Id.eq(id.as_uuid()))
        .one(tx)
        .await
        .map_err(unexpected)?
        .ok_or(DomainError::NotFound { resource: "user" })
}

/// Notifies every listening process, when `tx` commits, that `user`'s roles changed
/// (PostgreSQL; nothing on SQLite).
///
/// # Errors
/// When the statement fails (the change then rolls back with it).
pub(super) async fn notify_callers(
    tx: &Tx,
    tenant: TenantId,
    user: UserId,
) -> peerbro_domain::DomainResult<()> {
    if tx.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return Ok(());
    }
    tx.execute_raw(sea_orm::Statement::from_sql_and_values(
        sea_orm::DatabaseBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [
            crate::callers::CHANNEL.into(),
            format!("{} {}", tenant.as_uuid(), user.as_uuid()).into(),
        ],
    ))
    .await
    .map(|_| ())
    .map_err(crate::errors::unexpected)
}

#[async_trait]
impl UserRepository for SeaUserRepository {
    async fn get(&self, ctx: &RequestContext, id: UserId) -> DomainResult<User> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let user = user_with_roles(&tx, &self.vault, tenant, id).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// From memory while the caller cache is live (PostgreSQL, listening for changes: see
    /// `crate::callers`), else as [`Self::get`].
    async fn caller(&self, tenant: TenantId, id: UserId) -> DomainResult<User> {
        let cache = &self.db.callers;
        if let Some(user) = cache.get(tenant, id) {
            return Ok(user);
        }
        let generation = cache.generation();
        let user = self.get(&RequestContext::system(tenant), id).await?;
        cache.keep(generation, tenant, &user);
        Ok(user)
    }

    async fn by_idp_subject(
        &self,
        tenant: TenantId,
        subject: &IdpSubject,
    ) -> DomainResult<Option<User>> {
        let tx = self.db.begin_read(tenant).await?;
        let row = logins::find_by(
            &self.vault,
            &tx,
            tenant,
            logins::BY_IDP_SUBJECT,
            subject.as_str(),
        )
        .await?;
        let user = match row {
            Some(row) => users_with_roles(&tx, &self.vault, tenant, vec![row])
                .await?
                .pop(),
            None => None,
        };
        tx.commit().await?;
        Ok(user)
    }

    #[tracing::instrument(skip_all)]
    async fn get_many(&self, ctx: &RequestContext, ids: &[UserId]) -> DomainResult<Vec<User>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows = logins::select(tenant)
            .filter(users::Column::Id.is_in(ids.iter().map(UserId::as_uuid)))
            .into_model::<UserRow>()
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let users = users_with_roles(&tx, &self.vault, tenant, rows).await?;
        tx.commit().await?;
        Ok(users)
    }

    async fn list(&self, ctx: &RequestContext, page: &PageRequest) -> DomainResult<Page<User>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let query = users::Entity::find().filter(users::Column::TenantId.eq(tenant.as_uuid()));
        let total = crate::repositories::total_of(&tx, &query, page).await?;
        let rows = keyset(logins::with_tenant_key(query), users::Column::Id, page)
            .into_model::<UserRow>()
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let users = users_with_roles(&tx, &self.vault, tenant, rows).await?;
        tx.commit().await?;
        Ok(Page::from_probe(users, page).with_total(total))
    }

    async fn find_by_email(
        &self,
        ctx: &RequestContext,
        email: &Email,
    ) -> DomainResult<Option<User>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row =
            logins::find_by(&self.vault, &tx, tenant, logins::BY_EMAIL, email.as_str()).await?;
        let user = match row {
            Some(row) => users_with_roles(&tx, &self.vault, tenant, vec![row])
                .await?
                .pop(),
            None => None,
        };
        tx.commit().await?;
        Ok(user)
    }

    #[tracing::instrument(skip_all, fields(user = %user.id))]
    async fn create(&self, ctx: &RequestContext, user: &User) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        users::Entity::insert(logins::sealing::new_row(&self.vault, &tx, tenant, user).await?)
            .exec_without_returning(&tx)
            .await
            .map_err(|e| {
                map_unique(
                    e,
                    "idp_subject",
                    Duplicate::MemberIdentity,
                    Duplicate::MemberEmail,
                )
            })?;
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
        let row = find_row(&tx, tenant, id).await?;
        let mut user = users_with_roles(&tx, &self.vault, tenant, vec![row])
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
        // Every process drops the user from its caller cache as this commits.
        notify_callers(&tx, tenant, id).await?;
        tx.commit().await?;
        self.db.callers.forget(tenant, id);
        user.roles = new_roles;
        Ok(user)
    }

    #[tracing::instrument(skip_all, fields(user = %id))]
    async fn set_deactivated(
        &self,
        ctx: &RequestContext,
        id: UserId,
        at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> DomainResult<User> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let mut row = find_row(&tx, tenant, id).await?;
        users::Entity::update_many()
            .col_expr(users::Column::DeactivatedAt, Expr::value(at))
            .filter(users::Column::TenantId.eq(tenant.as_uuid()))
            .filter(users::Column::Id.eq(id.as_uuid()))
            .exec(&tx)
            .await
            .map_err(unexpected)?;
        row.model.deactivated_at = at;
        let user = users_with_roles(&tx, &self.vault, tenant, vec![row])
            .await?
            .pop()
            .ok_or(DomainError::NotFound { resource: "user" })?;
        // Every process drops the user from its caller cache as this commits.
        notify_callers(&tx, tenant, id).await?;
        tx.commit().await?;
        self.db.callers.forget(tenant, id);
        Ok(user)
    }
}
