//! [`ChatStore`] on sea-orm (ADR 0046). A change to a conversation locks its row, lets the
//! domain decide, writes, and wakes the conversation's subscribers when (and only when) the
//! change commits (`crate::chat_wakeups`: on PostgreSQL a notification on `peerbro_chat` in
//! the same transaction, for every server process). Messages are numbered from the conversation row's
//! `last_seq` under that lock: without gaps, each number once.

mod duty;
mod expiry;
pub mod retention;
mod rows;
mod statistics;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use peerbro_domain::DomainResult;
use peerbro_domain::chat::ports::{ChatChange, SenderCheck};
use peerbro_domain::chat::{
    ChatMessage, ChatOffer, ChatSide, ChatState, ChatStore, Conversation, NewMessage, OpeningHours,
    Waiting,
};
use peerbro_domain::ids::{ConversationId, OfferId, TenantId, UserId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait as _, ConnectionTrait as _, EntityTrait as _, QueryFilter as _,
    QueryOrder as _, QuerySelect as _,
};
use uuid::Uuid;

use self::rows::{
    chat_contacts_insert, conversation_from, conversation_row, hours_of, message_from,
};
use crate::chat_wakeups::{CHAT_CHANNEL, ChatWake};
use crate::db::{Database, Tx};
use crate::entities::chat::{chat_conversations, chat_duty, chat_hours, chat_messages};
use crate::entities::offers::offers;
use crate::errors::unexpected;
use crate::repositories::rows::by_id;

/// [`ChatStore`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaChatStore {
    db: Database,
}

impl SeaChatStore {
    /// Over `db`.
    #[must_use]
    pub const fn new(db: Database) -> Self {
        Self { db }
    }
}

const CHAT_OFFER: &str = "ANONYMOUS_CHAT";

async fn locked(
    tx: &Tx,
    tenant: TenantId,
    id: ConversationId,
) -> DomainResult<chat_conversations::Model> {
    by_id::<chat_conversations::Entity>(tx, tenant, id.as_uuid(), true, "conversation").await
}

fn wake_of(tenant: TenantId, id: ConversationId) -> ChatWake {
    ChatWake {
        tenant,
        conversation: id,
        typing: None,
    }
}

/// Wakes every process's subscribers when `tx` commits (PostgreSQL: a notification in `tx`).
async fn notify(tx: &Tx, wake: ChatWake) -> DomainResult<()> {
    if tx.get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        return Ok(());
    }
    tx.execute_raw(sea_orm::Statement::from_sql_and_values(
        sea_orm::DatabaseBackend::Postgres,
        "SELECT pg_notify($1, $2)",
        [CHAT_CHANNEL.into(), wake.payload().into()],
    ))
    .await
    .map(|_| ())
    .map_err(unexpected)
}

impl SeaChatStore {
    /// Commits `tx` and, on SQLite, wakes this process's subscribers (PostgreSQL delivers the
    /// notification made in `tx` to every process as it commits).
    async fn commit_and_wake(&self, tx: Tx, wake: ChatWake) -> DomainResult<()> {
        tx.commit().await?;
        if self.db.backend() == crate::db::Backend::Sqlite {
            self.db.chat.wake(wake);
        }
        Ok(())
    }
}

#[async_trait]
impl ChatStore for SeaChatStore {
    async fn offer(&self, tenant: TenantId, offer: OfferId) -> DomainResult<Option<ChatOffer>> {
        let tx = self.db.begin_read(tenant).await?;
        let row = offers::Entity::find()
            .filter(offers::Column::TenantId.eq(tenant.as_uuid()))
            .filter(offers::Column::Id.eq(offer.as_uuid()))
            .filter(offers::Column::OfferType.eq(CHAT_OFFER))
            .one(&tx)
            .await
            .map_err(unexpected)?;
        let Some(row) = row else {
            tx.commit().await?;
            return Ok(None);
        };
        let slots = chat_hours::Entity::find()
            .filter(chat_hours::Column::TenantId.eq(tenant.as_uuid()))
            .filter(chat_hours::Column::OfferId.eq(offer.as_uuid()))
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Ok(Some(ChatOffer {
            id: offer,
            title: row.title,
            active: row.open,
            hours: hours_of(&slots)?,
        }))
    }

