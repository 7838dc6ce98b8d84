//! The tenant's hash chain: each entry hashes the previous entry's hash with its own content
//! (`canonical_entry`), numbered from 1. Extended at once by a change, and by the sealer for
//! reads' pending entries; both under the tenant's chain lock.

use chrono::{DateTime, SubsecRound as _, Utc};
use peerbro_domain::ids::TenantId;
use peerbro_domain::privacy::{AuditEvent, canonical_entry};
use peerbro_domain::{DomainError, DomainResult, RequestContext};
use sea_orm::{
    ActiveValue::Set, ColumnTrait as _, ConnectionTrait as _, DbBackend, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _, Statement,
};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::db::Tx;
use crate::entities::privacy::{audit_checkpoints, audit_entries};
use crate::errors::unexpected;

/// The hash before the first entry.
pub(crate) const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub(crate) fn corrupt(what: &str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("stored audit {what} does not parse"))
}

pub(crate) fn actor_of(ctx: &RequestContext) -> (Option<Uuid>, String) {
    match ctx.actor() {
        Some(actor) => (
            Some(actor.user_id().as_uuid()),
            actor
                .roles()
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(","),
        ),
        None => (None, "SYSTEM".to_owned()),
    }
}

pub(crate) fn hash_of(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// An entry before it has its place in the chain.
#[derive(Clone, Debug)]
pub(crate) struct Unsealed {
    pub(crate) id: Uuid,
    pub(crate) at: DateTime<Utc>,
    pub(crate) actor_id: Option<Uuid>,
    pub(crate) actor_roles: String,
    pub(crate) event: AuditEvent,
}

pub(crate) fn unsealed(ctx: &RequestContext, events: &[AuditEvent]) -> Vec<Unsealed> {
    let (actor_id, actor_roles) = actor_of(ctx);
    // Microseconds: what both databases store, so that the hash can be recomputed.
    let at: DateTime<Utc> = Utc::now().trunc_subsecs(6);
    events
        .iter()
        .map(|event| Unsealed {
            id: Uuid::now_v7(),
            at,
            actor_id,
            actor_roles: actor_roles.clone(),
            event: *event,
        })
        .collect()
}

/// Takes the tenant's chain for the rest of `tx` (PostgreSQL; SQLite's write transactions
/// are serial already).
pub(crate) async fn lock_chain(tx: &Tx, tenant: TenantId) -> DomainResult<()> {
    if tx.locks_rows() {
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))",
            [format!("audit/{tenant}").into()],
        ))
        .await
        .map_err(unexpected)?;
    }
    Ok(())
}

/// Where the tenant's chain starts: the checkpoint's number and hash, or 0 and the genesis
/// hash when nothing was ever removed.
/// (Retention's checkpoint: ADR 0045.)
pub(crate) async fn start(tx: &Tx, tenant: TenantId) -> DomainResult<(i64, String)> {
    Ok(audit_checkpoints::Entity::find_by_id(tenant.as_uuid())
        .one(tx)
        .await
        .map_err(unexpected)?
        .map_or_else(|| (0, GENESIS.to_owned()), |c| (c.through_seq, c.hash)))
}

/// Extends the tenant's chain with `entries`, in order; the chain must be locked.
pub(crate) async fn extend_chain(
    tx: &Tx,
    tenant: TenantId,
    entries: Vec<Unsealed>,
) -> DomainResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let last = audit_entries::Entity::find()
        .filter(audit_entries::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_desc(audit_entries::Column::Seq)
        .limit(1)
        .one(tx)
        .await
        .map_err(unexpected)?;
    // After retention removed every entry, the chain goes on from its checkpoint.
    let (mut seq, mut prev) = match last {
        Some(e) => (e.seq, e.hash),
        None => start(tx, tenant).await?,
    };
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        seq += 1;
        let event = entry.event;
        let hash = hash_of(&canonical_entry(
            &prev,
            tenant.as_uuid(),
            seq,
            entry.at,
            entry.actor_id,
            &entry.actor_roles,
            event.action,
            event.subject_kind,
            event.subject_id,
            event.purpose,
        ));
        rows.push(audit_entries::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            seq: Set(seq),
            id: Set(entry.id),
            at: Set(entry.at),
            actor_id: Set(entry.actor_id),
            actor_roles: Set(entry.actor_roles),
            action: Set(event.action.as_str().to_owned()),
            subject_kind: Set(event.subject_kind.as_str().to_owned()),
            subject_id: Set(event.subject_id),
            purpose: Set(event.purpose.as_str().to_owned()),
            prev_hash: Set(prev.clone()),
            hash: Set(hash.clone()),
        });
        prev = hash;
    }
    audit_entries::Entity::insert_many(rows)
        .exec_without_returning(tx)
        .await
        .map_err(unexpected)?;
    Ok(())
}
