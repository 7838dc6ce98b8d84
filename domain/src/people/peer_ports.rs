//! Ports for peer workers, supervision and placements. The adapter encrypts a peer's name and
//! contact with the peer's own key and audits every access to them.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::NaiveDate;

use crate::context::RequestContext;
use crate::error::DomainResult;
use crate::ids::{OrganisationId, PeerId, UserId};
use crate::page::{Page, PageRequest};
use crate::people::peer::{PeerKind, PeerStatus, PeerWorker};
use crate::people::supervision::{Placement, SupervisionSession};
use crate::privacy::Purpose;
use crate::tenancy::Organisation;

/// A pure change to a peer, applied inside the adapter's transaction. It may change the
/// profile and status and append screenings, certificates, trainings and transitions.
pub type PeerChange = Box<dyn FnOnce(&mut PeerWorker) -> DomainResult<()> + Send>;

/// A pure decision on a new placement, given the peer, their other placements and the unit,
/// made inside the adapter's transaction with the peer locked.
pub type PlacementCheck =
    Box<dyn FnOnce(&PeerWorker, &[Placement], &Organisation) -> DomainResult<()> + Send>;

/// A pure change to a placement, given the peer and their other placements, made inside the
/// adapter's transaction with the peer locked.
pub type PlacementEdit =
    Box<dyn FnOnce(&PeerWorker, &[Placement], &mut Placement) -> DomainResult<()> + Send>;

/// Filters for listing peers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerFilter {
    /// Only this status.
    pub status: Option<PeerStatus>,
    /// Only this kind.
    pub kind: Option<PeerKind>,
    /// Only these peers (none: any).
    pub ids: Vec<PeerId>,
}

/// Filters for listing placements.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlacementFilter {
    /// Only in this unit.
    pub unit_id: Option<OrganisationId>,
    /// Only of this peer.
    pub peer_id: Option<PeerId>,
    /// Only running on this day.
    pub active_on: Option<NaiveDate>,
}

/// Peer workers of the context's tenant.
#[async_trait]
pub trait PeerRepository: Send + Sync {
    /// Registers a peer with a new data key; audits `CREATE`.
    ///
    /// # Errors
    /// `NotFound` for an organisation or user not in the tenant; `Conflict` when the user is
    /// already a peer.
    async fn create(
        &self,
        ctx: &RequestContext,
        peer: &PeerWorker,
        purpose: Purpose,
    ) -> DomainResult<()>;

    /// One peer with their history, decrypted; audits `READ`.
    ///
    /// # Errors
    /// `NotFound`.
    async fn get(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        purpose: Purpose,
    ) -> DomainResult<PeerWorker>;

    /// Destroys the peer's data key (name, contact and their own questionnaire answers become
    /// unreadable here and in any copy), closes their login, audits `ERASE`; the row with its
    /// pipeline history stays for the reports.
    ///
    /// # Errors
    /// `NotFound`; `Conflict`: `ERASED` when erased already, `LEGAL_HOLD` under a hold.
    async fn erase(&self, ctx: &RequestContext, id: PeerId) -> DomainResult<PeerWorker>;

    /// Places (or replaces) a legal hold on the peer, serialised with erasure.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` (`ERASED`) when erased already.
    async fn place_hold(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        hold: &crate::privacy::LegalHold,
    ) -> DomainResult<()>;

    /// Releases the peer's legal hold; whether there was one.
    ///
    /// # Errors
    /// `NotFound` for a peer of another tenant.
    async fn release_hold(&self, ctx: &RequestContext, id: PeerId) -> DomainResult<bool>;

    /// The peer whose login is `user` (nothing decrypted, nothing audited).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn peer_id_of_user(
        &self,
        ctx: &RequestContext,
        user: UserId,
    ) -> DomainResult<Option<PeerId>>;

    /// A page of peers, decrypted; audits `READ` for each.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn list(
        &self,
        ctx: &RequestContext,
        filter: PeerFilter,
        page: &PageRequest,
        purpose: Purpose,
    ) -> DomainResult<Page<PeerWorker>>;

    /// Loads, changes and stores a peer (appending new history); audits `UPDATE`.
    ///
    /// # Errors
    /// `NotFound`, or the change's own error.
    async fn update(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        change: PeerChange,
        purpose: Purpose,
    ) -> DomainResult<PeerWorker>;

    /// Active peers whose last supervision is before `cutoff` (or who never had one), least
    /// recently supervised first, with that date; audits `READ` for each.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn needing_supervision(
        &self,
        ctx: &RequestContext,
        cutoff: NaiveDate,
        purpose: Purpose,
    ) -> DomainResult<Vec<(PeerWorker, Option<NaiveDate>)>>;

    /// Every active peer, decrypted, with how many one-to-one matches they hold (referrals
    /// assigned to them that are assigned, in contact or active); audits `READ` for each.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn active_with_load(
        &self,
        ctx: &RequestContext,
        purpose: Purpose,
    ) -> DomainResult<Vec<(PeerWorker, u32)>>;

    /// Records a supervision session.
    ///
    /// # Errors
    /// `NotFound` when an attendee or the supervisor is not in the tenant.
    async fn record_supervision(
        &self,
        ctx: &RequestContext,
        session: &SupervisionSession,
    ) -> DomainResult<()>;

    /// A peer's supervision sessions, oldest first.
    ///
    /// # Errors
    /// `NotFound` when the peer is not in the tenant.
    async fn supervision_of(
        &self,
        ctx: &RequestContext,
        peer: PeerId,
        page: &PageRequest,
    ) -> DomainResult<Page<SupervisionSession>>;

    /// The date of each peer's last supervision, for those who had one (one query).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn last_supervised(
        &self,
        ctx: &RequestContext,
        peers: &[PeerId],
    ) -> DomainResult<HashMap<PeerId, NaiveDate>>;

    /// The tenant's supervision limit in days (the default until set).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn supervision_limit_days(&self, ctx: &RequestContext) -> DomainResult<u32>;

    /// Sets the tenant's supervision limit.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn set_supervision_limit_days(&self, ctx: &RequestContext, days: u32)
    -> DomainResult<()>;

    /// Stores a placement if `check` allows it, with the peer locked so that two placements
    /// cannot together overbook them.
    ///
    /// # Errors
    /// `NotFound` for a peer or unit not in the tenant; the check's own error.
    async fn create_placement(
        &self,
        ctx: &RequestContext,
        placement: &Placement,
        check: PlacementCheck,
    ) -> DomainResult<()>;

    /// Changes a placement as `edit` decides, with its peer locked so that two changes (or a
    /// change and a new placement) cannot together overbook them; answers the placement.
    ///
    /// # Errors
    /// `NotFound` for a placement not in the tenant; the edit's own error.
    async fn update_placement(
        &self,
        ctx: &RequestContext,
        id: crate::ids::PlacementId,
        edit: PlacementEdit,
    ) -> DomainResult<Placement>;

    /// A page of placements, oldest first.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn placements(
        &self,
        ctx: &RequestContext,
        filter: PlacementFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Placement>>;
}
