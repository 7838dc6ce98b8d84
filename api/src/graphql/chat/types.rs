//! The chat's GraphQL types (ADR 0046): states, times, public keys and ciphertext — never
//! content in clear, which the server does not have.

use async_graphql::{Enum, ID, InputObject, OneofObject, SimpleObject};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use peerbro_domain::chat::{self as domain, ChatKey};
use peerbro_domain::{DomainError, DomainResult};

use crate::graphql::ids::gid;
use crate::graphql::offers::Weekday;
use crate::graphql::time::{Instant, LocalTime};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Bytes as the API writes them (base64url without padding).
pub(crate) fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

/// Bytes an input wrote as base64url (padding accepted).
pub(crate) fn from_b64(field: &str, text: &str) -> DomainResult<Vec<u8>> {
    B64.decode(text.trim_end_matches('='))
        .map_err(|_| DomainError::validation(field, "is not base64url"))
}

/// A public key an input wrote as base64url.
pub(crate) fn key(field: &str, text: &str) -> DomainResult<ChatKey> {
    ChatKey::from_bytes(field, &from_b64(field, text)?)
}

/// Where a conversation is.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChatState {
    /// In the queue: no peer yet.
    Waiting,
    /// A citizen and a peer are talking.
    Active,
    /// Handed by one peer to another, who has not taken it yet.
    HandingOver,
    /// Over: accepts nothing more.
    Ended,
}

impl From<domain::ChatState> for ChatState {
    fn from(s: domain::ChatState) -> Self {
        match s {
            domain::ChatState::Waiting => Self::Waiting,
            domain::ChatState::Active => Self::Active,
            domain::ChatState::HandingOver => Self::HandingOver,
            domain::ChatState::Ended => Self::Ended,
        }
    }
}

/// How a conversation ended.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChatEnd {
    /// The citizen left.
    CitizenLeft,
    /// The peer ended it.
    PeerEnded,
    /// The peer ended it and blocked the session.
    Blocked,
    /// Nobody took it before the offer closed, or it was left idle.
    Expired,
}

impl From<domain::ChatEnd> for ChatEnd {
    fn from(e: domain::ChatEnd) -> Self {
        match e {
            domain::ChatEnd::CitizenLeft => Self::CitizenLeft,
            domain::ChatEnd::PeerEnded => Self::PeerEnded,
            domain::ChatEnd::Blocked => Self::Blocked,
            domain::ChatEnd::Expired => Self::Expired,
        }
    }
}

/// Who wrote a message.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChatSide {
    /// The anonymous citizen.
    Citizen,
    /// The peer.
    Peer,
}

impl From<domain::ChatSide> for ChatSide {
    fn from(s: domain::ChatSide) -> Self {
        match s {
            domain::ChatSide::Citizen => Self::Citizen,
            domain::ChatSide::Peer => Self::Peer,
        }
    }
}

/// Which conversation: the citizen names it by their session, a peer by its id.
#[derive(OneofObject)]
pub enum ChatRef {
    /// The session `startChat` gave the citizen.
    Session(String),
    /// The conversation's id (peers, with their token).
    Id(ID),
}

/// A conversation: state, times and public keys. Its messages are ciphertext only.
#[derive(SimpleObject)]
pub struct ChatConversation {
    /// The conversation.
    pub(crate) id: ID,
    /// The chat offer it came through.
    pub(crate) offer_id: ID,
    /// Where it is.
    pub(crate) state: ChatState,
    /// When the citizen opened it.
    pub(crate) opened_at: Instant,
    /// When a peer first took it.
    pub(crate) taken_at: Option<Instant>,
    /// When it ended.
    pub(crate) ended_at: Option<Instant>,
    /// How it ended.
    pub(crate) end: Option<ChatEnd>,
    /// The citizen's public key (X25519, base64url).
    pub(crate) citizen_key: String,
    /// The current peer's public key (none while waiting or being handed over).
    pub(crate) peer_key: Option<String>,
    /// Rises each time a peer takes the conversation; messages are sealed under the keys of
    /// the current epoch.
    pub(crate) key_epoch: u32,
    /// Seconds in the queue before the first take (or until now, while waiting).
    pub(crate) waited_seconds: i64,
    /// The place in the queue while waiting (1: next).
    pub(crate) position: Option<u32>,
}

