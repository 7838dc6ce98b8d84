//! What the chat's expiry reads: conversations that have not ended, with their last activity.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use peerbro_domain::DomainResult;
use peerbro_domain::chat::{ChatExpiryStore, ChatState, Unended};
use peerbro_domain::ids::{ConversationId, OfferId, TenantId};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::SeaChatStore;
use crate::entities::chat::{chat_conversations, chat_messages};
use crate::errors::unexpected;

#[async_trait]
impl ChatExpiryStore for SeaChatStore {
    async fn unended(&self, tenant: TenantId) -> DomainResult<Vec<Unended>> {
        use chat_conversations::Column as C;
        let t = tenant.as_uuid();
        let tx = self.db.begin_read(tenant).await?;
        let rows = chat_conversations::Entity::find()
            .filter(C::TenantId.eq(t))
            .filter(C::State.ne(ChatState::Ended.as_str()))
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let mut last: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
        for ids in rows.chunks(500) {
            let found: Vec<(Uuid, Option<DateTime<Utc>>)> = chat_messages::Entity::find()
                .select_only()
                .column(chat_messages::Column::ConversationId)
                .column_as(chat_messages::Column::SentAt.max(), "last")
                .filter(chat_messages::Column::TenantId.eq(t))
                .filter(chat_messages::Column::ConversationId.is_in(ids.iter().map(|r| r.id)))
                .group_by(chat_messages::Column::ConversationId)
                .into_tuple()
                .all(&tx)
                .await
                .map_err(unexpected)?;
            last.extend(found.into_iter().filter_map(|(id, at)| Some((id, at?))));
        }
        tx.commit().await?;
        rows.into_iter()
            .map(|r| {
                let activity = [Some(r.opened_at), r.taken_at, last.get(&r.id).copied()]
                    .into_iter()
                    .flatten()
                    .max()
                    .unwrap_or(r.opened_at);
                Ok(Unended {
                    id: ConversationId::from_uuid(r.id),
                    offer: OfferId::from_uuid(r.offer_id),
                    state: r.state.parse().map_err(|_| {
                        peerbro_domain::DomainError::Unknown(anyhow::anyhow!(
                            "a conversation's state is not known"
                        ))
                    })?,
                    last_activity: activity,
                })
            })
            .collect()
    }
}
