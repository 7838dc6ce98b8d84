//! What the chat's statistics read: contacts and duty periods of a span of months.

use std::str::FromStr as _;

use async_trait::async_trait;
use chrono::NaiveDate;
use peerbro_domain::chat::ChatEnd;
use peerbro_domain::chat::statistics::{ChatStatisticsStore, Contact, DutyPeriod};
use peerbro_domain::ids::{OfferId, TenantId, UserId};
use peerbro_domain::{DomainError, DomainResult};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryTrait};

use super::SeaChatStore;
use crate::entities::chat::{chat_contacts, chat_duty_periods};
use crate::errors::unexpected;

#[async_trait]
impl ChatStatisticsStore for SeaChatStore {
    async fn contacts(
        &self,
        tenant: TenantId,
        from: NaiveDate,
        to: NaiveDate,
        offer: Option<OfferId>,
    ) -> DomainResult<Vec<Contact>> {
        use chat_contacts::Column as C;
        let tx = self.db.begin_read(tenant).await?;
        let rows = chat_contacts::Entity::find()
            .filter(C::TenantId.eq(tenant.as_uuid()))
            .filter(C::Month.between(from, to))
            .apply_if(offer, |q, o| q.filter(C::OfferId.eq(o.as_uuid())))
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter()
            .map(|r| {
                Ok(Contact {
                    offer: OfferId::from_uuid(r.offer_id),
                    month: r.month,
                    waited_seconds: r.waited_seconds,
                    talked_seconds: r.talked_seconds,
                    end: ChatEnd::from_str(&r.end_reason).map_err(|_| {
                        DomainError::Unknown(anyhow::anyhow!("a chat contact's end is not known"))
                    })?,
                })
            })
            .collect()
    }

    async fn duty_periods(
        &self,
        tenant: TenantId,
        from: NaiveDate,
        to: NaiveDate,
        offer: Option<OfferId>,
    ) -> DomainResult<Vec<DutyPeriod>> {
        use chat_duty_periods::Column as C;
        let tx = self.db.begin_read(tenant).await?;
        let rows = chat_duty_periods::Entity::find()
            .filter(C::TenantId.eq(tenant.as_uuid()))
            .filter(C::Month.between(from, to))
            .apply_if(offer, |q, o| q.filter(C::OfferId.eq(o.as_uuid())))
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|r| DutyPeriod {
                offer: OfferId::from_uuid(r.offer_id),
                month: r.month,
                peer: UserId::from_uuid(r.user_id),
                seconds: r.seconds,
            })
            .collect())
    }
}
