//! Ports of the outcomes context.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::context::RequestContext;
use crate::error::DomainResult;
use crate::ids::{CitizenId, InstrumentId, OfferId, PeerId, PeerResponseId};
use crate::outcomes::instrument::Instrument;
use crate::outcomes::response::{
    MeasuredSupport, OutcomeSettings, QuestionnaireResponse, SupportRef,
};
use crate::page::{Page, PageRequest};
use crate::people::OfferType;
use crate::privacy::Purpose;

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

    /// Every version of the instrument `key`, oldest first (none when the tenant has none).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn versions(
        &self,
        ctx: &RequestContext,
        key: &str,
    ) -> DomainResult<Vec<StoredInstrument>>;

    /// The instruments with these ids (unknown ids are absent).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn by_ids(
        &self,
        ctx: &RequestContext,
        ids: &[InstrumentId],
    ) -> DomainResult<Vec<StoredInstrument>>;
}

/// Which courses of support to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SupportFilter {
    /// Only this citizen's.
    pub citizen: Option<CitizenId>,
    /// Only those of this peer (their matches and the courses they facilitate).
    pub peer: Option<PeerId>,
    /// Only those that started or ended on or after this day (older ones have nothing open).
    pub since: NaiveDate,
}

/// Which answers to read for evaluation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResponseFilter {
    /// Only this citizen's (audited under the purpose given).
    pub citizen: Option<(CitizenId, Purpose)>,
    /// Only these citizens' (not audited: the caller audits; all when empty).
    pub citizens: Vec<CitizenId>,
    /// Only answers to these instrument versions (all when empty).
    pub instruments: Vec<InstrumentId>,
    /// Only supports of this offer.
    pub offer: Option<OfferId>,
    /// Only supports of this kind.
    pub offer_type: Option<OfferType>,
}

/// The answered questionnaires of a tenant and the supports they measure.
#[async_trait]
pub trait ResponseRepository: Send + Sync {
    /// The tenant's outcome settings (defaults where unset).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn settings(&self, ctx: &RequestContext) -> DomainResult<OutcomeSettings>;

    /// Stores the tenant's outcome settings.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn save_settings(
        &self,
        ctx: &RequestContext,
        settings: &OutcomeSettings,
    ) -> DomainResult<()>;

    /// The courses of support `filter` names, with the points answered, ascending by the id
    /// of the match or place; erased citizens' are left out.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn supports(
        &self,
        ctx: &RequestContext,
        filter: &SupportFilter,
    ) -> DomainResult<Vec<MeasuredSupport>>;

    /// One course of support.
    ///
    /// # Errors
    /// `NotFound` (`support`) when it is not a started match or a course place in the tenant.
    async fn support(
        &self,
        ctx: &RequestContext,
        support: SupportRef,
    ) -> DomainResult<MeasuredSupport>;

    /// Stores an answered questionnaire, the answers sealed with the citizen's key.
    ///
    /// # Errors
    /// `Conflict` (`DUPLICATE`) when the point is answered already; `Conflict` (`ERASED`)
    /// once the citizen was erased.
    async fn record(
        &self,
        ctx: &RequestContext,
        response: &QuestionnaireResponse,
    ) -> DomainResult<()>;

    /// The answered questionnaires `filter` names, opened, oldest first; an erased citizen's
    /// are left out.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn responses(
        &self,
        ctx: &RequestContext,
        filter: &ResponseFilter,
    ) -> DomainResult<Vec<QuestionnaireResponse>>;
}

/// A peer's answer to one round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerResponse {
    /// Id.
    pub id: PeerResponseId,
    /// The peer.
    pub peer_id: PeerId,
    /// The round.
    pub round: u32,
    /// The instrument version answered.
    pub instrument_id: InstrumentId,
    /// One answer per item.
    pub answers: Vec<u8>,
    /// When.
    pub answered_at: DateTime<Utc>,
}

/// Peers' answers.
#[async_trait]
pub trait PeerResponseRepository: Send + Sync {
    /// Keeps an answer, sealed with the peer's key.
    ///
    /// # Errors
    /// `Conflict` (`DUPLICATE`) when the round is answered already.
    async fn record(&self, ctx: &RequestContext, response: &PeerResponse) -> DomainResult<()>;

    /// Answers oldest first: one peer's, or every peer's to `instruments`.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn responses(
        &self,
        ctx: &RequestContext,
        peer: Option<PeerId>,
        instruments: &[InstrumentId],
    ) -> DomainResult<Vec<PeerResponse>>;
}
