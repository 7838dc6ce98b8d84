//! One-to-one matches: meetings logged without content, a peer's matches, and who a referral
//! concerns.

use std::collections::HashMap;

use async_trait::async_trait;
use peerbro_domain::ids::{CitizenId, MeetingId, PeerId, ReferralId, UserId};
use peerbro_domain::offers::{Meeting, MeetingStore, PeerMatch, ReferralParties};
use peerbro_domain::{DomainResult, RequestContext};
use sea_orm::{
    ActiveValue::Set, ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _,
};
use uuid::Uuid;

use super::SeaOfferRepository;
use super::rows::{corrupt, to_i32, to_u32};
use crate::entities::offers::meetings;
use crate::entities::privacy::citizens;
use crate::entities::referral::referrals;
use crate::errors::unexpected;
use crate::repositories::rows::by_id;
use crate::unit_of_work::SeaUnit;

impl SeaOfferRepository {
    pub(super) async fn meetings_in(
        &self,
        ctx: &RequestContext,
        referrals: &[ReferralId],
    ) -> DomainResult<Vec<Meeting>> {
        if referrals.is_empty() {
            return Ok(Vec::new());
        }
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows = meetings::Entity::find()
            .filter(meetings::Column::TenantId.eq(tenant.as_uuid()))
            .filter(meetings::Column::ReferralId.is_in(referrals.iter().map(|r| r.as_uuid())))
            .order_by_asc(meetings::Column::Date)
            .order_by_asc(meetings::Column::Id)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter()
            .map(|m| {
                Ok(Meeting {
                    id: MeetingId::from_uuid(m.id),
                    referral_id: ReferralId::from_uuid(m.referral_id),
                    peer_id: PeerId::from_uuid(m.peer_id),
                    date: m.date,
                    minutes: to_u32(m.minutes, "meeting length")?,
                    form: m.form.parse().map_err(|_| corrupt("meeting form"))?,
                    logged_by: m.logged_by.map(UserId::from_uuid),
                    logged_at: m.logged_at,
                })
            })
            .collect()
    }

    pub(super) async fn matches_of_in(
        &self,
        ctx: &RequestContext,
        peer: PeerId,
    ) -> DomainResult<Vec<PeerMatch>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows = referrals::Entity::find()
            .filter(referrals::Column::TenantId.eq(tenant.as_uuid()))
            .filter(referrals::Column::AssignedPeerId.eq(peer.as_uuid()))
            .order_by_asc(referrals::Column::AssignedAt)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.citizen_id).collect();
        let pseudonyms: HashMap<Uuid, String> = if ids.is_empty() {
            HashMap::new()
        } else {
            citizens::Entity::find()
                .filter(citizens::Column::TenantId.eq(tenant.as_uuid()))
                .filter(citizens::Column::Id.is_in(ids))
                .all(&tx)
                .await
                .map_err(unexpected)?
                .into_iter()
                .map(|c| (c.id, c.pseudonym))
                .collect()
        };
        tx.commit().await?;
        rows.into_iter()
            .map(|r| {
                Ok(PeerMatch {
                    referral_id: ReferralId::from_uuid(r.id),
                    citizen_pseudonym: pseudonyms.get(&r.citizen_id).cloned().unwrap_or_default(),
                    state: r.state.parse().map_err(|_| corrupt("referral state"))?,
                    assigned_at: r.assigned_at,
                    first_contact_at: r.first_contact_at,
                })
            })
            .collect()
    }

    pub(super) async fn referral_parties_in(
        &self,
        ctx: &RequestContext,
        referral: ReferralId,
    ) -> DomainResult<ReferralParties> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row =
            by_id::<referrals::Entity>(&tx, tenant, referral.as_uuid(), false, "referral").await?;
        tx.commit().await?;
        Ok(ReferralParties {
            citizen_id: CitizenId::from_uuid(row.citizen_id),
            assigned_peer_id: row.assigned_peer_id.map(PeerId::from_uuid),
            state: row.state.parse().map_err(|_| corrupt("referral state"))?,
        })
    }
}

#[async_trait]
impl MeetingStore for SeaUnit {
    async fn add_meeting(&mut self, meeting: &Meeting) -> DomainResult<()> {
        meetings::Entity::insert(meetings::ActiveModel {
            tenant_id: Set(self.tenant.as_uuid()),
            id: Set(meeting.id.as_uuid()),
            referral_id: Set(meeting.referral_id.as_uuid()),
            peer_id: Set(meeting.peer_id.as_uuid()),
            date: Set(meeting.date),
            minutes: Set(to_i32(meeting.minutes)),
            form: Set(meeting.form.as_str().to_owned()),
            logged_by: Set(meeting.logged_by.map(|u| u.as_uuid())),
            logged_at: Set(meeting.logged_at),
        })
        .exec_without_returning(&self.tx)
        .await
        .map_err(unexpected)?;
        Ok(())
    }
}
