//! The chat's queries and mutations (ADR 0046). A citizen needs no token: `chatOffer` and
//! `startChat` name the partnership by its slug, and everything after names the conversation
//! by the session `startChat` gave. Peers use their token.

use async_graphql::{Context, ID, Object};
use peerbro_domain::chat::{ChatService, ChatSession, OpeningHours};
use peerbro_domain::ids::{ConversationId, OfferId, TenantId, UserId};
use peerbro_domain::tenancy::{TenancyService, TenantSlug};
use peerbro_domain::{DomainError, DomainResult, RequestContext};

use super::inputs::{
    ChatTypingInput, ChatTypingPayload, EndChatInput, EndChatPayload, HandOverChatInput,
    HandOverChatPayload, SendChatMessageInput, SendChatMessagePayload, SetChatDutyInput,
    SetChatDutyPayload, SetChatHoursInput, SetChatHoursPayload, StartChatInput, TakeChatInput,
    TakeChatPayload,
};
use super::session;
use super::types::{
    ChatConversation, ChatMessage, ChatOfferInfo, ChatQueueEntry, ChatRef, StartChatPayload,
    from_b64, key, queue_entries,
};
use crate::graphql::errors::{GqlResultExt as _, request_data};
use crate::graphql::ids::{gid, parse};

/// At most this many messages per read.
const MAX_FIRST: i32 = 200;

async fn tenant_of(ctx: &Context<'_>, slug: &str) -> async_graphql::Result<TenantId> {
    let (tenancy, _) = request_data::<TenancyService>(ctx)?;
    let slug = TenantSlug::parse(slug).gql()?;
    tenancy
        .find_tenant_by_slug(&slug)
        .await
        .gql()?
        .map(|t| t.id)
        .ok_or(DomainError::NotFound { resource: "tenant" })
        .gql()
}

/// Whose conversation a reference names: the citizen's session, or an id for the peer.
pub(super) enum Party {
    Citizen(ChatSession),
    Peer(ConversationId),
}

/// A citizen's message or typing, counted against their session's limit.
fn citizen_limit(ctx: &Context<'_>, session: &ChatSession) -> async_graphql::Result<()> {
    let caller = ctx.data::<super::caller::ChatCaller>()?;
    let digest = super::session::digest(&session.secret);
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    caller.limits.chat_session(key).gql()
}

pub(super) fn party(reference: &ChatRef) -> DomainResult<Party> {
    match reference {
        ChatRef::Session(s) => session::decode(s).map(Party::Citizen),
        ChatRef::Id(id) => parse::<ConversationId>("conversation", id).map(Party::Peer),
    }
}

/// The conversation as `rc` may see it.
async fn view(
    chat: &ChatService,
    rc: &RequestContext,
    reference: &ChatRef,
) -> DomainResult<ChatConversation> {
    let now = chat.now();
    match party(reference)? {
        Party::Citizen(s) => {
            let (c, position) = chat.citizen_status(&s).await?;
            Ok(ChatConversation::of(&c, now, position))
        }
        Party::Peer(id) => Ok(ChatConversation::of(
            &chat.peer_view(rc, id).await?,
            now,
            None,
        )),
    }
}

/// The chat's queries.
#[derive(Default)]
pub struct ChatQuery;

#[Object]
impl ChatQuery {
    /// A chat offer as its page shows it: title, opening hours, open now or when next
    /// (anyone; no token needed).
    async fn chat_offer(
        &self,
        ctx: &Context<'_>,
        tenant: String,
        offer_id: ID,
    ) -> async_graphql::Result<ChatOfferInfo> {
        let tenant = tenant_of(ctx, &tenant).await?;
        let (chat, _) = request_data::<ChatService>(ctx)?;
        let offer = parse::<OfferId>("offerId", &offer_id).gql()?;
        let found = chat.offer(tenant, offer).await.gql()?;
        Ok(ChatOfferInfo::of(&found, chat.now()))
    }

    /// A conversation: the citizen's (by session) or one a peer takes part in or may take.
    async fn chat_conversation(
        &self,
        ctx: &Context<'_>,
        conversation: ChatRef,
    ) -> async_graphql::Result<ChatConversation> {
        let (chat, rc) = request_data::<ChatService>(ctx)?;
        view(chat, rc, &conversation).await.gql()
    }

