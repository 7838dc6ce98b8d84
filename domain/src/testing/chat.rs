//! The chat's store in memory, tenant-scoped like the real one.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::chat::ports::{ChatChange, SenderCheck};
use crate::chat::{
    ChatContact, ChatMessage, ChatOffer, ChatSide, ChatState, ChatStore, Conversation, NewMessage,
    OpeningHours, Waiting,
};
use crate::error::{DomainError, DomainResult};
use crate::ids::{ConversationId, OfferId, TenantId, UserId};

#[derive(Default)]
struct Chats {
    offers: HashMap<(TenantId, OfferId), ChatOffer>,
    conversations: BTreeMap<(TenantId, ConversationId), (Conversation, Vec<u8>)>,
    messages: Vec<(TenantId, ChatMessage)>,
    duty: Vec<(TenantId, OfferId, UserId)>,
    contacts: Vec<(TenantId, ChatContact)>,
    typing: Vec<(TenantId, ConversationId, ChatSide)>,
}

/// The chat store in memory.
#[derive(Default)]
pub(crate) struct MemoryChat(Mutex<Chats>);

impl MemoryChat {
    fn chats(&self) -> std::sync::MutexGuard<'_, Chats> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a chat offer.
    pub(crate) fn add_offer(&self, tenant: TenantId, hours: OpeningHours) -> OfferId {
        let id = OfferId::new();
        let offer = ChatOffer {
            id,
            title: "Anonym chat".to_owned(),
            active: true,
            hours,
        };
        self.chats().offers.insert((tenant, id), offer);
        id
    }

    /// The contacts recorded for the statistics.
    pub(crate) fn contacts(&self, tenant: TenantId) -> Vec<ChatContact> {
        self.chats()
            .contacts
            .iter()
            .filter(|(t, _)| *t == tenant)
            .map(|(_, c)| c.clone())
            .collect()
    }

    /// The typing signals sent.
    pub(crate) fn typed(&self) -> Vec<ChatSide> {
        self.chats().typing.iter().map(|(_, _, s)| *s).collect()
    }

    /// How many messages the tenant's conversation `id` holds.
    pub(crate) fn stored(&self, tenant: TenantId, id: ConversationId) -> usize {
        self.chats()
            .messages
            .iter()
            .filter(|(t, m)| *t == tenant && m.conversation_id == id)
            .count()
    }
}

fn contact(c: &Conversation, end: DateTime<Utc>) -> ChatContact {
    ChatContact {
        offer_id: c.offer_id,
        opened_at: c.opened_at,
        waited_seconds: c.taken_at.map(|t| (t - c.opened_at).num_seconds()),
        talked_seconds: c.taken_at.map(|t| (end - t).num_seconds()),
        end: c.end.map_or("", |e| e.as_str()),
    }
}

#[async_trait]
impl ChatStore for MemoryChat {
    async fn offer(&self, tenant: TenantId, offer: OfferId) -> DomainResult<Option<ChatOffer>> {
        Ok(self.chats().offers.get(&(tenant, offer)).cloned())
    }

    async fn set_hours(
        &self,
        tenant: TenantId,
        offer: OfferId,
        hours: &OpeningHours,
    ) -> DomainResult<()> {
        if let Some(o) = self.chats().offers.get_mut(&(tenant, offer)) {
            o.hours = hours.clone();
        }
        Ok(())
    }

    async fn open(
        &self,
        tenant: TenantId,
        conversation: &Conversation,
        secret_digest: &[u8],
    ) -> DomainResult<()> {
        self.chats().conversations.insert(
            (tenant, conversation.id),
            (conversation.clone(), secret_digest.to_vec()),
        );
        Ok(())
    }

    async fn get(
        &self,
        tenant: TenantId,
        id: ConversationId,
    ) -> DomainResult<Option<(Conversation, Vec<u8>)>> {
        Ok(self.chats().conversations.get(&(tenant, id)).cloned())
    }

