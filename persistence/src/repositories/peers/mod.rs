//! Peer workers (name and contact sealed with the peer's key, every access audited),
//! supervision, placements and tenant settings.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::NaiveDate;
use peerbro_domain::ids::{PeerId, UserId};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::people::{
    PeerChange, PeerFilter, PeerRepository, PeerWorker, Placement, PlacementCheck, PlacementFilter,
    SupervisionSession,
};
use peerbro_domain::privacy::{AuditAction, Purpose};
use peerbro_domain::{DomainError, DomainResult, Duplicate, RequestContext};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _,
};

use crate::audit::{append, append_reads};
use crate::entities::peers::{peer_employments, peer_workers};
use crate::errors::{map_db, unexpected};
use crate::repositories::erasure;
use crate::repositories::keyset;

mod placement_update;
mod rows;
mod supervision;

pub use self::rows::SeaPeerRepository;
use self::rows::*;

#[async_trait]
impl PeerRepository for SeaPeerRepository {
    #[tracing::instrument(skip_all, fields(peer = %peer.id))]
    async fn create(
        &self,
        ctx: &RequestContext,
        peer: &PeerWorker,
        purpose: Purpose,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let key = self
            .vault
            .create_subject_key(&tx, tenant, peer.id.as_uuid())
            .await?;
        let mut model = peer_workers::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(peer.id.as_uuid()),
            user_id: Set(peer.user_id.map(|u| u.as_uuid())),
            kind: Set(peer.kind.as_str().to_owned()),
            organisation_id: Set(peer.organisation_id.as_uuid()),
            created_at: Set(peer.created_at),
            ..Default::default()
        };
        self.seal_profile(tenant, &key, peer, &mut model)?;
        model
            .insert(&tx)
            .await
            .map_err(|e| map_db(e, Duplicate::PeerUser))?;
        if let Some(e) = &peer.employment {
            peer_employments::ActiveModel {
                tenant_id: Set(tenant.as_uuid()),
                peer_id: Set(peer.id.as_uuid()),
                organisation_id: Set(e.organisation_id.as_uuid()),
                weekly_hours_tenths: Set(to_i32(e.weekly_hours_tenths)?),
                start_on: Set(e.start),
                end_on: Set(e.end),
            }
            .insert(&tx)
            .await
            .map_err(|e| map_db(e, Duplicate::Employment))?;
        }
        self.append_history(&tx, tenant, peer, &key, (0, 0, 0, 0))
            .await?;
        append(
            &tx,
            ctx,
            &[event(AuditAction::Create, peer.id.as_uuid(), purpose)],
        )
        .await?;
        tx.commit().await
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        purpose: Purpose,
    ) -> DomainResult<PeerWorker> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_row(&tx, tenant, id, false).await?;
        let peer = self
            .load(&tx, tenant, vec![row])
            .await?
            .pop()
            .ok_or(DomainError::NotFound {
                resource: "peer worker",
            })?;
        append_reads(&tx, ctx, KIND, [id.as_uuid()], purpose).await?;
        tx.commit().await?;
        Ok(peer)
    }

    async fn peer_id_of_user(
        &self,
        ctx: &RequestContext,
        user: UserId,
    ) -> DomainResult<Option<PeerId>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = peer_workers::Entity::find()
            .filter(peer_workers::Column::TenantId.eq(tenant.as_uuid()))
            .filter(peer_workers::Column::UserId.eq(user.as_uuid()))
            .one(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Ok(row.map(|r| PeerId::from_uuid(r.id)))
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        filter: PeerFilter,
        page: &PageRequest,
        purpose: Purpose,
    ) -> DomainResult<Page<PeerWorker>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let mut query = peer_workers::Entity::find()
            .filter(peer_workers::Column::TenantId.eq(tenant.as_uuid()));
        if let Some(status) = filter.status {
            query = query.filter(peer_workers::Column::Status.eq(status.as_str()));
        }
        if let Some(kind) = filter.kind {
            query = query.filter(peer_workers::Column::Kind.eq(kind.as_str()));
        }
        if !filter.ids.is_empty() {
            query = query
                .filter(peer_workers::Column::Id.is_in(filter.ids.iter().map(PeerId::as_uuid)));
        }
        let total = crate::repositories::total_of(&tx, &query, page).await?;
        let rows = keyset(query, peer_workers::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let page = Page::from_probe(self.load(&tx, tenant, rows).await?, page).with_total(total);
        append_reads(
            &tx,
            ctx,
            KIND,
            page.items.iter().map(|x| x.id.as_uuid()),
            purpose,
        )
        .await?;
        tx.commit().await?;
        Ok(page)
    }

    #[tracing::instrument(skip_all, fields(peer = %id))]
    async fn update(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        change: PeerChange,
        purpose: Purpose,
    ) -> DomainResult<PeerWorker> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_row(&tx, tenant, id, true).await?;
        let mut peer = self
            .load(&tx, tenant, vec![row.clone()])
            .await?
            .pop()
            .ok_or(DomainError::NotFound {
                resource: "peer worker",
            })?;
        let known = (
            peer.screenings.len(),
            peer.certificates.len(),
            peer.trainings.len(),
            peer.transitions.len(),
        );
        change(&mut peer)?;
        let keys = self.vault.subject_keys(&tx, tenant, &[row.id]).await?;
        let key = keys.get(&row.id).ok_or_else(|| corrupt("key"))?;
        let mut model = row.into_active_model();
        self.seal_profile(tenant, key, &peer, &mut model)?;
        model.update(&tx).await.map_err(unexpected)?;
        self.append_history(&tx, tenant, &peer, key, known).await?;
        append(
            &tx,
            ctx,
            &[event(AuditAction::Update, id.as_uuid(), purpose)],
        )
        .await?;
        tx.commit().await?;
        Ok(peer)
    }

    #[tracing::instrument(skip_all, fields(peer = %id))]
    async fn place_hold(
        &self,
        ctx: &RequestContext,
        id: PeerId,
        hold: &peerbro_domain::privacy::LegalHold,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_row(&tx, tenant, id, true).await?;
        if !self
            .vault
            .subject_keys(&tx, tenant, &[row.id])
            .await?
            .contains_key(&row.id)
        {
            return Err(DomainError::Conflict(
                peerbro_domain::Conflict::AlreadyErased,
            ));
        }
        erasure::place(
            &tx,
            tenant,
            row.id,
            peerbro_domain::privacy::SubjectKind::PeerWorker.as_str(),
            hold,
        )
        .await?;
        tx.commit().await
    }

    async fn release_hold(&self, ctx: &RequestContext, id: PeerId) -> DomainResult<bool> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_row(&tx, tenant, id, true).await?;
        let released = erasure::release(&tx, tenant, row.id).await?;
        tx.commit().await?;
        Ok(released)
    }

    async fn erase(&self, ctx: &RequestContext, id: PeerId) -> DomainResult<PeerWorker> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_row(&tx, tenant, id, true).await?;
        let keys = self.vault.subject_keys(&tx, tenant, &[row.id]).await?;
        if !keys.contains_key(&row.id) {
            return Err(DomainError::Conflict(
                peerbro_domain::Conflict::AlreadyErased,
            ));
        }
        let account = row.user_id.map(UserId::from_uuid);
        erasure::shred(
            &self.vault,
            &tx,
            tenant,
            row.id,
            account,
            chrono::Utc::now(),
        )
        .await?;
        append(
            &tx,
            ctx,
            &[event(
                AuditAction::Erase,
                id.as_uuid(),
                Purpose::Administration,
            )],
        )
        .await?;
        let erased =
            self.load(&tx, tenant, vec![row])
                .await?
                .pop()
                .ok_or(DomainError::NotFound {
                    resource: "peer worker",
                })?;
        tx.commit().await?;
        erasure::settle(&self.db, tenant, account).await;
        Ok(erased)
    }

    async fn needing_supervision(
        &self,
        ctx: &RequestContext,
        cutoff: NaiveDate,
        purpose: Purpose,
    ) -> DomainResult<Vec<(PeerWorker, Option<NaiveDate>)>> {
        self.needing_supervision_in(ctx, cutoff, purpose).await
    }

    async fn active_with_load(
        &self,
        ctx: &RequestContext,
        purpose: Purpose,
    ) -> DomainResult<Vec<(PeerWorker, u32)>> {
        self.active_with_load_in(ctx, purpose).await
    }

    async fn record_supervision(
        &self,
        ctx: &RequestContext,
        session: &SupervisionSession,
    ) -> DomainResult<()> {
        self.record_supervision_in(ctx, session).await
    }

    async fn supervision_of(
        &self,
        ctx: &RequestContext,
        peer: PeerId,
        page: &PageRequest,
    ) -> DomainResult<Page<SupervisionSession>> {
        self.supervision_of_in(ctx, peer, page).await
    }

    async fn last_supervised(
        &self,
        ctx: &RequestContext,
        peers: &[PeerId],
    ) -> DomainResult<HashMap<PeerId, NaiveDate>> {
        self.last_supervised_in(ctx, peers).await
    }

    async fn supervision_limit_days(&self, ctx: &RequestContext) -> DomainResult<u32> {
        self.supervision_limit_days_in(ctx).await
    }

    async fn set_supervision_limit_days(
        &self,
        ctx: &RequestContext,
        days: u32,
    ) -> DomainResult<()> {
        self.set_supervision_limit_days_in(ctx, days).await
    }

    #[tracing::instrument(skip_all, fields(placement = %placement.id))]
    async fn create_placement(
        &self,
        ctx: &RequestContext,
        placement: &Placement,
        check: PlacementCheck,
    ) -> DomainResult<()> {
        self.create_placement_in(ctx, placement, check).await
    }

    async fn update_placement(
        &self,
        ctx: &RequestContext,
        id: peerbro_domain::ids::PlacementId,
        edit: peerbro_domain::people::PlacementEdit,
    ) -> DomainResult<Placement> {
        self.update_placement_in(ctx, id, edit).await
    }

    async fn placements(
        &self,
        ctx: &RequestContext,
        filter: PlacementFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Placement>> {
        self.placements_in(ctx, filter, page).await
    }
}