    async fn set_hours(
        &self,
        tenant: TenantId,
        offer: OfferId,
        hours: &OpeningHours,
    ) -> DomainResult<()> {
        let tx = self.db.begin_write(tenant).await?;
        chat_hours::Entity::delete_many()
            .filter(chat_hours::Column::TenantId.eq(tenant.as_uuid()))
            .filter(chat_hours::Column::OfferId.eq(offer.as_uuid()))
            .exec(&tx)
            .await
            .map_err(unexpected)?;
        let slots: Vec<chat_hours::ActiveModel> = hours
            .slots()
            .iter()
            .map(|s| rows::slot_row(tenant, offer, s))
            .collect();
        if !slots.is_empty() {
            chat_hours::Entity::insert_many(slots)
                .exec_without_returning(&tx)
                .await
                .map_err(unexpected)?;
        }
        tx.commit().await
    }

    async fn open(
        &self,
        tenant: TenantId,
        conversation: &Conversation,
        secret_digest: &[u8],
    ) -> DomainResult<()> {
        let tx = self.db.begin_write(tenant).await?;
        chat_conversations::Entity::insert(conversation_row(tenant, conversation, secret_digest))
            .exec_without_returning(&tx)
            .await
            .map_err(unexpected)?;
        let wake = wake_of(tenant, conversation.id);
        notify(&tx, wake).await?;
        self.commit_and_wake(tx, wake).await
    }

