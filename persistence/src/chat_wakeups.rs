//! Wake-ups for the chat's live updates (ADR 0046): every committed change to a conversation
//! (and every "typing" signal) wakes the subscribers of that conversation in every server
//! process. Subscribers then read what is new from the database by sequence number, so a
//! wake-up carries no content, one missed is caught up by the next (or by the subscribers'
//! poll), and each message is delivered once.
//!
//! On PostgreSQL the writing transaction notifies `peerbro_chat`
//! (`repositories/chat/mod.rs`) and each process follows the channel on a connection of its
//! own; on SQLite (one process) the store wakes its subscribers after the commit.

use std::sync::atomic::{AtomicBool, Ordering};

use peerbro_domain::chat::ChatSide;
use peerbro_domain::ids::{ConversationId, TenantId};
use tokio::sync::broadcast;

/// The channel every change to a conversation is notified on (PostgreSQL).
pub const CHAT_CHANNEL: &str = "peerbro_chat";

/// Wake-ups held for slow subscribers (a lagging one reads the database anyway).
const CAPACITY: usize = 4096;

/// One wake-up: which conversation changed, or who is typing in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChatWake {
    /// The tenant.
    pub tenant: TenantId,
    /// The conversation.
    pub conversation: ConversationId,
    /// Set when the wake-up is a typing signal, not a change.
    pub typing: Option<ChatSide>,
}

impl ChatWake {
    /// The notification's payload: `<tenant> <conversation>[ <typing side>]`, ids and a code.
    #[must_use]
    pub fn payload(&self) -> String {
        let mut text = format!("{} {}", self.tenant.as_uuid(), self.conversation.as_uuid());
        if let Some(side) = self.typing {
            text.push(' ');
            text.push_str(side.as_str());
        }
        text
    }

    /// A payload read back.
    #[must_use]
    pub fn parse(payload: &str) -> Option<Self> {
        let mut parts = payload.split(' ');
        let tenant = TenantId::from_uuid(parts.next()?.parse().ok()?);
        let conversation = ConversationId::from_uuid(parts.next()?.parse().ok()?);
        let typing = match parts.next() {
            Some(side) => Some(side.parse::<ChatSide>().ok()?),
            None => None,
        };
        Some(Self {
            tenant,
            conversation,
            typing,
        })
    }
}

/// The wake-ups of one process.
#[derive(Debug)]
pub struct ChatWakeups {
    tx: broadcast::Sender<ChatWake>,
    /// Whether the PostgreSQL listener is connected.
    live: AtomicBool,
}

impl Default for ChatWakeups {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(CAPACITY).0,
            live: AtomicBool::new(false),
        }
    }
}

impl ChatWakeups {
    /// Every wake-up from now on.
    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<ChatWake> {
        self.tx.subscribe()
    }

    /// Wakes this process's subscribers.
    pub(crate) fn wake(&self, wake: ChatWake) {
        // No receivers is not an error: nobody is following now.
        let _ = self.tx.send(wake);
    }

    /// Whether wake-ups from other processes arrive now (PostgreSQL's listener is connected).
    #[must_use]
    pub fn live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }
}

impl crate::pg_channel::Follower for ChatWakeups {
    const CHANNEL: &'static str = CHAT_CHANNEL;
    const MEANWHILE: &'static str = "chat subscribers poll";

    fn connected(&self) {
        self.live.store(true, Ordering::Release);
    }

    fn lost(&self) {
        self.live.store(false, Ordering::Release);
    }

    fn notified(&self, payload: &str) {
        if let Some(wake) = ChatWake::parse(payload) {
            self.wake(wake);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_read_back() {
        let wake = ChatWake {
            tenant: TenantId::new(),
            conversation: ConversationId::new(),
            typing: None,
        };
        assert_eq!(ChatWake::parse(&wake.payload()), Some(wake));
        let typing = ChatWake {
            typing: Some(ChatSide::Peer),
            ..wake
        };
        assert_eq!(ChatWake::parse(&typing.payload()), Some(typing));
        assert_eq!(ChatWake::parse("x y"), None);
        assert_eq!(ChatWake::parse(&format!("{} NOPE", wake.payload())), None);
    }
}
