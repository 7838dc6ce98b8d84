//! Anonymous peer chat (issue 14, ADR 0046): conversations that only the citizen and the peer
//! in them can read. Keys are made in the two browsers; the platform relays and stores
//! ciphertext and the least metadata it needs (times, sizes, states), and decides who may
//! take, hand over, write in and end a conversation.

pub mod citizen;
pub mod conversation;
pub mod duty;
pub mod expiry;
pub mod hours;
pub mod ports;
pub mod service;
pub mod session;
pub mod statistics;

pub use conversation::{
    ChatEnd, ChatKey, ChatSide, ChatState, Conversation, MAX_CIPHERTEXT_BYTES, Participant,
    check_ciphertext,
};
pub use expiry::{ChatExpiry, ChatExpiryStore, Unended};
pub use hours::{OpeningHours, Slot, danish_month};
pub use ports::{ChatContact, ChatMessage, ChatOffer, ChatStore, NewMessage, Waiting};
pub use service::ChatService;
pub use session::{ChatSession, SecretDigest, SecretSource};
pub use statistics::{ChatMonth, ChatStatistics, ChatStatisticsStore};