    async fn get(
        &self,
        tenant: TenantId,
        id: ConversationId,
    ) -> DomainResult<Option<(Conversation, Vec<u8>)>> {
        let tx = self.db.begin_read(tenant).await?;
        let row = chat_conversations::Entity::find()
            .filter(chat_conversations::Column::TenantId.eq(tenant.as_uuid()))
            .filter(chat_conversations::Column::Id.eq(id.as_uuid()))
            .one(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        row.map(|row| {
            let digest = row.secret_digest.clone();
            conversation_from(row).map(|c| (c, digest))
        })
        .transpose()
    }

    async fn change(
        &self,
        tenant: TenantId,
        id: ConversationId,
        change: ChatChange,
    ) -> DomainResult<Conversation> {
        let tx = self.db.begin_write(tenant).await?;
        let row = locked(&tx, tenant, id).await?;
        let (digest, last_seq) = (row.secret_digest.clone(), row.last_seq);
        let before = conversation_from(row)?;
        let mut after = before.clone();
        change(&mut after)?;
        let mut update = conversation_row(tenant, &after, &digest);
        update.last_seq = Set(last_seq);
        chat_conversations::Entity::update(update)
            .exec(&tx)
            .await
            .map_err(unexpected)?;
        if before.state != ChatState::Ended && after.state == ChatState::Ended {
            chat_contacts_insert(&tx, tenant, &after).await?;
        }
        let wake = wake_of(tenant, id);
        notify(&tx, wake).await?;
        self.commit_and_wake(tx, wake).await?;
        Ok(after)
    }

    async fn append(
        &self,
        tenant: TenantId,
        id: ConversationId,
        check: SenderCheck,
        message: NewMessage,
    ) -> DomainResult<ChatMessage> {
        let tx = self.db.begin_write(tenant).await?;
        let row = locked(&tx, tenant, id).await?;
        let seq = row.last_seq + 1;
        let side = check(&conversation_from(row)?)?;
        chat_conversations::Entity::update_many()
            .col_expr(chat_conversations::Column::LastSeq, Expr::value(seq))
            .filter(chat_conversations::Column::TenantId.eq(tenant.as_uuid()))
            .filter(chat_conversations::Column::Id.eq(id.as_uuid()))
            .exec(&tx)
            .await
            .map_err(unexpected)?;
        let stored = ChatMessage {
            conversation_id: id,
            seq,
            side,
            epoch: message.epoch,
            signal: message.signal,
            ciphertext: message.ciphertext,
            sent_at: message.at,
        };
        chat_messages::Entity::insert(rows::message_row(tenant, &stored))
            .exec_without_returning(&tx)
            .await
            .map_err(unexpected)?;
        let wake = wake_of(tenant, id);
        notify(&tx, wake).await?;
        self.commit_and_wake(tx, wake).await?;
        Ok(stored)
    }

    async fn messages_after(
        &self,
        tenant: TenantId,
        id: ConversationId,
        after: i64,
        limit: u32,
    ) -> DomainResult<Vec<ChatMessage>> {
        let tx = self.db.begin_read(tenant).await?;
        let rows = chat_messages::Entity::find()
            .filter(chat_messages::Column::TenantId.eq(tenant.as_uuid()))
            .filter(chat_messages::Column::ConversationId.eq(id.as_uuid()))
            .filter(chat_messages::Column::Seq.gt(after))
            .order_by_asc(chat_messages::Column::Seq)
            .limit(u64::from(limit))
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter().map(message_from).collect()
    }

    async fn delete_messages(&self, tenant: TenantId, id: ConversationId) -> DomainResult<u64> {
        let tx = self.db.begin_write(tenant).await?;
        let deleted = chat_messages::Entity::delete_many()
            .filter(chat_messages::Column::TenantId.eq(tenant.as_uuid()))
            .filter(chat_messages::Column::ConversationId.eq(id.as_uuid()))
            .exec(&tx)
            .await
            .map_err(unexpected)?
            .rows_affected;
        let wake = wake_of(tenant, id);
        notify(&tx, wake).await?;
        self.commit_and_wake(tx, wake).await?;
        Ok(deleted)
    }

    async fn queue(
        &self,
        tenant: TenantId,
        offer: OfferId,
        peer: UserId,
    ) -> DomainResult<Vec<Waiting>> {
        let tx = self.db.begin_read(tenant).await?;
        let rows = chat_conversations::Entity::find()
            .filter(chat_conversations::Column::TenantId.eq(tenant.as_uuid()))
            .filter(chat_conversations::Column::OfferId.eq(offer.as_uuid()))
            .filter(
                sea_orm::Condition::any()
                    .add(chat_conversations::Column::State.eq(ChatState::Waiting.as_str()))
                    .add(
                        sea_orm::Condition::all()
                            .add(
                                chat_conversations::Column::State
                                    .eq(ChatState::HandingOver.as_str()),
                            )
                            .add(chat_conversations::Column::PeerId.eq(peer.as_uuid())),
                    ),
            )
            .order_by_asc(chat_conversations::Column::OpenedAt)
            .order_by_asc(chat_conversations::Column::Id)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter()
            .zip(1..)
            .map(|(row, position)| {
                Ok(Waiting {
                    conversation: conversation_from(row)?,
                    position,
                })
            })
            .collect()
    }

    async fn set_duty(
        &self,
        tenant: TenantId,
        offer: OfferId,
        peer: UserId,
        on: bool,
        at: DateTime<Utc>,
    ) -> DomainResult<()> {
        duty::set(&self.db, tenant, offer, peer, on, at).await
    }

    async fn typing(
        &self,
        tenant: TenantId,
        id: ConversationId,
        side: ChatSide,
    ) -> DomainResult<()> {
        let wake = ChatWake {
            tenant,
            conversation: id,
            typing: Some(side),
        };
        let tx = self.db.begin_write(tenant).await?;
        notify(&tx, wake).await?;
        self.commit_and_wake(tx, wake).await
    }

    async fn on_duty(&self, tenant: TenantId, offer: OfferId) -> DomainResult<Vec<UserId>> {
        let tx = self.db.begin_read(tenant).await?;
        let peers: Vec<Uuid> = chat_duty::Entity::find()
            .select_only()
            .column(chat_duty::Column::UserId)
            .filter(chat_duty::Column::TenantId.eq(tenant.as_uuid()))
            .filter(chat_duty::Column::OfferId.eq(offer.as_uuid()))
            .order_by_asc(chat_duty::Column::Since)
            .into_tuple()
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Ok(peers.into_iter().map(UserId::from_uuid).collect())
    }
}