    /// Messages after `after` (a `seq`; 0 from the start), oldest first: ciphertext only.
    async fn chat_messages(
        &self,
        ctx: &Context<'_>,
        conversation: ChatRef,
        #[graphql(default = 0, validator(minimum = 0))] after: i64,
        #[graphql(default = 100, validator(minimum = 1, maximum = 200))] first: i32,
    ) -> async_graphql::Result<Vec<ChatMessage>> {
        let (chat, rc) = request_data::<ChatService>(ctx)?;
        let limit = u32::try_from(first.clamp(1, MAX_FIRST)).unwrap_or(100);
        let messages = match party(&conversation).gql()? {
            Party::Citizen(s) => chat.citizen_messages(&s, after, limit).await,
            Party::Peer(id) => chat.messages(rc, id, after, limit).await,
        }
        .gql()?;
        Ok(messages.into_iter().map(Into::into).collect())
    }

    /// The offer's queue, for a peer on duty for it: positions and waiting times, no content.
    async fn chat_queue(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
    ) -> async_graphql::Result<Vec<ChatQueueEntry>> {
        let (chat, rc) = request_data::<ChatService>(ctx)?;
        let offer = parse::<OfferId>("offerId", &offer_id).gql()?;
        let queue = chat.queue(rc, offer).await.gql()?;
        Ok(queue_entries(queue, chat.now()))
    }

    /// The users on duty for the offer, to hand a conversation to (a peer on duty).
    async fn chat_peers_on_duty(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
    ) -> async_graphql::Result<Vec<ID>> {
        let (chat, rc) = request_data::<ChatService>(ctx)?;
        let offer = parse::<OfferId>("offerId", &offer_id).gql()?;
        let peers = chat.peers_on_duty(rc, offer).await.gql()?;
        Ok(peers.into_iter().map(gid).collect())
    }

    /// Whether the calling peer is on duty for the offer.
    async fn chat_on_duty(&self, ctx: &Context<'_>, offer_id: ID) -> async_graphql::Result<bool> {
        let (chat, rc) = request_data::<ChatService>(ctx)?;
        let offer = parse::<OfferId>("offerId", &offer_id).gql()?;
        chat.is_on_duty(rc, offer).await.gql()
    }
}

/// The chat's mutations.
#[derive(Default)]
pub struct ChatMutation;

#[Object]
impl ChatMutation {
    /// Starts an anonymous conversation (anyone; no token). Refused outside the offer's
    /// hours with `CONFLICT`/`CHAT_CLOSED`, which names the next opening.
    async fn start_chat(
        &self,
        ctx: &Context<'_>,
        input: StartChatInput,
    ) -> async_graphql::Result<StartChatPayload> {
        let caller = ctx.data::<super::caller::ChatCaller>()?;
        caller.limits.chat_start(caller.address).gql()?;
        let tenant = tenant_of(ctx, &input.tenant).await?;
        let (chat, _) = request_data::<ChatService>(ctx)?;
        let offer = parse::<OfferId>("offerId", &input.offer_id).gql()?;
        let citizen_key = key("citizenKey", &input.citizen_key).gql()?;
        let (_, started) = chat.start(tenant, offer, citizen_key).await.gql()?;
        let (conversation, position) = chat.citizen_status(&started).await.gql()?;
        Ok(StartChatPayload {
            conversation: ChatConversation::of(&conversation, chat.now(), position),
            session: session::encode(&started),
        })
    }

    /// Relays a message sealed in the sender's browser (the citizen, or the peer on it).
    async fn send_chat_message(
        &self,
        ctx: &Context<'_>,
        input: SendChatMessageInput,
    ) -> async_graphql::Result<SendChatMessagePayload> {
        let (chat, rc) = request_data::<ChatService>(ctx)?;
        let ciphertext = from_b64("ciphertext", &input.ciphertext).gql()?;
        let (epoch, signal) = (input.key_epoch, input.signal);
        let sent = match party(&input.conversation).gql()? {
            Party::Citizen(s) => {
                citizen_limit(ctx, &s)?;
                chat.citizen_send(&s, epoch, signal, ciphertext).await
            }
            Party::Peer(id) => chat.send(rc, id, epoch, signal, ciphertext).await,
        }
        .gql()?;
        Ok(SendChatMessagePayload {
            message: sent.into(),
        })
    }

