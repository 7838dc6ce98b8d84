//! A tenant's users and their roles.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use peerbro_domain::context::{RequestContext, Role};
use peerbro_domain::ids::{OrganisationId, TenantId, UserId};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::tenancy::{DisplayName, Email, IdpSubject, RoleChange, User, UserRepository};
use peerbro_domain::{DomainError, DomainResult, Duplicate};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait as _, JoinType, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait as _, EntityTrait,
    FromQueryResult as _, Iterable as _, QueryFilter,
};
use uuid::Uuid;

use crate::db::{Database, Tx};
use crate::entities::{memberships, users};
use crate::errors::{map_unique, unexpected};
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
        deactivated_at: m.deactivated_at,
        idp_subject: m
            .idp_subject
            .as_deref()
            .map(IdpSubject::parse)
            .transpose()
            .map_err(|_| corrupt("identity-provider subject"))?,
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

/// One user with their roles, in one statement (every authenticated request resolves its
/// caller this way): the user's row left-joined to their memberships.
async fn user_with_roles(tx: &Tx, tenant: TenantId, id: UserId) -> DomainResult<User> {
    let mut query = Query::select();
    for column in users::Column::iter() {
        query.column((users::Entity, column));
    }
    query
        .expr_as(
            Expr::col((memberships::Entity, memberships::Column::Role)),
            Alias::new("member_role"),
        )
        .from(users::Entity)
        .join(
            JoinType::LeftJoin,
            memberships::Entity,
            Condition::all()
                .add(
                    Expr::col((memberships::Entity, memberships::Column::TenantId))
                        .equals((users::Entity, users::Column::TenantId)),
                )
                .add(
                    Expr::col((memberships::Entity, memberships::Column::UserId))
                        .equals((users::Entity, users::Column::Id)),
                ),
        )
        .and_where(Expr::col((users::Entity, users::Column::TenantId)).eq(tenant.as_uuid()))
        .and_where(Expr::col((users::Entity, users::Column::Id)).eq(id.as_uuid()));
    let rows = tx.query_all(&query).await.map_err(unexpected)?;
    let mut roles = BTreeSet::new();
    let mut model = None;
    for row in rows {
        if let Some(role) = row
            .try_get::<Option<String>>("", "member_role")
            .map_err(unexpected)?
        {
            roles.insert(role.parse::<Role>().map_err(|_| corrupt("role"))?);
        }
        if model.is_none() {
            model = Some(users::Model::from_query_result(&row, "").map_err(unexpected)?);
        }
    }
    let model = model.ok_or(DomainError::NotFound { resource: "user" })?;
    user_from(model, roles)
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
        let user = user_with_roles(&tx, tenant, id).await?;
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
        let row = users::Entity::find()
            .filter(users::Column::TenantId.eq(tenant.as_uuid()))
            .filter(users::Column::IdpSubject.eq(subject.as_str()))
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

    #[tracing::instrument(skip_all)]
    async fn get_many(&self, ctx: &RequestContext, ids: &[UserId]) -> DomainResult<Vec<User>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows = users::Entity::find()
            .filter(users::Column::TenantId.eq(tenant.as_uuid()))
            .filter(users::Column::Id.is_in(ids.iter().map(UserId::as_uuid)))
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let users = users_with_roles(&tx, tenant, rows).await?;
        tx.commit().await?;
        Ok(users)
    }

    async fn list(&self, ctx: &RequestContext, page: &PageRequest) -> DomainResult<Page<User>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let query = users::Entity::find().filter(users::Column::TenantId.eq(tenant.as_uuid()));
        let total = crate::repositories::total_of(&tx, &query, page).await?;
        let rows = keyset(query, users::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let users = users_with_roles(&tx, tenant, rows).await?;
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
            deactivated_at: Set(user.deactivated_at),
            idp_subject: Set(user.idp_subject.as_ref().map(|s| s.as_str().to_owned())),
        }
        .insert(&tx)
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
        let row = find_user(&tx, tenant, id).await?;
        let mut active: users::ActiveModel = row.into();
        active.deactivated_at = Set(at);
        let row = active.update(&tx).await.map_err(unexpected)?;
        let user = users_with_roles(&tx, tenant, vec![row])
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
