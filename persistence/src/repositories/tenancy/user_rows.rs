//! Reading users: their rows with the tenant key that seals their logins, their roles, and
//! the one-statement read of a caller.

use std::collections::{BTreeMap, BTreeSet};

use peerbro_domain::context::Role;
use peerbro_domain::ids::{OrganisationId, TenantId, UserId};
use peerbro_domain::tenancy::User;
use peerbro_domain::{DomainError, DomainResult};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait as _, JoinType, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait as _, EntityTrait, FromQueryResult as _, Iterable as _,
    QueryFilter,
};
use uuid::Uuid;

use super::logins::{self, Login, UserRow};
use super::tenants::corrupt;
use crate::db::Tx;
use crate::entities::{memberships, users};
use crate::errors::unexpected;
use crate::vault::Vault;

pub(super) fn user_from(
    m: users::Model,
    login: Login,
    roles: BTreeSet<Role>,
) -> DomainResult<User> {
    Ok(User {
        id: UserId::from_uuid(m.id),
        email: login.email,
        display_name: login.display_name,
        organisation_id: m.organisation_id.map(OrganisationId::from_uuid),
        roles,
        created_at: m.created_at,
        deactivated_at: m.deactivated_at,
        idp_subject: login.idp_subject,
    })
}

/// The roles of `user_ids`, in one query.
pub(super) async fn roles_of(
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

pub(super) async fn users_with_roles(
    tx: &Tx,
    vault: &Vault,
    tenant: TenantId,
    rows: Vec<UserRow>,
) -> DomainResult<Vec<User>> {
    let ids: Vec<Uuid> = rows.iter().map(|u| u.model.id).collect();
    let mut roles = roles_of(tx, tenant, &ids).await?;
    let logins = logins::open_all(vault, tenant, &rows)?;
    rows.into_iter()
        .zip(logins)
        .map(|(row, login)| {
            let r = roles.remove(&row.model.id).unwrap_or_default();
            user_from(row.model, login, r)
        })
        .collect()
}

/// One user's row with the tenant key's wrapping.
pub(super) async fn find_row(tx: &Tx, tenant: TenantId, id: UserId) -> DomainResult<UserRow> {
    logins::select(tenant)
        .filter(users::Column::Id.eq(id.as_uuid()))
        .into_model::<UserRow>()
        .one(tx)
        .await
        .map_err(unexpected)?
        .ok_or(DomainError::NotFound { resource: "user" })
}

/// One user with their roles, in one statement (every authenticated request resolves its
/// caller this way): the user's row left-joined to their memberships and to the tenant key
/// that seals their login.
pub(super) async fn user_with_roles(
    tx: &Tx,
    vault: &Vault,
    tenant: TenantId,
    id: UserId,
) -> DomainResult<User> {
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
    logins::join_tenant_key(&mut query);
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
            model = Some(UserRow::from_query_result(&row, "").map_err(unexpected)?);
        }
    }
    let row = model.ok_or(DomainError::NotFound { resource: "user" })?;
    let login = logins::open_all(vault, tenant, std::slice::from_ref(&row))?
        .pop()
        .ok_or_else(|| corrupt("user"))?;
    user_from(row.model, login, roles)
}
