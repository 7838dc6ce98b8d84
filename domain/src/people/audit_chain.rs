//! The tenant's audit chain as a whole: verifying it, and what an anchor is compared with
//! (tenant admins and the system).

use crate::RequestContext;
use crate::authz::{PeopleAction, authorize_people};
use crate::error::DomainResult;
use crate::people::service::PeopleService;
use crate::privacy::ChainReport;

impl PeopleService {
    /// Verifies the tenant's audit chain (tenant admins and the system).
    ///
    /// # Errors
    /// `Forbidden` for other roles.
    pub async fn verify_audit(&self, ctx: &RequestContext) -> DomainResult<ChainReport> {
        authorize_people(ctx, PeopleAction::ReadAudit)?;
        self.audit.verify(ctx).await
    }

    /// The hash of the tenant's audit entry `seq`, to compare with an anchor (tenant admins
    /// and the system).
    ///
    /// # Errors
    /// `Forbidden` for other roles.
    pub async fn audit_hash_at(
        &self,
        ctx: &RequestContext,
        seq: i64,
    ) -> DomainResult<Option<String>> {
        authorize_people(ctx, PeopleAction::ReadAudit)?;
        self.audit.hash_at(ctx, seq).await
    }

    /// The number of the last audit entry retention removed, 0 when none was (tenant admins
    /// and the system).
    ///
    /// # Errors
    /// `Forbidden` for other roles.
    pub async fn audit_pruned_through(&self, ctx: &RequestContext) -> DomainResult<i64> {
        authorize_people(ctx, PeopleAction::ReadAudit)?;
        self.audit.pruned_through(ctx).await
    }
}
