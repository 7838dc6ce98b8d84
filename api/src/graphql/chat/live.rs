//! The chat live over graphql-ws (ADR 0046). A subscriber is woken by every committed change
//! to its conversation in any server process (`peerbro_persistence::ChatWakeups`: PostgreSQL
//! `LISTEN/NOTIFY`, or in-process on SQLite) and reads what is new by sequence number, so each
//! message reaches it once, in order, and a wake-up it missed is caught up by the next one or
//! by its own poll. Every read checks again that the subscriber may see the conversation (the
//! citizen's session; the peer's token verified again), and the stream ends with the
//! conversation.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Context, ID, SimpleObject, Subscription};
use futures_util::Stream;
use peerbro_domain::chat::{ChatService, ChatState, Conversation};
use peerbro_domain::ids::{ConversationId, OfferId, TenantId};
use peerbro_domain::{DomainResult, RequestContext};
use peerbro_persistence::{ChatWake, ChatWakeups};
use tokio::sync::broadcast;

use super::schema::{Party, party};
use super::types::{ChatConversation, ChatMessage, ChatQueueEntry, ChatSide, queue_entries};
use crate::auth::Authenticator;
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::ids::parse;
use crate::graphql::subscriptions::SubscriberToken;

/// How often a subscriber reads even without a wake-up (a missed notification, a listener
/// reconnecting): `PEERBRO_CHAT_POLL_SECONDS`.
#[derive(Clone, Copy, Debug)]
pub struct ChatPoll(pub Duration);

fn poll_of(ctx: &Context<'_>) -> Duration {
    ctx.data::<ChatPoll>()
        .map_or(Duration::from_secs(5), |p| p.0)
}
/// Messages read at once.
const PAGE: u32 = 200;

/// What happened in a conversation since the subscriber's last event.
#[derive(SimpleObject)]
pub struct ChatEvent {
    /// The conversation now.
    pub(crate) conversation: ChatConversation,
    /// Messages new since the last event, in order; each is delivered once.
    pub(crate) messages: Vec<ChatMessage>,
    /// Set when the event is only that this side is typing (the client ignores its own).
    pub(crate) typing: Option<ChatSide>,
}

/// The subscriber's identity, checked again at every read.
enum Who {
    Citizen(peerbro_domain::chat::ChatSession),
    Peer {
        auth: Arc<Authenticator>,
        token: String,
        tenant: TenantId,
    },
}

impl Who {
    async fn context(&self) -> Option<RequestContext> {
        match self {
            Self::Citizen(_) => Some(RequestContext::anonymous("chat-live")),
            Self::Peer {
                auth,
                token,
                tenant,
            } => match auth.context(Some(token), "chat-live").await {
                Ok(ctx) if ctx.tenant_id().ok() == Some(*tenant) => Some(ctx),
                _ => None,
            },
        }
    }
}

struct Follow {
    chat: ChatService,
    who: Who,
    tenant: TenantId,
    id: ConversationId,
    rx: broadcast::Receiver<ChatWake>,
    cursor: i64,
    last: Option<(Conversation, Option<u32>)>,
    done: bool,
    poll: Duration,
}

impl Follow {
    /// The conversation and its queue position as the subscriber may see it now.
    async fn view(&self, rc: &RequestContext) -> DomainResult<(Conversation, Option<u32>)> {
        match &self.who {
            Who::Citizen(s) => self.chat.citizen_status(s).await,
            Who::Peer { .. } => Ok((self.chat.peer_view(rc, self.id).await?, None)),
        }
    }

    async fn messages(
        &self,
        rc: &RequestContext,
    ) -> DomainResult<Vec<peerbro_domain::chat::ChatMessage>> {
        match &self.who {
            Who::Citizen(s) => self.chat.citizen_messages(s, self.cursor, PAGE).await,
            Who::Peer { .. } => self.chat.messages(rc, self.id, self.cursor, PAGE).await,
        }
    }

    fn event(&self, typing: Option<ChatSide>, messages: Vec<ChatMessage>) -> Option<ChatEvent> {
        let (conversation, position) = self.last.as_ref()?;
        Some(ChatEvent {
            conversation: ChatConversation::of(conversation, self.chat.now(), *position),
            messages,
            typing,
        })
    }

    /// What is new since the last event (`None`: nothing); `Err`: the subscriber may no
    /// longer follow.
    async fn read(&mut self) -> Result<Option<ChatEvent>, ()> {
        let rc = self.who.context().await.ok_or(())?;
        let now = self.view(&rc).await.map_err(|_| ())?;
        let mut messages = Vec::new();
        loop {
            let page = self.messages(&rc).await.map_err(|_| ())?;
            let full = page.len() == PAGE as usize;
            if let Some(last) = page.last() {
                self.cursor = last.seq;
            }
            messages.extend(page.into_iter().map(ChatMessage::from));
            if !full {
                break;
            }
        }
        let changed = self.last.as_ref().is_none_or(|(c, p)| {
            (c.state, c.key_epoch, c.peer_key, *p)
                != (now.0.state, now.0.key_epoch, now.0.peer_key, now.1)
        });
        self.done = now.0.state == ChatState::Ended;
        self.last = Some(now);
        Ok((changed || !messages.is_empty())
            .then(|| self.event(None, messages))
            .flatten())
    }

