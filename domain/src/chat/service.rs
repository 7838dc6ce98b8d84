//! The chat's use cases: a citizen with no account starts, writes in and leaves a
//! conversation through the secret of its session; peers on duty see the queue, take, hand
//! over, write and end; coordinators set the opening hours.

use std::sync::Arc;

use super::conversation::{ChatKey, Conversation, Participant, check_ciphertext};
use super::hours::OpeningHours;
use super::ports::{ChatMessage, ChatOffer, ChatStore, NewMessage};
use super::session::{SecretDigest, SecretSource};
use crate::authz::{COORDINATING, require_actor, require_any};
use crate::clock::Clock;
use crate::context::{RequestContext, Role};
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{ConversationId, OfferId, TenantId, UserId};

/// At most this many messages per read.
pub const MAX_READ: u32 = 200;

/// The chat's use cases.
#[derive(Clone)]
pub struct ChatService {
    pub(super) store: Arc<dyn ChatStore>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) secrets: SecretSource,
    pub(super) digest: SecretDigest,
}

impl std::fmt::Debug for ChatService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChatService")
    }
}

pub(super) const NOT_FOUND: DomainError = DomainError::NotFound {
    resource: "conversation",
};

impl ChatService {
    /// The service over `store`.
    #[must_use]
    pub fn new(
        store: Arc<dyn ChatStore>,
        clock: Arc<dyn Clock>,
        secrets: SecretSource,
        digest: SecretDigest,
    ) -> Self {
        Self {
            store,
            clock,
            secrets,
            digest,
        }
    }

    /// Now, on the service's clock (for the API's times and waiting seconds).
    #[must_use]
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The chat offer `offer` of `tenant` (for its page: title, hours, open now).
    ///
    /// # Errors
    /// `NOT_FOUND` unless it is a chat offer of the tenant.
    pub async fn offer(&self, tenant: TenantId, offer: OfferId) -> DomainResult<ChatOffer> {
        self.store
            .offer(tenant, offer)
            .await?
            .ok_or(DomainError::NotFound { resource: "offer" })
    }

    /// Sets the offer's opening hours (tenant admins and coordinators).
    ///
    /// # Errors
    /// `FORBIDDEN` for other roles; `NOT_FOUND` unless it is a chat offer.
    pub async fn set_hours(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
        hours: OpeningHours,
    ) -> DomainResult<ChatOffer> {
        require_any(
            ctx,
            &COORDINATING,
            DomainError::Forbidden("only coordinators set a chat's opening hours"),
        )?;
        let tenant = ctx.tenant_id()?;
        self.offer(tenant, offer).await?;
        self.store.set_hours(tenant, offer, &hours).await?;
        self.offer(tenant, offer).await
    }

    /// A peer on duty takes a waiting conversation, or one handed to them, with their key.
    ///
    /// # Errors
    /// `NOT_FOUND`; `FORBIDDEN` unless on duty for its offer; `CONFLICT` when it is taken.
    #[tracing::instrument(name = "chat.take", skip_all, fields(request_id = ctx.request_id(), conversation = %id))]
    pub async fn take(
        &self,
        ctx: &RequestContext,
        id: ConversationId,
        key: ChatKey,
    ) -> DomainResult<Conversation> {
        let tenant = ctx.tenant_id()?;
        let conversation = self.peer_sees(ctx, id, false).await?;
        let peer = self.on_duty_for(ctx, conversation.offer_id).await?;
        let now = self.clock.now();
        self.store
            .change(tenant, id, Box::new(move |c| c.take(peer, key, now)))
            .await
    }

    /// The peer on a conversation hands it to another peer on duty for its offer.
    ///
    /// # Errors
    /// `NOT_FOUND`; `FORBIDDEN` unless the caller is on it; `CONFLICT`/`NOT_ON_DUTY` when the
    /// other peer is not on duty.
    #[tracing::instrument(name = "chat.hand_over", skip_all, fields(request_id = ctx.request_id(), conversation = %id))]
    pub async fn hand_over(
        &self,
        ctx: &RequestContext,
        id: ConversationId,
        to: UserId,
    ) -> DomainResult<Conversation> {
        let tenant = ctx.tenant_id()?;
        let conversation = self.peer_sees(ctx, id, true).await?;
        let from = peer_of(ctx)?;
        if !self
            .store
            .on_duty(tenant, conversation.offer_id)
            .await?
            .contains(&to)
        {
            return Err(DomainError::Conflict(Conflict::NotOnDuty));
        }
        self.store
            .change(tenant, id, Box::new(move |c| c.hand_over(from, to)))
            .await
    }

    /// The peer on a conversation writes in it.
    ///
    /// # Errors
    /// `NOT_FOUND`; `FORBIDDEN` unless on it; `VALIDATION`; `CONFLICT`/`CHAT_NOT_ACTIVE`.
    #[tracing::instrument(name = "chat.send", skip_all, fields(request_id = ctx.request_id(), conversation = %id, bytes = ciphertext.len()))]
    pub async fn send(
        &self,
        ctx: &RequestContext,
        id: ConversationId,
        epoch: u32,
        signal: bool,
        ciphertext: Vec<u8>,
    ) -> DomainResult<ChatMessage> {
        check_ciphertext(&ciphertext)?;
        self.peer_sees(ctx, id, true).await?;
        let peer = peer_of(ctx)?;
        self.append(
            ctx.tenant_id()?,
            id,
            Participant::Peer(peer),
            epoch,
            signal,
            ciphertext,
        )
        .await
    }

