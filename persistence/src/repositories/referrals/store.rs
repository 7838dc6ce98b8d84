//! The referral context's stores inside a unit of work: a referral loaded locked and stored
//! as the use case left it, and a peer's one-to-one places counted under the peer's lock.

use async_trait::async_trait;
use peerbro_domain::ids::{CitizenId, PeerId, ReferralId};
use peerbro_domain::people::PeerStatus;
use peerbro_domain::referral::{
    PeerCapacity, PeerPlaces, Referral, ReferralState, ReferralStore, ReferralTransition,
};
use peerbro_domain::{DomainError, DomainResult};
use sea_orm::{
    ActiveModelTrait as _,
    ActiveValue::{Set, Unchanged},
    ColumnTrait as _, EntityTrait as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _,
    QuerySelect as _,
};
use uuid::Uuid;

use super::rows::{corrupt, find_row, load, referral_from};
use crate::entities::peers::peer_workers;
use crate::entities::referral::{referral_transitions, referrals};
use crate::errors::unexpected;
use crate::repositories::rows::by_id;
use crate::sealed_text::{self, MOVE_FEEDBACK, REFERRAL_FEEDBACK};
use crate::unit_of_work::SeaUnit;

#[async_trait]
impl ReferralStore for SeaUnit {
    async fn lock(&mut self, id: ReferralId) -> DomainResult<Referral> {
        let row = find_row(&self.tx, self.tenant, id, true).await?;
        let sealed = row.feedback_sealed.clone();
        load(
            &self.tx,
            self.tenant,
            &self.vault,
            vec![(referral_from(row, Vec::new())?, sealed)],
            true,
        )
        .await?
        .pop()
        .ok_or(DomainError::NotFound {
            resource: "referral",
        })
    }

    async fn open_of_citizen(&mut self, citizen: CitizenId) -> DomainResult<Vec<ReferralId>> {
        let open = ReferralState::ALL
            .iter()
            .filter(|s| !s.is_final())
            .map(|s| s.as_str());
        Ok(referrals::Entity::find()
            .select_only()
            .column(referrals::Column::Id)
            .filter(referrals::Column::TenantId.eq(self.tenant.as_uuid()))
            .filter(referrals::Column::CitizenId.eq(citizen.as_uuid()))
            .filter(referrals::Column::State.is_in(open))
            .order_by_asc(referrals::Column::Id)
            .into_tuple::<Uuid>()
            .all(&self.tx)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(ReferralId::from_uuid)
            .collect())
    }

    async fn save(
        &mut self,
        referral: &Referral,
        moves: &[ReferralTransition],
    ) -> DomainResult<()> {
        let tenant = self.tenant;
        // Feedback is sealed with the citizen's key; an erased citizen's referral keeps none.
        let citizen = referral.citizen_id.as_uuid();
        let key = if moves.iter().any(|t| t.details.feedback.is_some()) {
            self.vault
                .subject_keys(&self.tx, tenant, &[citizen])
                .await?
                .remove(&citizen)
        } else {
            None
        };
        let seal = |at: (&str, &str), row: Uuid, text: Option<&String>| {
            key.as_ref()
                .zip(text)
                .map(|(key, text)| sealed_text::seal(&self.vault, key, tenant, at, row, text))
                .transpose()
        };
        // The row was read (and locked) by `lock`: only the fields a move changes are written,
        // the feedback line only when a move brings a new one.
        let feedback_sealed = if key.is_some() {
            Set(seal(
                REFERRAL_FEEDBACK,
                referral.id.as_uuid(),
                referral.feedback.as_ref(),
            )?)
        } else if moves.iter().any(|t| t.details.feedback.is_some()) {
            Set(None)
        } else {
            sea_orm::ActiveValue::NotSet
        };
        referrals::ActiveModel {
            tenant_id: Unchanged(tenant.as_uuid()),
            id: Unchanged(referral.id.as_uuid()),
            state: Set(referral.state.as_str().to_owned()),
            first_contact_at: Set(referral.first_contact_at),
            assigned_at: Set(referral.assigned_at),
            assigned_peer_id: Set(referral.assigned_peer_id.map(|p| p.as_uuid())),
            outcome: Set(referral.outcome.map(|o| o.as_str().to_owned())),
            decline_reason: Set(referral.decline_reason.map(|d| d.as_str().to_owned())),
            feedback_sealed,
            assigned_offer_id: Set(referral.assigned_offer_id.map(|o| o.as_uuid())),
            updated_at: Set(referral
                .transitions
                .last()
                .map_or(referral.submitted_at, |t| t.at)),
            ..Default::default()
        }
        .update(&self.tx)
        .await
        .map_err(unexpected)?;
        for t in moves {
            let id = Uuid::now_v7();
            referral_transitions::ActiveModel {
                tenant_id: Set(tenant.as_uuid()),
                id: Set(id),
                referral_id: Set(referral.id.as_uuid()),
                from_state: Set(t.from.as_str().to_owned()),
                to_state: Set(t.to.as_str().to_owned()),
                action: Set(t.action.as_str().to_owned()),
                at: Set(t.at),
                actor_id: Set(t.actor.map(|a| a.as_uuid())),
                outcome: Set(t.details.outcome.map(|o| o.as_str().to_owned())),
                decline_reason: Set(t.details.decline_reason.map(|d| d.as_str().to_owned())),
                feedback: Set(None),
                feedback_sealed: Set(seal(MOVE_FEEDBACK, id, t.details.feedback.as_ref())?),
            }
            .insert(&self.tx)
            .await
            .map_err(unexpected)?;
            crate::outbox::referral_moved(&self.tx, tenant, referral, t).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl PeerPlaces for SeaUnit {
    async fn peer_of_user(
        &mut self,
        user: peerbro_domain::ids::UserId,
    ) -> DomainResult<Option<PeerId>> {
        Ok(peer_workers::Entity::find()
            .filter(peer_workers::Column::TenantId.eq(self.tenant.as_uuid()))
            .filter(peer_workers::Column::UserId.eq(user.as_uuid()))
            .one(&self.tx)
            .await
            .map_err(unexpected)?
            .map(|row| PeerId::from_uuid(row.id)))
    }

    async fn lock_capacity(&mut self, peer: PeerId) -> DomainResult<PeerCapacity> {
        let tenant = self.tenant;
        let row =
            by_id::<peer_workers::Entity>(&self.tx, tenant, peer.as_uuid(), true, "peer worker")
                .await?;
        // The domain says which states hold a place; this only counts them.
        let holding = ReferralState::ALL
            .iter()
            .filter(|s| s.holds_peer_place())
            .map(|s| s.as_str());
        let open = referrals::Entity::find()
            .filter(referrals::Column::TenantId.eq(tenant.as_uuid()))
            .filter(referrals::Column::AssignedPeerId.eq(peer.as_uuid()))
            .filter(referrals::Column::State.is_in(holding))
            .count(&self.tx)
            .await
            .map_err(unexpected)?;
        Ok(PeerCapacity {
            peer_id: peer,
            status: row
                .status
                .parse::<PeerStatus>()
                .map_err(|_| corrupt("peer status"))?,
            max_matches: u8::try_from(row.max_matches).map_err(|_| corrupt("capacity"))?,
            open_matches: u32::try_from(open).unwrap_or(u32::MAX),
        })
    }
}
