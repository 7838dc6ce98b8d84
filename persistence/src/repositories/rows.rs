//! Row look-ups shared by the adapters.

use std::str::FromStr;

use peerbro_domain::ids::{OrganisationId, TenantId};
use peerbro_domain::tenancy::{Organisation, OrganisationKind, OrganisationName};
use peerbro_domain::{DomainError, DomainResult};
use sea_orm::{ColumnTrait as _, EntityTrait, QueryFilter as _, QuerySelect as _, Select};
use uuid::Uuid;

use crate::db::Tx;
use crate::entities::organisations;
use crate::errors::unexpected;

/// Adds `FOR UPDATE` where it means something: on PostgreSQL. SQLite's `IMMEDIATE`
/// transactions already serialise writers.
pub(crate) fn for_update<E: EntityTrait>(tx: &Tx, query: Select<E>) -> Select<E> {
    if tx.locks_rows() {
        query.lock_exclusive()
    } else {
        query
    }
}

/// The row of `E` with `id` in `tenant` (locked when `lock`), or `NotFound { resource }`.
/// Every tenant table names these columns `tenant_id` and `id`, so this one finder serves all
/// of them, and a look-up by id can never forget the tenant.
pub(crate) async fn by_id<E>(
    tx: &Tx,
    tenant: TenantId,
    id: Uuid,
    lock: bool,
    resource: &'static str,
) -> DomainResult<E::Model>
where
    E: EntityTrait,
    E::Column: FromStr,
{
    let column = |name: &str| {
        E::Column::from_str(name).map_err(|_| {
            DomainError::Unknown(anyhow::anyhow!("the {resource} table has no {name} column"))
        })
    };
    let query = E::find()
        .filter(column("tenant_id")?.eq(tenant.as_uuid()))
        .filter(column("id")?.eq(id));
    let query = if lock { for_update(tx, query) } else { query };
    query
        .one(tx)
        .await
        .map_err(unexpected)?
        .ok_or(DomainError::NotFound { resource })
}

/// Locks the rows `query` finds for a worker, skipping rows another worker holds: on
/// PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite's `IMMEDIATE` transactions already serialise.
pub(crate) fn claim<E: EntityTrait>(tx: &Tx, query: Select<E>) -> Select<E> {
    if tx.locks_rows() {
        query.lock_with_behavior(
            sea_orm::sea_query::LockType::Update,
            sea_orm::sea_query::LockBehavior::SkipLocked,
        )
    } else {
        query
    }
}

fn stored(what: &str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("stored {what} does not parse"))
}

/// An organisation from its row (the one mapping, shared by every adapter that reads
/// organisations).
pub(crate) fn organisation_from(m: organisations::Model) -> DomainResult<Organisation> {
    Ok(Organisation {
        id: OrganisationId::from_uuid(m.id),
        name: OrganisationName::parse(&m.name).map_err(|_| stored("organisation name"))?,
        kind: m
            .kind
            .parse::<OrganisationKind>()
            .map_err(|_| stored("organisation kind"))?,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}
