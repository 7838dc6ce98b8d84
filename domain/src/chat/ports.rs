//! What the chat needs from storage. Every method is one transaction in the tenant's scope; a
//! change to a conversation is decided by a closure run while its row is locked, so that two
//! peers taking the same conversation, or a message racing an end, are decided one at a time.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::conversation::{ChatSide, Conversation};
use super::hours::OpeningHours;
use crate::error::DomainResult;
use crate::ids::{ConversationId, OfferId, TenantId, UserId};

/// A change to a locked conversation (the domain's decision).
pub type ChatChange = Box<dyn FnOnce(&mut Conversation) -> DomainResult<()> + Send>;

/// Decides who writes, on the locked conversation.
pub type SenderCheck = Box<dyn FnOnce(&Conversation) -> DomainResult<ChatSide> + Send>;

/// A chat offer as the chat sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatOffer {
    /// The offer.
    pub id: OfferId,
    /// Its title, shown on the chat page.
    pub title: String,
    /// Whether it is still offered.
    pub active: bool,
    /// When it is open.
    pub hours: OpeningHours,
}

/// One message (or WebRTC signal) as relayed: ciphertext and the least metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatMessage {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Its place in the conversation, from 1, without gaps.
    pub seq: i64,
    /// Who wrote it.
    pub side: ChatSide,
    /// The key epoch that sealed it.
    pub epoch: u32,
    /// Whether it is call signalling rather than a message.
    pub signal: bool,
    /// The ciphertext, as the browser made it.
    pub ciphertext: Vec<u8>,
    /// When the server received it.
    pub sent_at: DateTime<Utc>,
}

/// What a conversation's end leaves for the statistics: no link to the conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatContact {
    /// The offer.
    pub offer_id: OfferId,
    /// When the conversation opened.
    pub opened_at: DateTime<Utc>,
    /// Seconds in the queue before a peer took it (`None`: nobody did).
    pub waited_seconds: Option<i64>,
    /// Seconds from the first take to the end (`None`: nobody took it).
    pub talked_seconds: Option<i64>,
    /// How it ended (stored name).
    pub end: &'static str,
}

/// A conversation waiting for a peer, as the queue shows it: no content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    /// The conversation.
    pub conversation: Conversation,
    /// 1 for the longest waiting.
    pub position: u32,
}

/// The chat's storage.
#[async_trait]
pub trait ChatStore: Send + Sync {
    /// The offer, when it exists in `tenant` and is a chat offer.
    async fn offer(&self, tenant: TenantId, offer: OfferId) -> DomainResult<Option<ChatOffer>>;

    /// Replaces the offer's opening hours.
    async fn set_hours(
        &self,
        tenant: TenantId,
        offer: OfferId,
        hours: &OpeningHours,
    ) -> DomainResult<()>;

    /// Stores a new conversation with the digest of its session secret.
    async fn open(
        &self,
        tenant: TenantId,
        conversation: &Conversation,
        secret_digest: &[u8],
    ) -> DomainResult<()>;

    /// A conversation and the digest of its session secret.
    async fn get(
        &self,
        tenant: TenantId,
        id: ConversationId,
    ) -> DomainResult<Option<(Conversation, Vec<u8>)>>;

    /// Locks the conversation, applies `change` and stores the result; on its end, records
    /// the contact for the statistics in the same transaction.
    async fn change(
        &self,
        tenant: TenantId,
        id: ConversationId,
        change: ChatChange,
    ) -> DomainResult<Conversation>;

    /// Locks the conversation, lets `check` decide the sender, and appends the message with
    /// the next sequence number.
    async fn append(
        &self,
        tenant: TenantId,
        id: ConversationId,
        check: SenderCheck,
        message: NewMessage,
    ) -> DomainResult<ChatMessage>;

    /// Messages after `after`, oldest first, at most `limit`.
    async fn messages_after(
        &self,
        tenant: TenantId,
        id: ConversationId,
        after: i64,
        limit: u32,
    ) -> DomainResult<Vec<ChatMessage>>;

    /// Deletes the conversation's messages at once (either side chose to).
    async fn delete_messages(&self, tenant: TenantId, id: ConversationId) -> DomainResult<u64>;

    /// The offer's waiting conversations, longest waiting first, and those being handed to
    /// `peer`.
    async fn queue(
        &self,
        tenant: TenantId,
        offer: OfferId,
        peer: UserId,
    ) -> DomainResult<Vec<Waiting>>;

    /// Puts `peer` on duty for the offer (`on`), or takes them off.
    async fn set_duty(
        &self,
        tenant: TenantId,
        offer: OfferId,
        peer: UserId,
        on: bool,
        at: DateTime<Utc>,
    ) -> DomainResult<()>;

    /// Tells the other side, live, that `side` is typing (nothing is stored).
    async fn typing(
        &self,
        tenant: TenantId,
        id: ConversationId,
        side: ChatSide,
    ) -> DomainResult<()>;

    /// The peers on duty for the offer.
    async fn on_duty(&self, tenant: TenantId, offer: OfferId) -> DomainResult<Vec<UserId>>;
}

/// A message to append.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMessage {
    /// The key epoch the sender sealed it under.
    pub epoch: u32,
    /// Call signalling rather than a message.
    pub signal: bool,
    /// The ciphertext.
    pub ciphertext: Vec<u8>,
    /// Now.
    pub at: DateTime<Utc>,
}
