//! Row look-ups shared by the adapters.

use peerbro_domain::{DomainError, DomainResult};
use sea_orm::{EntityTrait, QuerySelect as _, Select};

use crate::db::Tx;
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

/// The one row `query` finds (locked when `lock`), or `NotFound { resource }`.
pub(crate) async fn one_or_not_found<E: EntityTrait>(
    tx: &Tx,
    query: Select<E>,
    lock: bool,
    resource: &'static str,
) -> DomainResult<E::Model> {
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
