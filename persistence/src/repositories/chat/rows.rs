//! Rows of the chat tables and the domain values they hold.

use chrono::{NaiveDate, NaiveTime, Timelike as _, Weekday};
use peerbro_domain::chat::{
    ChatEnd, ChatKey, ChatMessage, ChatSide, ChatState, Conversation, OpeningHours, Slot,
};
use peerbro_domain::ids::{ConversationId, OfferId, TenantId, UserId};
use peerbro_domain::{DomainError, DomainResult};
use sea_orm::ActiveValue::Set;
use sea_orm::EntityTrait as _;

use crate::db::Tx;
use crate::entities::chat::{chat_contacts, chat_conversations, chat_hours, chat_messages};
use crate::errors::unexpected;

fn corrupt(what: &str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("a stored chat {what} does not read back"))
}

fn minutes(at: NaiveTime) -> i32 {
    i32::try_from(at.hour() * 60 + at.minute()).unwrap_or(0)
}

fn time_of(minute: i32) -> DomainResult<NaiveTime> {
    let minute = u32::try_from(minute).map_err(|_| corrupt("opening time"))?;
    NaiveTime::from_hms_opt(minute / 60, minute % 60, 0).ok_or_else(|| corrupt("opening time"))
}

pub(super) fn slot_row(tenant: TenantId, offer: OfferId, slot: &Slot) -> chat_hours::ActiveModel {
    chat_hours::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        offer_id: Set(offer.as_uuid()),
        weekday: Set(i32::try_from(slot.weekday.num_days_from_monday()).unwrap_or(0)),
        opens_minute: Set(minutes(slot.opens)),
        closes_minute: Set(minutes(slot.closes)),
    }
}

pub(super) fn hours_of(rows: &[chat_hours::Model]) -> DomainResult<OpeningHours> {
    let slots = rows
        .iter()
        .map(|r| {
            let weekday = u8::try_from(r.weekday)
                .ok()
                .and_then(|d| Weekday::try_from(d).ok())
                .ok_or_else(|| corrupt("weekday"))?;
            Ok(Slot {
                weekday,
                opens: time_of(r.opens_minute)?,
                closes: time_of(r.closes_minute)?,
            })
        })
        .collect::<DomainResult<Vec<_>>>()?;
    OpeningHours::new(slots).map_err(|_| corrupt("opening hours"))
}

pub(super) fn conversation_row(
    tenant: TenantId,
    c: &Conversation,
    secret_digest: &[u8],
) -> chat_conversations::ActiveModel {
    chat_conversations::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        id: Set(c.id.as_uuid()),
        offer_id: Set(c.offer_id.as_uuid()),
        state: Set(c.state.as_str().to_owned()),
        opened_at: Set(c.opened_at),
        taken_at: Set(c.taken_at),
        ended_at: Set(c.ended_at),
        end_reason: Set(c.end.map(|e| e.as_str().to_owned())),
        peer_id: Set(c.peer.map(|p| p.as_uuid())),
        citizen_key: Set(c.citizen_key.bytes().to_vec()),
        peer_key: Set(c.peer_key.map(|k| k.bytes().to_vec())),
        key_epoch: Set(i32::try_from(c.key_epoch).unwrap_or(i32::MAX)),
        secret_digest: Set(secret_digest.to_vec()),
        last_seq: Set(0),
    }
}

pub(super) fn conversation_from(row: chat_conversations::Model) -> DomainResult<Conversation> {
    Ok(Conversation {
        id: ConversationId::from_uuid(row.id),
        offer_id: OfferId::from_uuid(row.offer_id),
        state: row
            .state
            .parse::<ChatState>()
            .map_err(|_| corrupt("state"))?,
        opened_at: row.opened_at,
        taken_at: row.taken_at,
        ended_at: row.ended_at,
        end: row
            .end_reason
            .as_deref()
            .map(str::parse::<ChatEnd>)
            .transpose()
            .map_err(|_| corrupt("end"))?,
        peer: row.peer_id.map(UserId::from_uuid),
        citizen_key: ChatKey::from_bytes("citizenKey", &row.citizen_key)
            .map_err(|_| corrupt("key"))?,
        peer_key: row
            .peer_key
            .as_deref()
            .map(|k| ChatKey::from_bytes("peerKey", k))
            .transpose()
            .map_err(|_| corrupt("key"))?,
        key_epoch: u32::try_from(row.key_epoch).map_err(|_| corrupt("key epoch"))?,
    })
}

pub(super) fn message_row(tenant: TenantId, m: &ChatMessage) -> chat_messages::ActiveModel {
    chat_messages::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        conversation_id: Set(m.conversation_id.as_uuid()),
        seq: Set(m.seq),
        side: Set(m.side.as_str().to_owned()),
        epoch: Set(i32::try_from(m.epoch).unwrap_or(i32::MAX)),
        is_signal: Set(m.signal),
        ciphertext: Set(m.ciphertext.clone()),
        sent_at: Set(m.sent_at),
    }
}

pub(super) fn message_from(row: chat_messages::Model) -> DomainResult<ChatMessage> {
    Ok(ChatMessage {
        conversation_id: ConversationId::from_uuid(row.conversation_id),
        seq: row.seq,
        side: row.side.parse::<ChatSide>().map_err(|_| corrupt("side"))?,
        epoch: u32::try_from(row.epoch).map_err(|_| corrupt("epoch"))?,
        signal: row.is_signal,
        ciphertext: row.ciphertext,
        sent_at: row.sent_at,
    })
}

fn contact_row(
    tenant: TenantId,
    ended: &Conversation,
    month: NaiveDate,
) -> chat_contacts::ActiveModel {
    let end = ended.ended_at.unwrap_or(ended.opened_at);
    chat_contacts::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        id: Set(uuid::Uuid::new_v4()),
        offer_id: Set(ended.offer_id.as_uuid()),
        month: Set(month),
        waited_seconds: Set(ended.taken_at.map(|t| (t - ended.opened_at).num_seconds())),
        talked_seconds: Set(ended.taken_at.map(|t| (end - t).num_seconds())),
        end_reason: Set(ended.end.map_or("", |e| e.as_str()).to_owned()),
    }
}

/// Records the ended conversation's contact for the statistics.
pub(super) async fn chat_contacts_insert(
    tx: &Tx,
    tenant: TenantId,
    ended: &Conversation,
) -> DomainResult<()> {
    let month = peerbro_domain::chat::danish_month(ended.opened_at);
    chat_contacts::Entity::insert(contact_row(tenant, ended, month))
        .exec_without_returning(tx)
        .await
        .map_err(unexpected)?;
    Ok(())
}
