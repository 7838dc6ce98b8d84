//! The audit log adapter. Entries are appended inside the transaction of the access they
//! record, under a per-tenant lock (a transaction-scoped advisory lock on PostgreSQL; SQLite's
//! write transactions are already serial), each hashing the previous entry's hash.

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound as _, Utc};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::privacy::{
    AuditAction, AuditEntry, AuditEvent, AuditFilter, AuditLog, ChainReport, Purpose, SubjectKind,
    canonical_entry,
};
use peerbro_domain::{DomainError, DomainResult, RequestContext};
use sea_orm::{
    ActiveValue::Set, ColumnTrait as _, ConnectionTrait as _, DbBackend, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, QuerySelect as _, Statement,
};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::db::{Database, Tx};
use crate::entities::privacy::audit_entries;
use crate::errors::unexpected;
use crate::repositories::keyset;

/// The hash before the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn corrupt(what: &str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("stored audit {what} does not parse"))
}

fn actor_of(ctx: &RequestContext) -> (Option<Uuid>, String) {
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

fn hash_of(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Appends `events` to the tenant's chain inside `tx`.
pub(crate) async fn append(
    tx: &Tx,
    ctx: &RequestContext,
    events: &[AuditEvent],
) -> DomainResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let tenant = ctx.tenant_id()?;
    if tx.locks_rows() {
        tx.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 7))",
            [format!("audit/{tenant}").into()],
        ))
        .await
        .map_err(unexpected)?;
    }
    let last = audit_entries::Entity::find()
        .filter(audit_entries::Column::TenantId.eq(tenant.as_uuid()))
        .order_by_desc(audit_entries::Column::Seq)
        .limit(1)
        .one(tx)
        .await
        .map_err(unexpected)?;
    let (mut seq, mut prev) = last.map_or((0, GENESIS.to_owned()), |e| (e.seq, e.hash));
    let (actor_id, actor_roles) = actor_of(ctx);
    // Microseconds: what both databases store, so that the hash can be recomputed.
    let at: DateTime<Utc> = Utc::now().trunc_subsecs(6);
    let mut rows = Vec::with_capacity(events.len());
    for event in events {
        seq += 1;
        let hash = hash_of(&canonical_entry(
            &prev,
            tenant.as_uuid(),
            seq,
            at,
            actor_id,
            &actor_roles,
            event.action,
            event.subject_kind,
            event.subject_id,
            event.purpose,
        ));
        rows.push(audit_entries::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            seq: Set(seq),
            id: Set(Uuid::now_v7()),
            at: Set(at),
            actor_id: Set(actor_id),
            actor_roles: Set(actor_roles.clone()),
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

/// Appends one `READ` per subject, in order: the audit of a read that decrypted them.
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
    append(tx, ctx, &events).await
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
        let rows = keyset(query, audit_entries::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        let rows = rows
            .into_iter()
            .map(entry_from)
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Page::from_probe(rows, page))
    }

    async fn verify(&self, ctx: &RequestContext) -> DomainResult<ChainReport> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let mut expected_seq = 0i64;
        let mut prev = GENESIS.to_owned();
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
}
