//! Retention of the audit log (ADR 0045): a tenant's chain loses a prefix — its oldest
//! entries — and starts after a checkpoint, the number and hash of the last entry removed. The
//! chain is extended and verified from there. On PostgreSQL the application role removes
//! entries only through `peerbro_prune_audit` (migration 30), which refuses entries younger
//! than 183 days; on SQLite the adapter does the same steps itself.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use peerbro_domain::DomainResult;
use peerbro_domain::ids::TenantId;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait as _, ConnectionTrait as _, DbBackend, EntityTrait as _,
    QueryFilter as _, QuerySelect as _, Statement,
};
use uuid::Uuid;

use super::chain::{lock_chain, start};
use crate::db::Tx;
use crate::entities::privacy::{audit_checkpoints, audit_entries};
use crate::errors::unexpected;

/// The entries retention removes now: every entry before `cutoff`, up to (not including) the
/// first entry about someone `held` keeps. Returns the last number to remove and how many.
async fn due(
    tx: &Tx,
    t: Uuid,
    cutoff: DateTime<Utc>,
    held: &HashSet<Uuid>,
) -> DomainResult<Option<(i64, u64)>> {
    let (from, _) = start(tx, TenantId::from_uuid(t)).await?;
    let mut through: Option<i64> = audit_entries::Entity::find()
        .select_only()
        .column_as(audit_entries::Column::Seq.max(), "through")
        .filter(audit_entries::Column::TenantId.eq(t))
        .filter(audit_entries::Column::At.lt(cutoff))
        .into_tuple::<Option<i64>>()
        .one(tx)
        .await
        .map_err(unexpected)?
        .flatten();
    if !held.is_empty() {
        let first_held: Option<i64> = audit_entries::Entity::find()
            .select_only()
            .column_as(audit_entries::Column::Seq.min(), "first")
            .filter(audit_entries::Column::TenantId.eq(t))
            .filter(audit_entries::Column::SubjectId.is_in(held.iter().copied()))
            .into_tuple::<Option<i64>>()
            .one(tx)
            .await
            .map_err(unexpected)?
            .flatten();
        if let (Some(last), Some(first)) = (through, first_held) {
            through = Some(last.min(first - 1));
        }
    }
    Ok(through
        .filter(|last| *last > from)
        .map(|last| (last, u64::try_from(last - from).unwrap_or(0))))
}

/// Removes (with `apply`) the tenant's entries before `cutoff`, except from the first entry
/// about a held person on; returns how many are (would be) removed.
pub(crate) async fn prune(
    tx: &Tx,
    tenant: TenantId,
    (now, cutoff): (DateTime<Utc>, DateTime<Utc>),
    held: &HashSet<Uuid>,
    apply: bool,
) -> DomainResult<u64> {
    lock_chain(tx, tenant).await?;
    let Some((through, count)) = due(tx, tenant.as_uuid(), cutoff, held).await? else {
        return Ok(0);
    };
    if !apply {
        return Ok(count);
    }
    if tx.locks_rows() {
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT peerbro_prune_audit($1)",
            [through.into()],
        ))
        .await
        .map_err(unexpected)?;
        return Ok(count);
    }
    let t = tenant.as_uuid();
    let last = audit_entries::Entity::find_by_id((t, through))
        .one(tx)
        .await
        .map_err(unexpected)?
        .ok_or_else(|| super::chain::corrupt("checkpoint entry"))?;
    audit_checkpoints::Entity::insert(audit_checkpoints::ActiveModel {
        tenant_id: Set(t),
        through_seq: Set(through),
        hash: Set(last.hash),
        pruned_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(audit_checkpoints::Column::TenantId)
            .update_columns([
                audit_checkpoints::Column::ThroughSeq,
                audit_checkpoints::Column::Hash,
                audit_checkpoints::Column::PrunedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(tx)
    .await
    .map_err(unexpected)?;
    audit_entries::Entity::delete_many()
        .filter(audit_entries::Column::TenantId.eq(t))
        .filter(audit_entries::Column::Seq.lte(through))
        .exec(tx)
        .await
        .map_err(unexpected)?;
    Ok(count)
}
