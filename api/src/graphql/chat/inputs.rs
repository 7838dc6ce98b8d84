//! The chat's mutation inputs and payloads.

use async_graphql::{ID, InputObject, SimpleObject};

use super::types::{ChatConversation, ChatMessage, ChatOfferInfo, ChatRef, ChatSlot};

/// A citizen starts a conversation.
#[derive(InputObject)]
pub struct StartChatInput {
    /// The partnership's slug (the chat page's address names it).
    pub(crate) tenant: String,
    /// The chat offer.
    pub(crate) offer_id: ID,
    /// The public key the citizen's browser made for this conversation (X25519, base64url).
    pub(crate) citizen_key: String,
}

/// A message (or call signal) to relay.
#[derive(InputObject)]
pub struct SendChatMessageInput {
    /// The conversation.
    pub(crate) conversation: ChatRef,
    /// The key epoch the message was sealed under (`ChatConversation.keyEpoch`).
    pub(crate) key_epoch: u32,
    /// The ciphertext (base64url), at most 8192 bytes.
    pub(crate) ciphertext: String,
    /// Call signalling rather than a message.
    #[graphql(default = false)]
    pub(crate) signal: bool,
}

/// Typing, to relay.
#[derive(InputObject)]
pub struct ChatTypingInput {
    /// The conversation.
    pub(crate) conversation: ChatRef,
}

/// The typing signal relayed.
#[derive(SimpleObject)]
pub struct ChatTypingPayload {
    /// Always true: the other side's subscription hears it now, if it is listening.
    pub(crate) relayed: bool,
}

/// Ending a conversation.
#[derive(InputObject)]
pub struct EndChatInput {
    /// The conversation.
    pub(crate) conversation: ChatRef,
    /// End it as blocked: the session can write nothing more (peers only).
    #[graphql(default = false)]
    pub(crate) block: bool,
    /// Delete what was written at once (either side; also after the end).
    #[graphql(default = false)]
    pub(crate) delete: bool,
}

/// A peer takes a conversation.
#[derive(InputObject)]
pub struct TakeChatInput {
    /// The conversation (waiting, or handed to the caller).
    pub(crate) conversation_id: ID,
    /// The public key the peer's browser made for it (X25519, base64url).
    pub(crate) peer_key: String,
}

/// A peer hands a conversation to another peer on duty.
#[derive(InputObject)]
pub struct HandOverChatInput {
    /// The conversation.
    pub(crate) conversation_id: ID,
    /// The peer (user) to hand it to.
    pub(crate) to_peer: ID,
}

/// A peer goes on or off duty.
#[derive(InputObject)]
pub struct SetChatDutyInput {
    /// The chat offer.
    pub(crate) offer_id: ID,
    /// On duty (true) or off.
    pub(crate) on_duty: bool,
}

/// A chat offer's opening hours.
#[derive(InputObject)]
pub struct SetChatHoursInput {
    /// The chat offer.
    pub(crate) offer_id: ID,
    /// The weekly slots (at most 28; none: closed).
    pub(crate) slots: Vec<ChatSlot>,
}

/// The message relayed.
#[derive(SimpleObject)]
pub struct SendChatMessagePayload {
    /// The message, numbered.
    pub(crate) message: ChatMessage,
}

macro_rules! conversation_payload {
    ($($(#[$meta:meta])* $name:ident;)*) => {$(
        $(#[$meta])*
        #[derive(SimpleObject)]
        pub struct $name {
            /// The conversation after the change.
            pub(crate) conversation: ChatConversation,
        }
    )*};
}

conversation_payload! {
    /// The conversation ended (or deleted).
    EndChatPayload;
    /// The conversation taken.
    TakeChatPayload;
    /// The conversation handed over.
    HandOverChatPayload;
}

/// The offer after its hours were set.
#[derive(SimpleObject)]
pub struct SetChatHoursPayload {
    /// The offer as its page shows it.
    pub(crate) offer: ChatOfferInfo,
}

/// A peer's duty.
#[derive(SimpleObject)]
pub struct SetChatDutyPayload {
    /// The chat offer.
    pub(crate) offer_id: ID,
    /// Whether the caller is on duty for it now.
    pub(crate) on_duty: bool,
}
