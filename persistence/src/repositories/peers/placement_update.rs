//! Changing a placement, with its peer locked (as a new placement is decided).

use peerbro_domain::ids::PlacementId;
use peerbro_domain::people::{Placement, PlacementEdit};
use peerbro_domain::{DomainError, DomainResult, RequestContext};
use sea_orm::{ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _};
use sea_orm::{IntoActiveModel as _, QueryFilter as _};

use super::SeaPeerRepository;
use super::rows::{find_row, placement_from, to_i32};
use crate::entities::peers::placements;
use crate::errors::unexpected;
use crate::repositories::rows::by_id;

impl SeaPeerRepository {
    pub(super) async fn update_placement_in(
        &self,
        ctx: &RequestContext,
        id: PlacementId,
        edit: PlacementEdit,
    ) -> DomainResult<Placement> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row =
            by_id::<placements::Entity>(&tx, tenant, id.as_uuid(), false, "placement").await?;
        let mut placement = placement_from(row.clone())?;
        // Lock the peer: changes to one peer's placements are decided one after the other.
        let peer_row = find_row(&tx, tenant, placement.peer_id, true).await?;
        let peer =
            self.load(&tx, tenant, vec![peer_row])
                .await?
                .pop()
                .ok_or(DomainError::NotFound {
                    resource: "peer worker",
                })?;
        let others = placements::Entity::find()
            .filter(placements::Column::TenantId.eq(tenant.as_uuid()))
            .filter(placements::Column::PeerId.eq(placement.peer_id.as_uuid()))
            .filter(placements::Column::Id.ne(id.as_uuid()))
            .all(&tx)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(placement_from)
            .collect::<DomainResult<Vec<_>>>()?;
        edit(&peer, &others, &mut placement)?;
        let mut active = row.into_active_model();
        active.ward = Set(placement.ward.clone());
        active.end_on = Set(placement.end);
        active.weekly_hours_tenths = Set(to_i32(placement.weekly_hours_tenths)?);
        active.ward_contact = Set(placement.ward_contact.clone());
        active.supervision_arrangement = Set(placement.supervision_arrangement.clone());
        active.update(&tx).await.map_err(unexpected)?;
        tx.commit().await?;
        Ok(placement)
    }
}
