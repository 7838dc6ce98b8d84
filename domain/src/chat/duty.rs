//! Duty: peers going on and off duty for a chat offer, and what being on duty lets them see
//! (the queue, without content, and the colleagues to hand a conversation to).

use super::ports::Waiting;
use super::service::{ChatService, peer_of};
use crate::context::RequestContext;
use crate::error::{DomainError, DomainResult};
use crate::ids::{OfferId, UserId};

impl ChatService {
    /// Puts the calling peer on duty for a chat offer, or takes them off.
    ///
    /// # Errors
    /// `FORBIDDEN` unless the caller is a peer; `NOT_FOUND` unless it is a chat offer.
    pub async fn set_duty(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
        on: bool,
    ) -> DomainResult<()> {
        let peer = peer_of(ctx)?;
        let tenant = ctx.tenant_id()?;
        self.offer(tenant, offer).await?;
        self.store
            .set_duty(tenant, offer, peer, on, self.clock.now())
            .await
    }

    /// Whether the calling peer is on duty for the offer.
    ///
    /// # Errors
    /// `FORBIDDEN` unless the caller is a peer.
    pub async fn is_on_duty(&self, ctx: &RequestContext, offer: OfferId) -> DomainResult<bool> {
        let peer = peer_of(ctx)?;
        let tenant = ctx.tenant_id()?;
        Ok(self.store.on_duty(tenant, offer).await?.contains(&peer))
    }

    /// The offer's queue, for a peer on duty for it: positions and times, no content.
    ///
    /// # Errors
    /// `FORBIDDEN` unless the caller is a peer on duty for the offer.
    pub async fn queue(&self, ctx: &RequestContext, offer: OfferId) -> DomainResult<Vec<Waiting>> {
        let peer = self.on_duty_for(ctx, offer).await?;
        self.store.queue(ctx.tenant_id()?, offer, peer).await
    }

    /// The peers on duty for the offer (for a peer on duty, to hand over to).
    ///
    /// # Errors
    /// `FORBIDDEN` unless the caller is a peer on duty for it.
    pub async fn peers_on_duty(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
    ) -> DomainResult<Vec<UserId>> {
        self.on_duty_for(ctx, offer).await?;
        self.store.on_duty(ctx.tenant_id()?, offer).await
    }

    /// The calling peer, when on duty for `offer`.
    pub(super) async fn on_duty_for(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
    ) -> DomainResult<UserId> {
        let peer = peer_of(ctx)?;
        if self
            .store
            .on_duty(ctx.tenant_id()?, offer)
            .await?
            .contains(&peer)
        {
            Ok(peer)
        } else {
            Err(DomainError::Forbidden(
                "go on duty for this chat offer to see and take its conversations",
            ))
        }
    }
}
