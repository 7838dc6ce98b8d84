//! The chat's retention (ADR 0046): conversations that ended before the cutoff are deleted with
//! their messages — ciphertext, public keys, the session's digest. `chat_contacts` have no link
//! to them and stay for the statistics.

use chrono::{DateTime, Utc};
use peerbro_domain::DomainResult;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::db::Tx;
use crate::entities::chat::{chat_conversations, chat_messages};
use crate::errors::unexpected;

/// Ended conversations of tenant `t` that ended before `cutoff`; with `apply` deleted, with
/// their messages, in `tx`. Returns how many.
///
/// # Errors
/// `Unavailable` when the database is gone.
pub async fn ended_before(
    tx: &Tx,
    t: Uuid,
    cutoff: DateTime<Utc>,
    apply: bool,
) -> DomainResult<u64> {
    use chat_conversations::Column as C;
    let due: Vec<Uuid> = chat_conversations::Entity::find()
        .select_only()
        .column(C::Id)
        .filter(C::TenantId.eq(t))
        .filter(C::EndedAt.lt(cutoff))
        .into_tuple()
        .all(tx)
        .await
        .map_err(unexpected)?;
    if apply {
        for ids in due.chunks(500) {
            chat_messages::Entity::delete_many()
                .filter(chat_messages::Column::TenantId.eq(t))
                .filter(chat_messages::Column::ConversationId.is_in(ids.iter().copied()))
                .exec(tx)
                .await
                .map_err(unexpected)?;
            chat_conversations::Entity::delete_many()
                .filter(C::TenantId.eq(t))
                .filter(C::Id.is_in(ids.iter().copied()))
                .exec(tx)
                .await
                .map_err(unexpected)?;
        }
    }
    Ok(u64::try_from(due.len()).unwrap_or(u64::MAX))
}