impl ChatConversation {
    pub(crate) fn of(c: &domain::Conversation, now: DateTime<Utc>, position: Option<u32>) -> Self {
        Self {
            id: gid(c.id),
            offer_id: gid(c.offer_id),
            state: c.state.into(),
            opened_at: c.opened_at.into(),
            taken_at: c.taken_at.map(Into::into),
            ended_at: c.ended_at.map(Into::into),
            end: c.end.map(Into::into),
            citizen_key: b64(c.citizen_key.bytes()),
            peer_key: c.peer_key.map(|k| b64(k.bytes())),
            key_epoch: c.key_epoch,
            waited_seconds: c.waited_seconds(now),
            position,
        }
    }
}

/// One message or call signal, as relayed.
#[derive(SimpleObject)]
pub struct ChatMessage {
    /// Its place in the conversation, from 1, without gaps.
    pub(crate) seq: i64,
    /// Who wrote it.
    pub(crate) side: ChatSide,
    /// The key epoch that sealed it.
    pub(crate) key_epoch: u32,
    /// Call signalling (WebRTC offer, answer, candidates) rather than a message.
    pub(crate) signal: bool,
    /// The ciphertext (base64url), as the sender's browser made it.
    pub(crate) ciphertext: String,
    /// When the server received it.
    pub(crate) sent_at: Instant,
}

impl From<domain::ChatMessage> for ChatMessage {
    fn from(m: domain::ChatMessage) -> Self {
        Self {
            seq: m.seq,
            side: m.side.into(),
            key_epoch: m.epoch,
            signal: m.signal,
            ciphertext: b64(&m.ciphertext),
            sent_at: m.sent_at.into(),
        }
    }
}

/// A weekly opening slot, on the Danish clock.
#[derive(SimpleObject, InputObject, Clone, Copy)]
#[graphql(input_name = "ChatSlotInput")]
pub struct ChatSlot {
    /// The weekday.
    pub(crate) weekday: Weekday,
    /// Opens (local time).
    pub(crate) opens: LocalTime,
    /// Closes (local time, the same day, after it opens).
    pub(crate) closes: LocalTime,
}

impl From<ChatSlot> for domain::Slot {
    fn from(s: ChatSlot) -> Self {
        Self {
            weekday: s.weekday.into(),
            opens: s.opens.0,
            closes: s.closes.0,
        }
    }
}

/// A chat offer as its page shows it.
#[derive(SimpleObject)]
pub struct ChatOfferInfo {
    /// The offer.
    pub(crate) offer_id: ID,
    /// Its title.
    pub(crate) title: String,
    /// Whether a conversation can start now.
    pub(crate) open_now: bool,
    /// When it opens next (now, while open; null: not again).
    pub(crate) next_opens_at: Option<Instant>,
    /// The weekly opening slots.
    pub(crate) slots: Vec<ChatSlot>,
}

impl ChatOfferInfo {
    pub(crate) fn of(o: &domain::ChatOffer, now: DateTime<Utc>) -> Self {
        Self {
            offer_id: gid(o.id),
            title: o.title.clone(),
            open_now: o.active && o.hours.is_open(now),
            next_opens_at: o
                .active
                .then(|| o.hours.next_opening(now))
                .flatten()
                .map(Into::into),
            slots: o
                .hours
                .slots()
                .iter()
                .map(|s| ChatSlot {
                    weekday: s.weekday.into(),
                    opens: s.opens.into(),
                    closes: s.closes.into(),
                })
                .collect(),
        }
    }
}

/// A waiting conversation in a peer's queue: no content.
#[derive(SimpleObject)]
pub struct ChatQueueEntry {
    /// The conversation.
    pub(crate) conversation_id: ID,
    /// 1 for the longest waiting.
    pub(crate) position: u32,
    /// Seconds since it opened.
    pub(crate) waiting_seconds: i64,
    /// Whether another peer handed it to the caller.
    pub(crate) handed_to_you: bool,
}

/// The queue as a peer on duty sees it at `now`.
pub(crate) fn queue_entries(
    queue: Vec<peerbro_domain::chat::Waiting>,
    now: DateTime<Utc>,
) -> Vec<ChatQueueEntry> {
    queue
        .into_iter()
        .map(|w| ChatQueueEntry {
            conversation_id: gid(w.conversation.id),
            position: w.position,
            waiting_seconds: (now - w.conversation.opened_at).num_seconds().max(0),
            handed_to_you: w.conversation.state == domain::ChatState::HandingOver,
        })
        .collect()
}

/// What `startChat` gives the citizen.
#[derive(SimpleObject)]
pub struct StartChatPayload {
    /// The conversation, waiting.
    pub(crate) conversation: ChatConversation,
    /// The session: the only way back into the conversation. Keep it in the page's memory;
    /// it is not shown again.
    pub(crate) session: String,
}
