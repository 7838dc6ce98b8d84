//! The citizen's side of the chat: no account, only the session given when the conversation
//! started.

use super::conversation::{ChatKey, ChatState, Conversation, Participant, check_ciphertext};
use super::ports::ChatMessage;
use super::service::{ChatService, MAX_READ, NOT_FOUND};
use super::session::{ChatSession, same};
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{OfferId, TenantId, UserId};

impl ChatService {
    /// A citizen starts a conversation with the public key their browser made.
    ///
    /// # Errors
    /// `NOT_FOUND` unless it is a chat offer; `CONFLICT`/`CHAT_CLOSED` (with the next opening)
    /// when it is not open now or no longer offered.
    #[tracing::instrument(name = "chat.start", skip_all, fields(tenant = %tenant, offer = %offer))]
    pub async fn start(
        &self,
        tenant: TenantId,
        offer: OfferId,
        citizen_key: ChatKey,
    ) -> DomainResult<(Conversation, ChatSession)> {
        let now = self.clock.now();
        let found = self.offer(tenant, offer).await?;
        if !found.active || !found.hours.is_open(now) {
            let opens = found
                .active
                .then(|| found.hours.next_opening(now))
                .flatten();
            return Err(DomainError::Conflict(Conflict::ChatClosed { opens }));
        }
        let conversation = Conversation::open(offer, citizen_key, now);
        let secret = (self.secrets)();
        self.store
            .open(tenant, &conversation, &(self.digest)(&secret))
            .await?;
        let session = ChatSession {
            tenant,
            conversation: conversation.id,
            secret,
        };
        Ok((conversation, session))
    }

    /// The citizen's conversation, when the session's secret is right.
    ///
    /// # Errors
    /// `NOT_FOUND` for an unknown conversation or a wrong secret (the same answer).
    pub async fn citizen_view(&self, session: &ChatSession) -> DomainResult<Conversation> {
        let (conversation, digest) = self
            .store
            .get(session.tenant, session.conversation)
            .await?
            .ok_or(NOT_FOUND)?;
        if same(&digest, &(self.digest)(&session.secret)) {
            Ok(conversation)
        } else {
            Err(NOT_FOUND)
        }
    }

    /// The citizen's conversation and, while it waits, its place in the queue (1: next),
    /// read consistently: a conversation taken between the two reads is shown as taken.
    ///
    /// # Errors
    /// As [`Self::citizen_view`].
    pub async fn citizen_status(
        &self,
        session: &ChatSession,
    ) -> DomainResult<(Conversation, Option<u32>)> {
        let conversation = self.citizen_view(session).await?;
        if conversation.state != ChatState::Waiting {
            return Ok((conversation, None));
        }
        // The queue as a peer who is handed nothing sees it.
        let queue = self
            .store
            .queue(
                session.tenant,
                conversation.offer_id,
                UserId::from_uuid(uuid::Uuid::nil()),
            )
            .await?;
        match queue
            .into_iter()
            .find(|w| w.conversation.id == conversation.id)
        {
            Some(w) => Ok((w.conversation, Some(w.position))),
            // Taken (or ended) meanwhile.
            None => Ok((self.citizen_view(session).await?, None)),
        }
    }

    /// The citizen writes.
    ///
    /// # Errors
    /// As [`Self::citizen_view`]; `VALIDATION` for an empty or too long ciphertext;
    /// `CONFLICT`/`CHAT_NOT_ACTIVE` unless a peer is in the conversation.
    #[tracing::instrument(name = "chat.citizen_send", skip_all, fields(conversation = %session.conversation, bytes = ciphertext.len()))]
    pub async fn citizen_send(
        &self,
        session: &ChatSession,
        epoch: u32,
        signal: bool,
        ciphertext: Vec<u8>,
    ) -> DomainResult<ChatMessage> {
        check_ciphertext(&ciphertext)?;
        self.citizen_view(session).await?;
        self.append(
            session.tenant,
            session.conversation,
            Participant::Citizen,
            epoch,
            signal,
            ciphertext,
        )
        .await
    }

    /// The citizen tells the peer, live, that they are typing.
    ///
    /// # Errors
    /// As [`Self::citizen_view`]; `CONFLICT` unless a peer is in the conversation.
    pub async fn citizen_typing(&self, session: &ChatSession) -> DomainResult<()> {
        let conversation = self.citizen_view(session).await?;
        let side = conversation.sender(Participant::Citizen)?;
        self.store
            .typing(session.tenant, session.conversation, side)
            .await
    }

    /// The citizen leaves (and, with `delete`, deletes what was written at once).
    ///
    /// # Errors
    /// As [`Self::citizen_view`]; `FORBIDDEN` with `block` (only peers block); `CONFLICT`
    /// when it has ended and nothing is to be deleted.
    #[tracing::instrument(name = "chat.citizen_end", skip_all, fields(conversation = %session.conversation))]
    pub async fn citizen_end(
        &self,
        session: &ChatSession,
        block: bool,
        delete: bool,
    ) -> DomainResult<Conversation> {
        let conversation = self.citizen_view(session).await?;
        self.finish(
            session.tenant,
            conversation,
            Participant::Citizen,
            block,
            delete,
        )
        .await
    }

    /// Messages after `after` in the citizen's conversation.
    ///
    /// # Errors
    /// As [`Self::citizen_view`].
    pub async fn citizen_messages(
        &self,
        session: &ChatSession,
        after: i64,
        limit: u32,
    ) -> DomainResult<Vec<ChatMessage>> {
        self.citizen_view(session).await?;
        self.store
            .messages_after(
                session.tenant,
                session.conversation,
                after,
                limit.min(MAX_READ),
            )
            .await
    }
}