    async fn change(
        &self,
        tenant: TenantId,
        id: ConversationId,
        change: ChatChange,
    ) -> DomainResult<Conversation> {
        let mut chats = self.chats();
        let (stored, _) =
            chats
                .conversations
                .get_mut(&(tenant, id))
                .ok_or(DomainError::NotFound {
                    resource: "conversation",
                })?;
        let mut changed = stored.clone();
        change(&mut changed)?;
        let ended = stored.state != ChatState::Ended && changed.state == ChatState::Ended;
        *stored = changed.clone();
        if ended {
            let at = changed.ended_at.unwrap_or(changed.opened_at);
            chats.contacts.push((tenant, contact(&changed, at)));
        }
        Ok(changed)
    }

    async fn append(
        &self,
        tenant: TenantId,
        id: ConversationId,
        check: SenderCheck,
        message: NewMessage,
    ) -> DomainResult<ChatMessage> {
        let mut chats = self.chats();
        let (c, _) = chats
            .conversations
            .get(&(tenant, id))
            .ok_or(DomainError::NotFound {
                resource: "conversation",
            })?;
        let side = check(c)?;
        let seq = chats
            .messages
            .iter()
            .filter(|(t, m)| *t == tenant && m.conversation_id == id)
            .map(|(_, m)| m.seq)
            .max()
            .unwrap_or(0)
            + 1;
        let stored = ChatMessage {
            conversation_id: id,
            seq,
            side,
            epoch: message.epoch,
            signal: message.signal,
            ciphertext: message.ciphertext,
            sent_at: message.at,
        };
        chats.messages.push((tenant, stored.clone()));
        Ok(stored)
    }

    async fn messages_after(
        &self,
        tenant: TenantId,
        id: ConversationId,
        after: i64,
        limit: u32,
    ) -> DomainResult<Vec<ChatMessage>> {
        Ok(self
            .chats()
            .messages
            .iter()
            .filter(|(t, m)| *t == tenant && m.conversation_id == id && m.seq > after)
            .take(limit as usize)
            .map(|(_, m)| m.clone())
            .collect())
    }

    async fn delete_messages(&self, tenant: TenantId, id: ConversationId) -> DomainResult<u64> {
        let mut chats = self.chats();
        let before = chats.messages.len();
        chats
            .messages
            .retain(|(t, m)| !(*t == tenant && m.conversation_id == id));
        Ok((before - chats.messages.len()) as u64)
    }

    async fn queue(
        &self,
        tenant: TenantId,
        offer: OfferId,
        peer: UserId,
    ) -> DomainResult<Vec<Waiting>> {
        let chats = self.chats();
        let mut waiting: Vec<&Conversation> = chats
            .conversations
            .iter()
            .filter(|((t, _), (c, _))| {
                *t == tenant
                    && c.offer_id == offer
                    && (c.state == ChatState::Waiting
                        || (c.state == ChatState::HandingOver && c.peer == Some(peer)))
            })
            .map(|(_, (c, _))| c)
            .collect();
        waiting.sort_by_key(|c| c.opened_at);
        Ok(waiting
            .into_iter()
            .zip(1..)
            .map(|(c, position)| Waiting {
                conversation: c.clone(),
                position,
            })
            .collect())
    }

    async fn set_duty(
        &self,
        tenant: TenantId,
        offer: OfferId,
        peer: UserId,
        on: bool,
        _at: DateTime<Utc>,
    ) -> DomainResult<()> {
        let mut chats = self.chats();
        chats.duty.retain(|d| *d != (tenant, offer, peer));
        if on {
            chats.duty.push((tenant, offer, peer));
        }
        Ok(())
    }

    async fn typing(
        &self,
        tenant: TenantId,
        id: ConversationId,
        side: ChatSide,
    ) -> DomainResult<()> {
        self.chats().typing.push((tenant, id, side));
        Ok(())
    }

    async fn on_duty(&self, tenant: TenantId, offer: OfferId) -> DomainResult<Vec<UserId>> {
        Ok(self
            .chats()
            .duty
            .iter()
            .filter(|(t, o, _)| *t == tenant && *o == offer)
            .map(|(_, _, p)| *p)
            .collect())
    }
}
