//! Outcome use cases: the tenant's instruments and settings (answers and evaluation are in
//! `answering` and `evaluation`).

use std::sync::Arc;

use crate::authz::require_actor;
use crate::clock::Clock;
use crate::context::{RequestContext, Role};
use crate::error::{DomainError, DomainResult};
use crate::ids::InstrumentId;
use crate::outcomes::instrument::Respondent;
use crate::outcomes::instrument::{Instrument, InstrumentDraft};
use crate::outcomes::ports::{
    InstrumentRepository, PeerResponseRepository, ResponseRepository, StoredInstrument,
};
use crate::outcomes::response::{OutcomeSettings, OutcomeSettingsPatch};
use crate::page::{Page, PageRequest};
use crate::people::{CitizenRepository, PeerRepository};

/// The outcome use cases, over their ports.
#[derive(Clone)]
pub struct OutcomeService {
    pub(super) instruments: Arc<dyn InstrumentRepository>,
    pub(super) responses: Arc<dyn ResponseRepository>,
    pub(super) peer_responses: Arc<dyn PeerResponseRepository>,
    pub(super) citizens: Arc<dyn CitizenRepository>,
    pub(super) peers: Arc<dyn PeerRepository>,
    pub(super) clock: Arc<dyn Clock>,
}

/// The ports the outcome use cases need.
pub struct OutcomePorts {
    /// Instruments.
    pub instruments: Arc<dyn InstrumentRepository>,
    /// Answers and supports.
    pub responses: Arc<dyn ResponseRepository>,
    /// Peers' own answers.
    pub peer_responses: Arc<dyn PeerResponseRepository>,
    /// Citizens (consents, logins).
    pub citizens: Arc<dyn CitizenRepository>,
    /// Peers (logins).
    pub peers: Arc<dyn PeerRepository>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for OutcomeService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutcomeService").finish_non_exhaustive()
    }
}

fn require_tenant_admin(ctx: &RequestContext, refusal: &'static str) -> DomainResult<()> {
    if ctx.is_system() {
        return Ok(());
    }
    if require_actor(ctx)?.has(Role::TenantAdmin) {
        Ok(())
    } else {
        Err(DomainError::Forbidden(refusal))
    }
}

impl OutcomeService {
    /// Wires the service to its ports.
    #[must_use]
    pub fn new(ports: OutcomePorts) -> Self {
        Self {
            instruments: ports.instruments,
            responses: ports.responses,
            peer_responses: ports.peer_responses,
            citizens: ports.citizens,
            peers: ports.peers,
            clock: ports.clock,
        }
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

    /// Whether the caller may add instruments (tenant admins): checked before an adapter reads
    /// an import.
    ///
    /// # Errors
    /// `Unauthenticated`; `Forbidden`.
    pub fn may_add_instruments(&self, ctx: &RequestContext) -> DomainResult<()> {
        require_tenant_admin(ctx, "only tenant admins add instruments")
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
        require_tenant_admin(ctx, "only tenant admins add instruments")?;
        let stored = StoredInstrument {
            id: InstrumentId::new(),
            instrument: Instrument::new(draft)?,
            created_at: self.clock.now(),
        };
        self.instruments.create(ctx, &stored).await?;
        Ok(stored)
    }

    /// The tenant's outcome settings: any member may read them.
    ///
    /// # Errors
    /// `Unauthenticated` for anonymous callers.
    pub async fn settings(&self, ctx: &RequestContext) -> DomainResult<OutcomeSettings> {
        if !ctx.is_system() {
            require_actor(ctx)?;
        }
        self.responses.settings(ctx).await
    }

    /// Changes the tenant's outcome settings (tenant admins). A new citizen instrument must
    /// be one of the tenant's citizen instruments.
    ///
    /// # Errors
    /// `Forbidden`; `Validation` naming the field.
    pub async fn set_settings(
        &self,
        ctx: &RequestContext,
        patch: &OutcomeSettingsPatch,
    ) -> DomainResult<OutcomeSettings> {
        require_tenant_admin(ctx, "only tenant admins change the outcome settings")?;
        let next = self.responses.settings(ctx).await?.patched(patch)?;
        for (given, key, respondent, field) in [
            (
                patch.citizen_instrument_key.is_some(),
                &next.citizen_instrument_key,
                Respondent::Citizen,
                "citizenInstrumentKey",
            ),
            (
                patch.peer_instrument_key.is_some(),
                &next.peer_instrument_key,
                Respondent::Peer,
                "peerInstrumentKey",
            ),
        ] {
            if !given {
                continue;
            }
            let versions = self.instruments.versions(ctx, key).await?;
            let fits = versions
                .last()
                .is_some_and(|v| v.instrument.definition().respondent == respondent);
            if !fits {
                return Err(DomainError::validation(
                    field,
                    format!(
                        "must be the key of one of the tenant's {} instruments",
                        if respondent == Respondent::Peer {
                            "peer"
                        } else {
                            "citizen"
                        }
                    ),
                ));
            }
        }
        self.responses.save_settings(ctx, &next).await?;
        Ok(next)
    }
}