    /// The peer on a conversation tells the citizen, live, that they are typing.
    ///
    /// # Errors
    /// `NOT_FOUND`; `FORBIDDEN` unless on it; `CONFLICT` unless active.
    pub async fn typing(&self, ctx: &RequestContext, id: ConversationId) -> DomainResult<()> {
        let conversation = self.peer_sees(ctx, id, true).await?;
        let side = conversation.sender(Participant::Peer(peer_of(ctx)?))?;
        self.store.typing(ctx.tenant_id()?, id, side).await
    }

    /// The peer on a conversation ends it (`block`: as blocked; `delete`: deleting what was
    /// written at once).
    ///
    /// # Errors
    /// `NOT_FOUND`; `FORBIDDEN` unless on it; `CONFLICT` when ended and nothing to delete.
    #[tracing::instrument(name = "chat.end", skip_all, fields(request_id = ctx.request_id(), conversation = %id))]
    pub async fn end(
        &self,
        ctx: &RequestContext,
        id: ConversationId,
        block: bool,
        delete: bool,
    ) -> DomainResult<Conversation> {
        let conversation = self.peer_sees(ctx, id, true).await?;
        let peer = peer_of(ctx)?;
        self.finish(
            ctx.tenant_id()?,
            conversation,
            Participant::Peer(peer),
            block,
            delete,
        )
        .await
    }

    /// Messages after `after`, for the peer on the conversation.
    ///
    /// # Errors
    /// `NOT_FOUND`; `FORBIDDEN` unless on it.
    pub async fn messages(
        &self,
        ctx: &RequestContext,
        id: ConversationId,
        after: i64,
        limit: u32,
    ) -> DomainResult<Vec<ChatMessage>> {
        self.peer_sees(ctx, id, true).await?;
        self.store
            .messages_after(ctx.tenant_id()?, id, after, limit.min(MAX_READ))
            .await
    }

    /// The conversation, for a peer: one on duty for its offer while it waits, the peer on
    /// it (or being handed it) after.
    ///
    /// # Errors
    /// `NOT_FOUND`; `FORBIDDEN` otherwise.
    pub async fn peer_view(
        &self,
        ctx: &RequestContext,
        id: ConversationId,
    ) -> DomainResult<Conversation> {
        let conversation = self.peer_sees(ctx, id, false).await?;
        let peer = peer_of(ctx)?;
        if conversation.includes(Participant::Peer(peer)) {
            return Ok(conversation);
        }
        if conversation.state == super::ChatState::Waiting {
            self.on_duty_for(ctx, conversation.offer_id).await?;
            return Ok(conversation);
        }
        Err(DomainError::Forbidden(
            "only the peer on a conversation sees it",
        ))
    }

    async fn peer_sees(
        &self,
        ctx: &RequestContext,
        id: ConversationId,
        on_it: bool,
    ) -> DomainResult<Conversation> {
        let peer = peer_of(ctx)?;
        let (conversation, _) = self
            .store
            .get(ctx.tenant_id()?, id)
            .await?
            .ok_or(NOT_FOUND)?;
        if on_it && !conversation.includes(Participant::Peer(peer)) {
            return Err(DomainError::Forbidden(
                "only the peer on a conversation acts in it",
            ));
        }
        Ok(conversation)
    }

    pub(super) async fn append(
        &self,
        tenant: TenantId,
        id: ConversationId,
        who: Participant,
        epoch: u32,
        signal: bool,
        ciphertext: Vec<u8>,
    ) -> DomainResult<ChatMessage> {
        let message = NewMessage {
            epoch,
            signal,
            ciphertext,
            at: self.clock.now(),
        };
        self.store
            .append(
                tenant,
                id,
                Box::new(move |c| {
                    let side = c.sender(who)?;
                    if epoch != c.key_epoch {
                        return Err(DomainError::Conflict(Conflict::StaleChatKey {
                            current: c.key_epoch,
                        }));
                    }
                    Ok(side)
                }),
                message,
            )
            .await
    }

    pub(super) async fn finish(
        &self,
        tenant: TenantId,
        conversation: Conversation,
        who: Participant,
        block: bool,
        delete: bool,
    ) -> DomainResult<Conversation> {
        let id = conversation.id;
        let ended = if conversation.state == super::ChatState::Ended && delete {
            // Deleting after the end: the same rule about who may end it.
            conversation.end_by(who, block)?;
            conversation
        } else {
            let now = self.clock.now();
            self.store
                .change(tenant, id, Box::new(move |c| c.end(who, block, now)))
                .await?
        };
        if delete {
            self.store.delete_messages(tenant, id).await?;
        }
        Ok(ended)
    }
}

/// The calling peer.
pub(super) fn peer_of(ctx: &RequestContext) -> DomainResult<UserId> {
    let actor = require_actor(ctx)?;
    if actor.has(Role::Peer) {
        Ok(actor.user_id())
    } else {
        Err(DomainError::Forbidden("only peers take part in chats"))
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
