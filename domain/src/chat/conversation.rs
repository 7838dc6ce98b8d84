//! One anonymous conversation and its life: a citizen opens it with a public key made in
//! their browser; it waits in the offer's queue until a peer on duty takes it with a key made
//! in theirs; the peer can hand it to another peer on duty, who takes it with a new key (the
//! key epoch rises, so what is written after a hand-over is readable only by the new pair);
//! either side ends it, and a peer can end it as blocked. Only ciphertext ever passes the
//! server; this module decides who may send, take and end, never what is said.

use chrono::{DateTime, Utc};

use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{ConversationId, OfferId, UserId};

stored_enum!(
    /// Where a conversation is.
    ChatState {
        /// In the queue: no peer yet.
        Waiting = "WAITING",
        /// A citizen and a peer are talking.
        Active = "ACTIVE",
        /// Handed by one peer to another, who has not taken it yet.
        HandingOver = "HANDING_OVER",
        /// Over: accepts nothing more.
        Ended = "ENDED",
    }
);

stored_enum!(
    /// Who wrote a message.
    ChatSide {
        /// The anonymous citizen.
        Citizen = "CITIZEN",
        /// The peer.
        Peer = "PEER",
    }
);

stored_enum!(
    /// How a conversation ended.
    ChatEnd {
        /// The citizen left.
        CitizenLeft = "CITIZEN_LEFT",
        /// The peer ended it.
        PeerEnded = "PEER_ENDED",
        /// The peer ended it and blocked the session.
        Blocked = "BLOCKED",
        /// Nobody took it before the offer closed, or it was left idle.
        Expired = "EXPIRED",
    }
);

/// The length of a public key (X25519).
pub const KEY_BYTES: usize = 32;
/// The largest ciphertext of one message (a few thousand characters of text with the
/// encryption's overhead).
pub const MAX_CIPHERTEXT_BYTES: usize = 8192;

/// A public key made in a browser for one conversation (X25519, as libsodium's `crypto_kx`
/// makes them). The private half never leaves the browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChatKey([u8; KEY_BYTES]);

impl ChatKey {
    /// A key from its bytes.
    ///
    /// # Errors
    /// `VALIDATION` unless it is [`KEY_BYTES`] long and not all zero.
    pub fn from_bytes(field: &str, bytes: &[u8]) -> DomainResult<Self> {
        let key: [u8; KEY_BYTES] = bytes.try_into().map_err(|_| {
            DomainError::validation(field, format!("a public key is {KEY_BYTES} bytes"))
        })?;
        if key == [0; KEY_BYTES] {
            return Err(DomainError::validation(field, "not a public key"));
        }
        Ok(Self(key))
    }

    /// The bytes.
    #[must_use]
    pub const fn bytes(&self) -> &[u8; KEY_BYTES] {
        &self.0
    }
}

/// Who acts in a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Participant {
    /// The citizen holding the conversation's session.
    Citizen,
    /// A peer (a user with the `PEER` role).
    Peer(UserId),
}

/// A conversation as stored: no content, only state, times and public keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversation {
    /// The conversation.
    pub id: ConversationId,
    /// The chat offer it came through.
    pub offer_id: OfferId,
    /// Where it is.
    pub state: ChatState,
    /// When the citizen opened it.
    pub opened_at: DateTime<Utc>,
    /// When a peer first took it.
    pub taken_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// How it ended.
    pub end: Option<ChatEnd>,
    /// The peer on it, or the peer it is being handed to.
    pub peer: Option<UserId>,
    /// The citizen's public key.
    pub citizen_key: ChatKey,
    /// The current peer's public key (none while waiting or being handed over).
    pub peer_key: Option<ChatKey>,
    /// Rises each time a peer takes the conversation; every message names the epoch whose
    /// keys sealed it.
    pub key_epoch: u32,
}

fn illegal(action: &'static str, state: ChatState) -> DomainError {
    DomainError::Conflict(Conflict::IllegalTransition {
        action,
        from: state.as_str(),
    })
}

impl Conversation {
    /// A new conversation in the queue.
    #[must_use]
    pub fn open(offer_id: OfferId, citizen_key: ChatKey, now: DateTime<Utc>) -> Self {
        Self {
            id: ConversationId::new(),
            offer_id,
            state: ChatState::Waiting,
            opened_at: now,
            taken_at: None,
            ended_at: None,
            end: None,
            peer: None,
            citizen_key,
            peer_key: None,
            key_epoch: 0,
        }
    }

    /// `peer` takes the conversation with `key`: from the queue, or handed to them.
    ///
    /// # Errors
    /// `CONFLICT`/`ILLEGAL_TRANSITION` when it is neither waiting nor being handed to `peer`.
    pub fn take(&mut self, peer: UserId, key: ChatKey, now: DateTime<Utc>) -> DomainResult<()> {
        match self.state {
            ChatState::Waiting => {}
            ChatState::HandingOver if self.peer == Some(peer) => {}
            state => return Err(illegal("TAKE", state)),
        }
        self.state = ChatState::Active;
        self.peer = Some(peer);
        self.peer_key = Some(key);
        self.key_epoch += 1;
        self.taken_at.get_or_insert(now);
        Ok(())
    }

