//! Consents inside a unit of work: recorded (and audited) in the use case's transaction, so a
//! withdrawal and what it ends (referrals, study consents) are one change.

use std::collections::HashMap;

use async_trait::async_trait;
use peerbro_domain::ids::CitizenId;
use peerbro_domain::people::{ConsentRecord, ConsentStore};
use peerbro_domain::privacy::{AuditAction, Purpose};
use peerbro_domain::{DomainResult, RequestContext};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _,
};
use uuid::Uuid;

use super::sealing::find_row;
use crate::audit::append;
use crate::citizens::{event, insert_consent_rows};
use crate::entities::research::study_consents;
use crate::errors::unexpected;
use crate::unit_of_work::SeaUnit;

#[async_trait]
impl ConsentStore for SeaUnit {
    #[tracing::instrument(skip_all, fields(citizen = %citizen))]
    async fn record(
        &mut self,
        ctx: &RequestContext,
        citizen: CitizenId,
        record: &ConsentRecord,
        purpose: Purpose,
    ) -> DomainResult<()> {
        find_row(&self.tx, self.tenant, citizen, false).await?;
        insert_consent_rows(&self.tx, self.tenant, citizen, std::slice::from_ref(record)).await?;
        append(
            &self.tx,
            ctx,
            &[event(AuditAction::Consent, citizen.as_uuid(), purpose)],
        )
        .await
    }

    async fn withdraw_study_consents(
        &mut self,
        citizen: CitizenId,
        record: &ConsentRecord,
    ) -> DomainResult<u32> {
        let t = self.tenant.as_uuid();
        // Each study's latest record for the citizen (ids are time-ordered).
        let mut latest: HashMap<Uuid, study_consents::Model> = HashMap::new();
        for row in study_consents::Entity::find()
            .filter(study_consents::Column::TenantId.eq(t))
            .filter(study_consents::Column::CitizenId.eq(citizen.as_uuid()))
            .order_by_asc(study_consents::Column::Id)
            .all(&self.tx)
            .await
            .map_err(unexpected)?
        {
            latest.insert(row.study_id, row);
        }
        let mut withdrawn = 0;
        for row in latest.into_values().filter(|r| r.given) {
            study_consents::ActiveModel {
                tenant_id: Set(t),
                id: Set(Uuid::now_v7()),
                study_id: Set(row.study_id),
                citizen_id: Set(row.citizen_id),
                given: Set(false),
                information_sheet_version: Set(row.information_sheet_version),
                at: Set(record.at),
                recorded_by: Set(record.recorded_by.map(|u| u.as_uuid())),
            }
            .insert(&self.tx)
            .await
            .map_err(unexpected)?;
            withdrawn += 1;
        }
        Ok(withdrawn)
    }
}