    /// Waits for a wake-up of this conversation (or the poll); a typing signal's side.
    async fn wait(&mut self) -> Option<peerbro_domain::chat::ChatSide> {
        let deadline = tokio::time::sleep(self.poll);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                () = &mut deadline => return None,
                wake = self.rx.recv() => match wake {
                    Ok(w) if w.tenant == self.tenant && w.conversation == self.id => return w.typing,
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => return None,
                    Err(broadcast::error::RecvError::Closed) => {
                        deadline.as_mut().await;
                        return None;
                    }
                },
            }
        }
    }

    async fn next(&mut self) -> Option<ChatEvent> {
        loop {
            if self.done {
                return None;
            }
            match self.read().await {
                Err(()) => return None,
                Ok(Some(event)) => return Some(event),
                Ok(None) => {}
            }
            if let Some(side) = self.wait().await {
                // Typing is relayed without a read; the client ignores its own side.
                return self.event(Some(side.into()), Vec::new());
            }
        }
    }
}

/// The chat's subscriptions.
#[derive(Default)]
pub struct ChatSubscription;

#[Subscription]
impl ChatSubscription {
    /// Everything that happens in a conversation, for the citizen (by session; the socket's
    /// `connection_init` may carry `{"chatSession": …}` instead of a token) or the peer on it:
    /// first the conversation and its messages after `after`, then an event for each change —
    /// new messages (each once, in order), a take, a hand-over, the end — and for the other
    /// side typing. The stream ends with the conversation, or when the subscriber may no
    /// longer see it.
    async fn chat_events(
        &self,
        ctx: &Context<'_>,
        conversation: super::types::ChatRef,
        #[graphql(default = 0, validator(minimum = 0))] after: i64,
    ) -> async_graphql::Result<impl Stream<Item = ChatEvent> + use<>> {
        let chat = ctx.data::<ChatService>()?.clone();
        let rx = ctx.data::<Arc<ChatWakeups>>()?.subscribe();
        let (who, tenant, id) = match party(&conversation).gql()? {
            Party::Citizen(s) => {
                chat.citizen_view(&s).await.gql()?;
                let (tenant, id) = (s.tenant, s.conversation);
                (Who::Citizen(s), tenant, id)
            }
            Party::Peer(id) => {
                let rc = ctx.data::<RequestContext>()?;
                chat.peer_view(rc, id).await.gql()?;
                let token = ctx
                    .data::<SubscriberToken>()
                    .map_err(|_| {
                        crate::graphql::to_gql(peerbro_domain::DomainError::Unauthenticated)
                    })?
                    .0
                    .clone();
                let who = Who::Peer {
                    auth: ctx.data::<Arc<Authenticator>>()?.clone(),
                    token,
                    tenant: rc.tenant_id().gql()?,
                };
                (who, rc.tenant_id().gql()?, id)
            }
        };
        let follow = Follow {
            chat,
            who,
            tenant,
            id,
            rx,
            cursor: after,
            last: None,
            done: false,
            poll: poll_of(ctx),
        };
        Ok(futures_util::stream::unfold(follow, |mut f| async move {
            f.next().await.map(|event| (event, f))
        }))
    }

    /// The offer's queue each time it changes, for a peer on duty for it: positions and
    /// waiting times, no content. The stream ends when the peer goes off duty.
    async fn chat_queue_changes(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
    ) -> async_graphql::Result<impl Stream<Item = Vec<ChatQueueEntry>> + use<>> {
        let chat = ctx.data::<ChatService>()?.clone();
        let rx = ctx.data::<Arc<ChatWakeups>>()?.subscribe();
        let rc = ctx.data::<RequestContext>()?;
        let offer = parse::<OfferId>("offerId", &offer_id).gql()?;
        chat.queue(rc, offer).await.gql()?;
        let token = ctx
            .data::<SubscriberToken>()
            .map_err(|_| crate::graphql::to_gql(peerbro_domain::DomainError::Unauthenticated))?
            .0
            .clone();
        let tenant = rc.tenant_id().gql()?;
        let follow = QueueFollow {
            chat,
            who: Who::Peer {
                auth: ctx.data::<Arc<Authenticator>>()?.clone(),
                token,
                tenant,
            },
            offer,
            tenant,
            rx,
            last: None,
            poll: poll_of(ctx),
        };
        Ok(futures_util::stream::unfold(follow, |mut f| async move {
            f.next().await.map(|queue| (queue, f))
        }))
    }
}

struct QueueFollow {
    chat: ChatService,
    who: Who,
    offer: OfferId,
    tenant: TenantId,
    rx: broadcast::Receiver<ChatWake>,
    last: Option<Vec<(ConversationId, u32, ChatState)>>,
    poll: Duration,
}

impl QueueFollow {
    async fn next(&mut self) -> Option<Vec<ChatQueueEntry>> {
        loop {
            let rc = self.who.context().await?;
            // Off duty (FORBIDDEN) or gone: the stream ends.
            let queue = self.chat.queue(&rc, self.offer).await.ok()?;
            let key: Vec<_> = queue
                .iter()
                .map(|w| (w.conversation.id, w.position, w.conversation.state))
                .collect();
            if self.last.as_ref() != Some(&key) {
                self.last = Some(key);
                return Some(queue_entries(queue, self.chat.now()));
            }
            let deadline = tokio::time::sleep(self.poll);
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    () = &mut deadline => break,
                    wake = self.rx.recv() => match wake {
                        Ok(w) if w.tenant == self.tenant && w.typing.is_none() => break,
                        Ok(_) => {}
                        Err(broadcast::error::RecvError::Lagged(_)) => break,
                        Err(broadcast::error::RecvError::Closed) => {
                            deadline.as_mut().await;
                            break;
                        }
                    },
                }
            }
        }
    }
}