    /// The peer on the conversation hands it to `to`, who must take it with their own key.
    ///
    /// # Errors
    /// `FORBIDDEN` unless `from` is the peer on it; `CONFLICT` unless it is active, or when
    /// handed to oneself.
    pub fn hand_over(&mut self, from: UserId, to: UserId) -> DomainResult<()> {
        if self.state != ChatState::Active {
            return Err(illegal("HAND_OVER", self.state));
        }
        if self.peer != Some(from) {
            return Err(DomainError::Forbidden(
                "only the peer on a conversation hands it over",
            ));
        }
        if to == from {
            return Err(DomainError::validation(
                "toPeer",
                "hand the conversation to another peer",
            ));
        }
        self.state = ChatState::HandingOver;
        self.peer = Some(to);
        self.peer_key = None;
        Ok(())
    }

    /// `who` ends the conversation (`block`: a peer ends it as blocked).
    ///
    /// # Errors
    /// `CONFLICT` when it has ended; otherwise as [`Self::end_by`].
    pub fn end(&mut self, who: Participant, block: bool, now: DateTime<Utc>) -> DomainResult<()> {
        if self.state == ChatState::Ended {
            return Err(illegal("END", self.state));
        }
        let end = self.end_by(who, block)?;
        self.close(end, now);
        Ok(())
    }

    /// How `who` may end the conversation (`block`: as blocked), whatever its state.
    ///
    /// # Errors
    /// `FORBIDDEN` when a peer who is not on it ends it, or the citizen tries to block.
    pub fn end_by(&self, who: Participant, block: bool) -> DomainResult<ChatEnd> {
        match who {
            Participant::Citizen if block => {
                Err(DomainError::Forbidden("only a peer blocks a session"))
            }
            Participant::Citizen => Ok(ChatEnd::CitizenLeft),
            Participant::Peer(peer) if self.peer != Some(peer) => Err(DomainError::Forbidden(
                "only the peer on a conversation ends it",
            )),
            Participant::Peer(_) if block => Ok(ChatEnd::Blocked),
            Participant::Peer(_) => Ok(ChatEnd::PeerEnded),
        }
    }

    /// Ends a conversation nobody took (the offer closed) or everybody left idle.
    pub fn expire(&mut self, now: DateTime<Utc>) {
        if self.state != ChatState::Ended {
            self.close(ChatEnd::Expired, now);
        }
    }

    fn close(&mut self, end: ChatEnd, now: DateTime<Utc>) {
        self.state = ChatState::Ended;
        self.end = Some(end);
        self.ended_at = Some(now);
        self.peer_key = None;
    }

    /// Which side `who` writes as, if they may write now.
    ///
    /// # Errors
    /// `CONFLICT` unless the conversation is active (waiting, being handed over and ended
    /// conversations accept nothing); `FORBIDDEN` for a peer not on it.
    pub fn sender(&self, who: Participant) -> DomainResult<ChatSide> {
        if self.state != ChatState::Active {
            return Err(DomainError::Conflict(Conflict::ChatNotActive {
                state: self.state.as_str(),
            }));
        }
        match who {
            Participant::Citizen => Ok(ChatSide::Citizen),
            Participant::Peer(peer) if self.peer == Some(peer) => Ok(ChatSide::Peer),
            Participant::Peer(_) => Err(DomainError::Forbidden(
                "only the peer on a conversation writes in it",
            )),
        }
    }

    /// Whether `who` takes part (the citizen, or the peer on it or being handed it).
    #[must_use]
    pub fn includes(&self, who: Participant) -> bool {
        match who {
            Participant::Citizen => true,
            Participant::Peer(peer) => self.peer == Some(peer),
        }
    }

    /// Seconds from opening to the first take (or to `now`, still waiting).
    #[must_use]
    pub fn waited_seconds(&self, now: DateTime<Utc>) -> i64 {
        (self.taken_at.unwrap_or(now) - self.opened_at)
            .num_seconds()
            .max(0)
    }
}

/// Checks one message's ciphertext.
///
/// # Errors
/// `VALIDATION` when it is empty or longer than [`MAX_CIPHERTEXT_BYTES`].
pub fn check_ciphertext(ciphertext: &[u8]) -> DomainResult<()> {
    if ciphertext.is_empty() {
        return Err(DomainError::validation("ciphertext", "is empty"));
    }
    if ciphertext.len() > MAX_CIPHERTEXT_BYTES {
        return Err(DomainError::validation(
            "ciphertext",
            format!("at most {MAX_CIPHERTEXT_BYTES} bytes"),
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "conversation_tests.rs"]
mod tests;
