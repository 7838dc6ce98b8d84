//! The audit log adapter. Every entry is written inside the transaction of the access it
//! records, so that an access is never committed without its entry (ADR 0019):
//!
//! - a change (`append`) extends the tenant's hash chain at once, under a per-tenant lock (a
//!   transaction-scoped advisory lock on PostgreSQL; SQLite's write transactions are already
//!   serial), each entry hashing the previous entry's hash;
//! - a read (`append_reads`) writes its look-up entries to `audit_pending`, with no lock, so
//!   that reads in a tenant never queue behind one another or behind writes; `seal.rs` moves
//!   pending entries into the chain in order — within seconds in the background, and at once
//!   whenever the log itself is read or verified.

use async_trait::async_trait;
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::privacy::{
    AuditAction, AuditEntry, AuditEvent, AuditFilter, AuditLog, ChainReport, Purpose, SubjectKind,
    canonical_entry,
};
use peerbro_domain::{DomainResult, RequestContext};
use sea_orm::{
    ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};
use uuid::Uuid;

mod chain;
pub(crate) mod checkpoint;
mod seal;

pub use seal::AuditSealer;

use self::chain::{corrupt, extend_chain, hash_of, lock_chain, unsealed};
use crate::db::{Database, Tx};
use crate::entities::privacy::audit_entries;
use crate::errors::unexpected;
use crate::repositories::keyset;

/// Appends `events` (changes) to the tenant's chain inside `tx`, at once.
pub(crate) async fn append(
    tx: &Tx,
    ctx: &RequestContext,
    events: &[AuditEvent],
) -> DomainResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let tenant = ctx.tenant_id()?;
    lock_chain(tx, tenant).await?;
    extend_chain(tx, tenant, unsealed(ctx, events)).await
}

/// Records one `READ` per subject, in order — the audit of a read that decrypted them — as
/// pending entries: no lock, one statement; sealed into the chain later (`seal.rs`).
pub(crate) async fn append_reads(
    tx: &Tx,
    ctx: &RequestContext,
    kind: SubjectKind,
    subjects: impl IntoIterator<Item = Uuid>,
    purpose: Purpose,
) -> DomainResult<()> {
    let events: Vec<AuditEvent> = subjects
        .into_iter()
        .map(|id| AuditEvent::new(AuditAction::Read, kind, id, purpose))
        .collect();
    if events.is_empty() {
        return Ok(());
    }
    let tenant = ctx.tenant_id()?;
    seal::write_pending(tx, tenant, unsealed(ctx, &events)).await
}

fn entry_from(m: audit_entries::Model) -> DomainResult<AuditEntry> {
    Ok(AuditEntry {
        id: m.id,
        seq: m.seq,
        at: m.at,
        actor_id: m.actor_id,
        actor_roles: m.actor_roles,
        action: m.action.parse().map_err(|_| corrupt("action"))?,
        subject_kind: m
            .subject_kind
            .parse()
            .map_err(|_| corrupt("subject kind"))?,
        subject_id: m.subject_id,
        purpose: m.purpose.parse().map_err(|_| corrupt("purpose"))?,
        hash: m.hash,
    })
}

/// [`AuditLog`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaAuditLog {
    db: Database,
}

impl SeaAuditLog {
    /// Over `db`.
    #[must_use]
    pub const fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl AuditLog for SeaAuditLog {
    async fn list(
        &self,
        ctx: &RequestContext,
        filter: AuditFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<AuditEntry>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        // Pending look-ups first, so that the log shows every access committed so far.
        seal::seal(&tx, tenant).await?;
        let mut query = audit_entries::Entity::find()
            .filter(audit_entries::Column::TenantId.eq(tenant.as_uuid()));
        if let Some(subject) = filter.subject_id {
            query = query.filter(audit_entries::Column::SubjectId.eq(subject));
        }
        if let Some(actor) = filter.actor_id {
            query = query.filter(audit_entries::Column::ActorId.eq(actor));
        }
        if let Some(from) = filter.from {
            query = query.filter(audit_entries::Column::At.gte(from));
        }
        if let Some(to) = filter.to {
            query = query.filter(audit_entries::Column::At.lt(to));
        }
        let total = crate::repositories::total_of(&tx, &query, page).await?;
        let rows = keyset(query, audit_entries::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        let rows = rows
            .into_iter()
            .map(entry_from)
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Page::from_probe(rows, page).with_total(total))
    }

    async fn verify(&self, ctx: &RequestContext) -> DomainResult<ChainReport> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        seal::seal(&tx, tenant).await?;
        // From the checkpoint retention left (ADR 0045), under the chain lock so that a prune
        // cannot move it meanwhile.
        lock_chain(&tx, tenant).await?;
        let (mut expected_seq, mut prev) = chain::start(&tx, tenant).await?;
        // In batches, so that a long chain does not have to fit in memory.
        loop {
            let batch = audit_entries::Entity::find()
                .filter(audit_entries::Column::TenantId.eq(tenant.as_uuid()))
                .filter(audit_entries::Column::Seq.gt(expected_seq))
                .order_by_asc(audit_entries::Column::Seq)
                .limit(1000)
                .all(&tx)
                .await
                .map_err(unexpected)?;
            if batch.is_empty() {
                break;
            }
            for row in batch {
                expected_seq += 1;
                let broken = |reason: &str| ChainReport::Broken {
                    seq: expected_seq,
                    reason: reason.to_owned(),
                };
                if row.seq != expected_seq {
                    return Ok(broken("entry missing"));
                }
                if row.prev_hash != prev {
                    return Ok(broken("does not follow the previous entry"));
                }
                let Ok(entry) = entry_from(row.clone()) else {
                    return Ok(broken("entry does not parse"));
                };
                let recomputed = hash_of(&canonical_entry(
                    &row.prev_hash,
                    tenant.as_uuid(),
                    row.seq,
                    row.at,
                    row.actor_id,
                    &row.actor_roles,
                    entry.action,
                    entry.subject_kind,
                    entry.subject_id,
                    entry.purpose,
                ));
                if recomputed != row.hash {
                    return Ok(broken("entry was altered"));
                }
                prev = row.hash;
            }
        }
        tx.commit().await?;
        Ok(ChainReport::Intact {
            entries: expected_seq,
        })
    }

    async fn hash_at(&self, ctx: &RequestContext, seq: i64) -> DomainResult<Option<String>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = audit_entries::Entity::find()
            .filter(audit_entries::Column::TenantId.eq(tenant.as_uuid()))
            .filter(audit_entries::Column::Seq.eq(seq))
            .one(&tx)
            .await
            .map_err(unexpected)?;
        // The last entry retention removed is still known by its checkpoint.
        let hash = match row {
            Some(r) => Some(r.hash),
            None => {
                let (through, hash) = chain::start(&tx, tenant).await?;
                (through == seq && seq > 0).then_some(hash)
            }
        };
        tx.commit().await?;
        Ok(hash)
    }

    async fn pruned_through(&self, ctx: &RequestContext) -> DomainResult<i64> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let (through, _) = chain::start(&tx, tenant).await?;
        tx.commit().await?;
        Ok(through)
    }
}
