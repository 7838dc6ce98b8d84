//! Peers going on and off duty for a chat offer; going off writes the period for the
//! statistics (attributed to the Danish month it began).

use chrono::{DateTime, Utc};
use peerbro_domain::DomainResult;
use peerbro_domain::chat::danish_month;
use peerbro_domain::ids::{OfferId, TenantId, UserId};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::db::Database;
use crate::entities::chat::{chat_duty, chat_duty_periods};
use crate::errors::unexpected;

/// Puts `peer` on duty for `offer` at `at` (staying on if already), or takes them off and
/// records how long they were on, in one transaction.
pub(super) async fn set(
    db: &Database,
    tenant: TenantId,
    offer: OfferId,
    peer: UserId,
    on: bool,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    let tx = db.begin_write(tenant).await?;
    let (t, o, u) = (tenant.as_uuid(), offer.as_uuid(), peer.as_uuid());
    if on {
        chat_duty::Entity::insert(chat_duty::ActiveModel {
            tenant_id: Set(t),
            offer_id: Set(o),
            user_id: Set(u),
            since: Set(at),
        })
        .on_conflict(
            OnConflict::columns([
                chat_duty::Column::TenantId,
                chat_duty::Column::OfferId,
                chat_duty::Column::UserId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&tx)
        .await
        .map_err(unexpected)?;
    } else {
        let mine = || {
            sea_orm::Condition::all()
                .add(chat_duty::Column::TenantId.eq(t))
                .add(chat_duty::Column::OfferId.eq(o))
                .add(chat_duty::Column::UserId.eq(u))
        };
        let since: Option<DateTime<Utc>> = chat_duty::Entity::find()
            .select_only()
            .column(chat_duty::Column::Since)
            .filter(mine())
            .lock_exclusive()
            .into_tuple()
            .one(&tx)
            .await
            .map_err(unexpected)?;
        if let Some(since) = since {
            chat_duty::Entity::delete_many()
                .filter(mine())
                .exec(&tx)
                .await
                .map_err(unexpected)?;
            chat_duty_periods::Entity::insert(chat_duty_periods::ActiveModel {
                tenant_id: Set(t),
                id: Set(uuid::Uuid::now_v7()),
                offer_id: Set(o),
                user_id: Set(u),
                month: Set(danish_month(since)),
                seconds: Set((at - since).num_seconds().max(0)),
            })
            .exec_without_returning(&tx)
            .await
            .map_err(unexpected)?;
        }
    }
    tx.commit().await
}
