//! The fake audit log: the reads the fakes recorded, as entries in chain order.

use async_trait::async_trait;

use super::world::World;
use crate::context::RequestContext;
use crate::error::DomainResult;
use crate::page::{Page, PageRequest};
use crate::privacy::{AuditAction, AuditEntry, AuditFilter, AuditLog, ChainReport, SubjectKind};

impl World {
    fn entries(&self, ctx: &RequestContext) -> DomainResult<Vec<AuditEntry>> {
        let t = ctx.tenant_id()?;
        Ok(self
            .state()
            .reads
            .iter()
            .filter(|(tt, _, _)| *tt == t)
            .zip(1..)
            .map(|((_, subject, purpose), seq)| AuditEntry {
                id: uuid::Uuid::now_v7(),
                seq,
                at: super::noon(),
                actor_id: None,
                actor_roles: String::new(),
                action: AuditAction::Read,
                subject_kind: SubjectKind::Citizen,
                subject_id: *subject,
                purpose: *purpose,
                hash: String::new(),
            })
            .collect())
    }
}

#[async_trait]
impl AuditLog for World {
    async fn list(
        &self,
        ctx: &RequestContext,
        filter: AuditFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<AuditEntry>> {
        let rows = self
            .entries(ctx)?
            .into_iter()
            .filter(|e| filter.subject_id.is_none_or(|s| s == e.subject_id))
            .collect();
        Ok(Page::from_probe(rows, page))
    }

    async fn verify(&self, ctx: &RequestContext) -> DomainResult<ChainReport> {
        let entries = i64::try_from(self.entries(ctx)?.len()).unwrap_or(i64::MAX);
        Ok(ChainReport::Intact { entries })
    }

    async fn hash_at(&self, ctx: &RequestContext, seq: i64) -> DomainResult<Option<String>> {
        let found = usize::try_from(seq - 1)
            .ok()
            .and_then(|i| self.entries(ctx).ok()?.into_iter().nth(i));
        Ok(found.map(|e| format!("{}:{}", e.seq, e.subject_id)))
    }

    async fn pruned_through(&self, _ctx: &RequestContext) -> DomainResult<i64> {
        Ok(0)
    }
}
