//! One-to-one matches: a peer's matches, and who a referral concerns.

use std::collections::HashMap;

use peerbro_domain::ids::{CitizenId, PeerId, ReferralId};
use peerbro_domain::offers::{PeerMatch, ReferralParties};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::{DomainResult, RequestContext};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use uuid::Uuid;

use super::SeaOfferRepository;
use super::rows::corrupt;
use crate::entities::privacy::citizens;
use crate::entities::referral::referrals;
use crate::errors::unexpected;
use crate::repositories::rows::by_id;

impl SeaOfferRepository {
    /// A page of the referrals assigned to `peer`, by id (oldest referral first), with each
    /// citizen's pseudonym: two statements, or three with the total.
    pub(super) async fn matches_of_in(
        &self,
        ctx: &RequestContext,
        peer: PeerId,
        page: &PageRequest,
    ) -> DomainResult<Page<PeerMatch>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let query = referrals::Entity::find()
            .filter(referrals::Column::TenantId.eq(tenant.as_uuid()))
            .filter(referrals::Column::AssignedPeerId.eq(peer.as_uuid()));
        let total = crate::repositories::total_of(&tx, &query, page).await?;
        let rows = crate::repositories::keyset(query, referrals::Column::Id, page)
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
        Page::from_probe(rows, page).with_total(total).try_map(|r| {
            Ok(PeerMatch {
                referral_id: ReferralId::from_uuid(r.id),
                citizen_pseudonym: pseudonyms.get(&r.citizen_id).cloned().unwrap_or_default(),
                state: r.state.parse().map_err(|_| corrupt("referral state"))?,
                assigned_at: r.assigned_at,
                first_contact_at: r.first_contact_at,
            })
        })
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
