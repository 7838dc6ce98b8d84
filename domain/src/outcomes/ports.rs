//! Ports of the outcomes context.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::context::RequestContext;
use crate::error::DomainResult;
use crate::ids::InstrumentId;
use crate::outcomes::instrument::Instrument;
use crate::page::{Page, PageRequest};

/// An instrument as a tenant holds it: one version of one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredInstrument {
    /// Id.
    pub id: InstrumentId,
    /// The validated definition.
    pub instrument: Instrument,
    /// When the tenant added it.
    pub created_at: DateTime<Utc>,
}

/// A tenant's instruments.
#[async_trait]
pub trait InstrumentRepository: Send + Sync {
    /// Stores a new instrument version.
    ///
    /// # Errors
    /// `Conflict` (`DUPLICATE`) when the tenant has this key and version already.
    async fn create(&self, ctx: &RequestContext, instrument: &StoredInstrument)
    -> DomainResult<()>;

    /// A page of the tenant's instruments, oldest first.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn list(
        &self,
        ctx: &RequestContext,
        page: &PageRequest,
    ) -> DomainResult<Page<StoredInstrument>>;
}
