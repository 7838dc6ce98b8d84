//! Supervision sessions, the supervision worklist, the tenant's supervision limit and
//! hospital-psychiatry placements.

use std::collections::HashMap;

use chrono::NaiveDate;
use peerbro_domain::ids::{PeerId, SupervisionId, UserId};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::people::{
    DEFAULT_SUPERVISION_LIMIT_DAYS, PeerStatus, PeerWorker, Placement, PlacementCheck,
    PlacementFilter, SupervisionSession,
};
use peerbro_domain::privacy::Purpose;
use peerbro_domain::referral::ReferralState;
use peerbro_domain::{DomainError, DomainResult, Duplicate, RequestContext};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, Condition, EntityTrait as _,
    QueryFilter as _, QueryOrder as _,
};
use uuid::Uuid;

use crate::audit::append_reads;
use crate::entities::organisations;
use crate::entities::peers::{
    peer_workers, placements, supervision_attendees, supervision_sessions,
};
use crate::entities::referral::referrals;
use crate::errors::{map_db, unexpected};
use crate::repositories::keyset;
use crate::repositories::rows::organisation_from;

use super::rows::*;

impl SeaPeerRepository {
    pub(super) async fn needing_supervision_in(
        &self,
        ctx: &RequestContext,
        cutoff: NaiveDate,
        purpose: Purpose,
    ) -> DomainResult<Vec<(PeerWorker, Option<NaiveDate>)>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let active = peer_workers::Entity::find()
            .filter(peer_workers::Column::TenantId.eq(tenant.as_uuid()))
            .filter(peer_workers::Column::Status.eq(PeerStatus::Active.as_str()))
            .order_by_asc(peer_workers::Column::Id)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let ids: Vec<Uuid> = active.iter().map(|p| p.id).collect();
        let last = last_supervised_map(&tx, tenant, Some(&ids)).await?;
        let due: Vec<peer_workers::Model> = active
            .into_iter()
            .filter(|p| last.get(&p.id).is_none_or(|d| *d < cutoff))
            .collect();
        let mut peers: Vec<(PeerWorker, Option<NaiveDate>)> = self
            .load(&tx, tenant, due)
            .await?
            .into_iter()
            .map(|p| {
                let date = last.get(&p.id.as_uuid()).copied();
                (p, date)
            })
            .collect();
        peers.sort_by_key(|(p, d)| (*d, p.id));
        append_reads(
            &tx,
            ctx,
            KIND,
            peers.iter().map(|(p, _)| p.id.as_uuid()),
            purpose,
        )
        .await?;
        tx.commit().await?;
        Ok(peers)
    }

    /// Every active peer with the matches they hold: the peers, then one GROUP BY over the
    /// referrals holding a peer's place.
    pub(super) async fn active_with_load_in(
        &self,
        ctx: &RequestContext,
        purpose: Purpose,
    ) -> DomainResult<Vec<(PeerWorker, u32)>> {
        use sea_orm::QuerySelect as _;
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let active = peer_workers::Entity::find()
            .filter(peer_workers::Column::TenantId.eq(tenant.as_uuid()))
            .filter(peer_workers::Column::Status.eq(PeerStatus::Active.as_str()))
            .order_by_asc(peer_workers::Column::Id)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let holding: Vec<&str> = ReferralState::ALL
            .iter()
            .filter(|s| s.holds_peer_place())
            .map(|s| s.as_str())
            .collect();
        let counts: HashMap<Uuid, i64> = referrals::Entity::find()
            .select_only()
            .column(referrals::Column::AssignedPeerId)
            .column_as(referrals::Column::Id.count(), "n")
            .filter(referrals::Column::TenantId.eq(tenant.as_uuid()))
            .filter(referrals::Column::AssignedPeerId.is_not_null())
            .filter(referrals::Column::State.is_in(holding))
            .group_by(referrals::Column::AssignedPeerId)
            .into_tuple::<(Uuid, i64)>()
            .all(&tx)
            .await
            .map_err(unexpected)?
            .into_iter()
            .collect();
        let peers: Vec<(PeerWorker, u32)> = self
            .load(&tx, tenant, active)
            .await?
            .into_iter()
            .map(|p| {
                let n = counts.get(&p.id.as_uuid()).copied().unwrap_or(0);
                (p, u32::try_from(n).unwrap_or(u32::MAX))
            })
            .collect();
        append_reads(
            &tx,
            ctx,
            KIND,
            peers.iter().map(|(p, _)| p.id.as_uuid()),
            purpose,
        )
        .await?;
        tx.commit().await?;
        Ok(peers)
    }

    pub(super) async fn record_supervision_in(
        &self,
        ctx: &RequestContext,
        session: &SupervisionSession,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let ids: Vec<Uuid> = session.attendees.iter().map(PeerId::as_uuid).collect();
        let found = peer_workers::Entity::find()
            .filter(peer_workers::Column::TenantId.eq(tenant.as_uuid()))
            .filter(peer_workers::Column::Id.is_in(ids.iter().copied()))
            .all(&tx)
            .await
            .map_err(unexpected)?;
        if found.len() != ids.len() {
            return Err(DomainError::NotFound {
                resource: "peer worker",
            });
        }
        supervision_sessions::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(session.id.as_uuid()),
            held_on: Set(session.held_on),
            supervisor_id: Set(session.supervisor.as_uuid()),
            format: Set(session.format.as_str().to_owned()),
            created_at: Set(session.created_at),
        }
        .insert(&tx)
        .await
        .map_err(|e| map_db(e, Duplicate::SupervisionSession))?;
        supervision_attendees::Entity::insert_many(ids.iter().map(|p| {
            supervision_attendees::ActiveModel {
                tenant_id: Set(tenant.as_uuid()),
                session_id: Set(session.id.as_uuid()),
                peer_id: Set(*p),
                held_on: Set(session.held_on),
            }
        }))
        .exec_without_returning(&tx)
        .await
        .map_err(unexpected)?;
        tx.commit().await
    }

    pub(super) async fn supervision_of_in(
        &self,
        ctx: &RequestContext,
        peer: PeerId,
        page: &PageRequest,
    ) -> DomainResult<Page<SupervisionSession>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        find_row(&tx, tenant, peer, false).await?;
        let session_ids: Vec<Uuid> = supervision_attendees::Entity::find()
            .filter(supervision_attendees::Column::TenantId.eq(tenant.as_uuid()))
            .filter(supervision_attendees::Column::PeerId.eq(peer.as_uuid()))
            .all(&tx)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(|a| a.session_id)
            .collect();
        let query = supervision_sessions::Entity::find()
            .filter(supervision_sessions::Column::TenantId.eq(tenant.as_uuid()))
            .filter(supervision_sessions::Column::Id.is_in(session_ids));
        let total = crate::repositories::total_of(&tx, &query, page).await?;
        let rows = keyset(query, supervision_sessions::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let ids: Vec<Uuid> = rows.iter().map(|s| s.id).collect();
        let mut attendees: HashMap<Uuid, Vec<PeerId>> = HashMap::new();
        for a in supervision_attendees::Entity::find()
            .filter(supervision_attendees::Column::TenantId.eq(tenant.as_uuid()))
            .filter(supervision_attendees::Column::SessionId.is_in(ids))
            .all(&tx)
            .await
            .map_err(unexpected)?
        {
            attendees
                .entry(a.session_id)
                .or_default()
                .push(PeerId::from_uuid(a.peer_id));
        }
        tx.commit().await?;
        let sessions = rows
            .into_iter()
            .map(|s| {
                Ok(SupervisionSession {
                    id: SupervisionId::from_uuid(s.id),
                    held_on: s.held_on,
                    supervisor: UserId::from_uuid(s.supervisor_id),
                    format: s
                        .format
                        .parse()
                        .map_err(|_| corrupt("supervision format"))?,
                    attendees: attendees.remove(&s.id).unwrap_or_default(),
                    created_at: s.created_at,
                })
            })
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Page::from_probe(sessions, page).with_total(total))
    }

    pub(super) async fn last_supervised_in(
        &self,
        ctx: &RequestContext,
        peers: &[PeerId],
    ) -> DomainResult<HashMap<PeerId, NaiveDate>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let ids: Vec<Uuid> = peers.iter().map(PeerId::as_uuid).collect();
        let last = last_supervised_map(&tx, tenant, Some(&ids)).await?;
        tx.commit().await?;
        Ok(last
            .into_iter()
            .map(|(k, v)| (PeerId::from_uuid(k), v))
            .collect())
    }

    pub(super) async fn supervision_limit_days_in(
        &self,
        ctx: &RequestContext,
    ) -> DomainResult<u32> {
        crate::settings::read(&self.db, ctx.tenant_id()?)
            .await?
            .map_or(Ok(DEFAULT_SUPERVISION_LIMIT_DAYS), |r| {
                to_u32(r.supervision_limit_days, "limit")
            })
    }

    pub(super) async fn set_supervision_limit_days_in(
        &self,
        ctx: &RequestContext,
        days: u32,
    ) -> DomainResult<()> {
        crate::settings::write(
            &self.db,
            ctx.tenant_id()?,
            crate::settings::Setting::SupervisionLimitDays,
            to_i32(days)?,
        )
        .await
    }

    pub(super) async fn create_placement_in(
        &self,
        ctx: &RequestContext,
        placement: &Placement,
        check: PlacementCheck,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        // Lock the peer: two placements for one peer are decided one after the other.
        let row = find_row(&tx, tenant, placement.peer_id, true).await?;
        let peer = self
            .load(&tx, tenant, vec![row])
            .await?
            .pop()
            .ok_or(DomainError::NotFound {
                resource: "peer worker",
            })?;
        let unit = organisations::Entity::find()
            .filter(organisations::Column::TenantId.eq(tenant.as_uuid()))
            .filter(organisations::Column::Id.eq(placement.unit_id.as_uuid()))
            .one(&tx)
            .await
            .map_err(unexpected)?
            .ok_or(DomainError::NotFound {
                resource: "organisation",
            })?;
        let existing = placements::Entity::find()
            .filter(placements::Column::TenantId.eq(tenant.as_uuid()))
            .filter(placements::Column::PeerId.eq(placement.peer_id.as_uuid()))
            .all(&tx)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(placement_from)
            .collect::<DomainResult<Vec<_>>>()?;
        check(&peer, &existing, &organisation_from(unit)?)?;
        placements::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(placement.id.as_uuid()),
            peer_id: Set(placement.peer_id.as_uuid()),
            unit_id: Set(placement.unit_id.as_uuid()),
            ward: Set(placement.ward.clone()),
            start_on: Set(placement.start),
            end_on: Set(placement.end),
            weekly_hours_tenths: Set(to_i32(placement.weekly_hours_tenths)?),
            ward_contact: Set(placement.ward_contact.clone()),
            supervision_arrangement: Set(placement.supervision_arrangement.clone()),
            created_at: Set(placement.created_at),
        }
        .insert(&tx)
        .await
        .map_err(|e| map_db(e, Duplicate::Placement))?;
        tx.commit().await
    }

    pub(super) async fn placements_in(
        &self,
        ctx: &RequestContext,
        filter: PlacementFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Placement>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let mut query =
            placements::Entity::find().filter(placements::Column::TenantId.eq(tenant.as_uuid()));
        if let Some(unit) = filter.unit_id {
            query = query.filter(placements::Column::UnitId.eq(unit.as_uuid()));
        }
        if let Some(peer) = filter.peer_id {
            query = query.filter(placements::Column::PeerId.eq(peer.as_uuid()));
        }
        if let Some(day) = filter.active_on {
            query = query.filter(placements::Column::StartOn.lte(day)).filter(
                Condition::any()
                    .add(placements::Column::EndOn.is_null())
                    .add(placements::Column::EndOn.gte(day)),
            );
        }
        let total = crate::repositories::total_of(&tx, &query, page).await?;
        let rows = keyset(query, placements::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        let rows = rows
            .into_iter()
            .map(placement_from)
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Page::from_probe(rows, page).with_total(total))
    }
}
