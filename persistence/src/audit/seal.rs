//! Pending look-up entries and their sealing into the chain (ADR 0019).
//!
//! A read writes its entries to `audit_pending` in its own transaction (so the read and its
//! entries commit together) and notes the tenant in its process. [`AuditSealer`] then moves
//! them into `audit_entries` in order of their ids (time-ordered), under the tenant's chain
//! lock, and deletes them from `audit_pending` in the same transaction: every pending entry
//! ends up in the chain exactly once. Reading or verifying the log seals first, so the log a
//! reader sees always holds every access committed before it.

use std::time::Duration;

use peerbro_domain::DomainResult;
use peerbro_domain::ids::TenantId;
use sea_orm::{
    ActiveValue::Set, ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _,
    QuerySelect as _,
};

use super::chain::{Unsealed, corrupt, extend_chain, lock_chain};
use crate::db::{Database, Tx};
use crate::entities::privacy::audit_pending;
use crate::entities::tenants;
use crate::errors::unexpected;

/// Pending entries sealed per statement batch.
const BATCH: u64 = 500;

/// Writes `entries` as pending, in one statement, and notes the tenant for the sealer.
pub(super) async fn write_pending(
    tx: &Tx,
    tenant: TenantId,
    entries: Vec<Unsealed>,
) -> DomainResult<()> {
    let rows = entries.into_iter().map(|e| audit_pending::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        id: Set(e.id),
        at: Set(e.at),
        actor_id: Set(e.actor_id),
        actor_roles: Set(e.actor_roles),
        action: Set(e.event.action.as_str().to_owned()),
        subject_kind: Set(e.event.subject_kind.as_str().to_owned()),
        subject_id: Set(e.event.subject_id),
        purpose: Set(e.event.purpose.as_str().to_owned()),
    });
    audit_pending::Entity::insert_many(rows)
        .exec_without_returning(tx)
        .await
        .map_err(unexpected)?;
    tx.note_audit_pending(tenant);
    Ok(())
}

fn unsealed_from(row: audit_pending::Model) -> DomainResult<Unsealed> {
    let bad = |what: &str| corrupt(what);
    Ok(Unsealed {
        id: row.id,
        at: row.at,
        actor_id: row.actor_id,
        actor_roles: row.actor_roles,
        event: peerbro_domain::privacy::AuditEvent::new(
            row.action.parse().map_err(|_| bad("action"))?,
            row.subject_kind.parse().map_err(|_| bad("subject kind"))?,
            row.subject_id,
            row.purpose.parse().map_err(|_| bad("purpose"))?,
        ),
    })
}

/// Seals the tenant's pending entries into its chain inside `tx` (which must act in
/// `tenant`), oldest first; returns how many.
pub(crate) async fn seal(tx: &Tx, tenant: TenantId) -> DomainResult<u64> {
    let mut sealed = 0;
    let mut locked = false;
    loop {
        let rows = audit_pending::Entity::find()
            .filter(audit_pending::Column::TenantId.eq(tenant.as_uuid()))
            .order_by_asc(audit_pending::Column::Id)
            .limit(BATCH)
            .all(tx)
            .await
            .map_err(unexpected)?;
        if rows.is_empty() {
            return Ok(sealed);
        }
        if !locked {
            lock_chain(tx, tenant).await?;
            locked = true;
            // Another sealer may have sealed these while this one waited for the lock.
            continue;
        }
        let count = rows.len() as u64;
        let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.id).collect();
        let entries = rows
            .into_iter()
            .map(unsealed_from)
            .collect::<DomainResult<Vec<_>>>()?;
        extend_chain(tx, tenant, entries).await?;
        audit_pending::Entity::delete_many()
            .filter(audit_pending::Column::TenantId.eq(tenant.as_uuid()))
            .filter(audit_pending::Column::Id.is_in(ids))
            .exec(tx)
            .await
            .map_err(unexpected)?;
        sealed += count;
        if count < BATCH {
            return Ok(sealed);
        }
    }
}

/// Seals pending look-up entries in the background: every tenant this process wrote pending
/// entries for, each interval, and every tenant at start and every `sweep_every` (entries a
/// process left behind when it died). Idle, it sends nothing to the database between sweeps.
#[derive(Clone, Debug)]
pub struct AuditSealer {
    db: Database,
}

impl AuditSealer {
    /// Over `db`.
    #[must_use]
    pub const fn new(db: Database) -> Self {
        Self { db }
    }

    /// Seals the tenants this process noted; a tenant whose sealing fails is noted again.
    /// Returns the entries sealed.
    pub async fn seal_noted(&self) -> u64 {
        let tenants = self.db.take_audit_pending();
        self.seal_tenants(tenants).await
    }

    /// Seals every tenant's pending entries (at start, and now and then).
    ///
    /// # Errors
    /// When the tenant registry cannot be read.
    pub async fn sweep(&self) -> DomainResult<u64> {
        let tx = self.db.begin_unscoped().await?;
        let ids: Vec<uuid::Uuid> = tenants::Entity::find()
            .select_only()
            .column(tenants::Column::Id)
            .into_tuple()
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Ok(self
            .seal_tenants(ids.into_iter().map(TenantId::from_uuid))
            .await)
    }

    async fn seal_tenants(&self, tenants: impl IntoIterator<Item = TenantId>) -> u64 {
        let mut sealed = 0;
        for tenant in tenants {
            match self.seal_one(tenant).await {
                Ok(n) => sealed += n,
                Err(err) => {
                    tracing::warn!(tenant = %tenant, error = %err, "sealing audit entries failed; will retry");
                    self.db.note_audit_pending(tenant);
                }
            }
        }
        sealed
    }

    async fn seal_one(&self, tenant: TenantId) -> DomainResult<u64> {
        let tx = self.db.begin_write(tenant).await?;
        let sealed = seal(&tx, tenant).await?;
        tx.commit().await?;
        Ok(sealed)
    }

    /// Runs until `stop` resolves: seals noted tenants every `interval`, sweeps every
    /// `sweep_every` (and once at start).
    pub async fn run(
        self,
        interval: Duration,
        sweep_every: Duration,
        stop: impl std::future::Future<Output = ()>,
    ) {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut sweep = tokio::time::interval(sweep_every);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = &mut stop => {
                    // What the last requests wrote, before the process goes.
                    self.seal_noted().await;
                    return;
                }
                _ = sweep.tick() => {
                    if let Err(err) = self.sweep().await {
                        tracing::warn!(error = %err, "sweeping pending audit entries failed");
                    }
                }
                _ = tick.tick() => {
                    self.seal_noted().await;
                }
            }
        }
    }
}