    /// Tells the other side, live, that the caller is typing (the citizen, or the peer on
    /// it; nothing is stored).
    async fn chat_typing(
        &self,
        ctx: &Context<'_>,
        input: ChatTypingInput,
    ) -> async_graphql::Result<ChatTypingPayload> {
        let (chat, rc) = request_data::<ChatService>(ctx)?;
        match party(&input.conversation).gql()? {
            Party::Citizen(s) => {
                citizen_limit(ctx, &s)?;
                chat.citizen_typing(&s).await
            }
            Party::Peer(id) => chat.typing(rc, id).await,
        }
        .gql()?;
        Ok(ChatTypingPayload { relayed: true })
    }

    /// Ends a conversation (the citizen, or the peer on it); `block` (peers) and `delete`.
    async fn end_chat(
        &self,
        ctx: &Context<'_>,
        input: EndChatInput,
    ) -> async_graphql::Result<EndChatPayload> {
        let (chat, rc) = request_data::<ChatService>(ctx)?;
        let ended = match party(&input.conversation).gql()? {
            Party::Citizen(s) => chat.citizen_end(&s, input.block, input.delete).await,
            Party::Peer(id) => chat.end(rc, id, input.block, input.delete).await,
        }
        .gql()?;
        Ok(EndChatPayload {
            conversation: ChatConversation::of(&ended, chat.now(), None),
        })
    }

    /// A peer on duty takes a waiting conversation, or one handed to them.
    async fn take_chat(
        &self,
        ctx: &Context<'_>,
        input: TakeChatInput,
    ) -> async_graphql::Result<TakeChatPayload> {
        let (chat, rc) = request_data::<ChatService>(ctx)?;
        let id = parse::<ConversationId>("conversationId", &input.conversation_id).gql()?;
        let peer_key = key("peerKey", &input.peer_key).gql()?;
        let taken = chat.take(rc, id, peer_key).await.gql()?;
        Ok(TakeChatPayload {
            conversation: ChatConversation::of(&taken, chat.now(), None),
        })
    }

    /// The peer on a conversation hands it to another peer on duty for its offer, who takes
    /// it with a new key.
    async fn hand_over_chat(
        &self,
        ctx: &Context<'_>,
        input: HandOverChatInput,
    ) -> async_graphql::Result<HandOverChatPayload> {
        let (chat, rc) = request_data::<ChatService>(ctx)?;
        let id = parse::<ConversationId>("conversationId", &input.conversation_id).gql()?;
        let to = parse::<UserId>("toPeer", &input.to_peer).gql()?;
        let handed = chat.hand_over(rc, id, to).await.gql()?;
        Ok(HandOverChatPayload {
            conversation: ChatConversation::of(&handed, chat.now(), None),
        })
    }

    /// A peer goes on or off duty for a chat offer.
    async fn set_chat_duty(
        &self,
        ctx: &Context<'_>,
        input: SetChatDutyInput,
    ) -> async_graphql::Result<SetChatDutyPayload> {
        let (chat, rc) = request_data::<ChatService>(ctx)?;
        let offer = parse::<OfferId>("offerId", &input.offer_id).gql()?;
        chat.set_duty(rc, offer, input.on_duty).await.gql()?;
        Ok(SetChatDutyPayload {
            offer_id: gid(offer),
            on_duty: chat.is_on_duty(rc, offer).await.gql()?,
        })
    }

    /// Sets a chat offer's weekly opening hours (tenant admins and coordinators).
    async fn set_chat_hours(
        &self,
        ctx: &Context<'_>,
        input: SetChatHoursInput,
    ) -> async_graphql::Result<SetChatHoursPayload> {
        let (chat, rc) = request_data::<ChatService>(ctx)?;
        let offer = parse::<OfferId>("offerId", &input.offer_id).gql()?;
        let hours = OpeningHours::new(input.slots.into_iter().map(Into::into).collect()).gql()?;
        let set = chat.set_hours(rc, offer, hours).await.gql()?;
        Ok(SetChatHoursPayload {
            offer: ChatOfferInfo::of(&set, chat.now()),
        })
    }
}
