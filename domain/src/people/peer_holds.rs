//! Legal holds on peer workers (issue 13): tenant admins — those who erase peers — place and
//! release them; `erasePeerWorker` is refused (`CONFLICT`, `LEGAL_HOLD`) while one is placed.

use crate::RequestContext;
use crate::authz::{PeopleAction, authorize_people};
use crate::error::DomainResult;
use crate::ids::PeerId;
use crate::people::peer_service::PeerService;
use crate::privacy::{LegalHold, LegalHoldReason};

impl PeerService {
    /// Places (or replaces) a legal hold on a peer worker (tenant admins).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Conflict` when already erased.
    pub async fn place_legal_hold(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        reason: LegalHoldReason,
    ) -> DomainResult<LegalHold> {
        authorize_people(ctx, PeopleAction::ErasePeers)?;
        let hold = LegalHold {
            reason,
            placed_at: self.clock.now(),
            placed_by: ctx.actor().map(crate::context::Actor::user_id),
        };
        self.peers.place_hold(ctx, id, &hold).await?;
        Ok(hold)
    }

    /// Releases a peer worker's legal hold (tenant admins); whether there was one.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn release_legal_hold(&self, ctx: &RequestContext, id: PeerId) -> DomainResult<bool> {
        authorize_people(ctx, PeopleAction::ErasePeers)?;
        self.peers.release_hold(ctx, id).await
    }
}
