//! Outcome use cases: the tenant's instruments.

use std::sync::Arc;

use crate::authz::require_actor;
use crate::clock::Clock;
use crate::context::{RequestContext, Role};
use crate::error::{DomainError, DomainResult};
use crate::ids::InstrumentId;
use crate::outcomes::instrument::{Instrument, InstrumentDraft};
use crate::outcomes::ports::{InstrumentRepository, StoredInstrument};
use crate::page::{Page, PageRequest};

/// The outcome use cases, over their ports.
#[derive(Clone)]
pub struct OutcomeService {
    instruments: Arc<dyn InstrumentRepository>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for OutcomeService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutcomeService").finish_non_exhaustive()
    }
}

fn require_tenant_admin(ctx: &RequestContext) -> DomainResult<()> {
    if ctx.is_system() {
        return Ok(());
    }
    if require_actor(ctx)?.has(Role::TenantAdmin) {
        Ok(())
    } else {
        Err(DomainError::Forbidden("only tenant admins add instruments"))
    }
}

impl OutcomeService {
    /// Wires the service to its ports.
    #[must_use]
    pub fn new(instruments: Arc<dyn InstrumentRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { instruments, clock }
    }

    /// A page of the tenant's instruments, oldest first: any member may read them (they
    /// hold no personal data).
    ///
    /// # Errors
    /// `Unauthenticated` for anonymous callers.
    pub async fn instruments(
        &self,
        ctx: &RequestContext,
        page: &PageRequest,
    ) -> DomainResult<Page<StoredInstrument>> {
        if !ctx.is_system() {
            require_actor(ctx)?;
        }
        self.instruments.list(ctx, page).await
    }

    /// Adds an instrument version to the tenant (tenant admins): a seeded one, or one the
    /// tenant holds the rights to.
    ///
    /// # Errors
    /// `Forbidden`; `Validation` for the definition; `Conflict` (`DUPLICATE`) for a key and
    /// version the tenant has already.
    pub async fn add_instrument(
        &self,
        ctx: &RequestContext,
        draft: InstrumentDraft,
    ) -> DomainResult<StoredInstrument> {
        require_tenant_admin(ctx)?;
        let stored = StoredInstrument {
            id: InstrumentId::new(),
            instrument: Instrument::new(draft)?,
            created_at: self.clock.now(),
        };
        self.instruments.create(ctx, &stored).await?;
        Ok(stored)
    }
}
