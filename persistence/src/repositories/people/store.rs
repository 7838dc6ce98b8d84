//! Consents inside a unit of work: recorded (and audited) in the use case's transaction, so a
//! withdrawal and the referrals it ends are one change.

use async_trait::async_trait;
use peerbro_domain::ids::CitizenId;
use peerbro_domain::people::{ConsentRecord, ConsentStore};
use peerbro_domain::privacy::{AuditAction, Purpose};
use peerbro_domain::{DomainResult, RequestContext};
use sea_orm::ActiveModelTrait as _;

use super::sealing::find_row;
use crate::audit::append;
use crate::citizens::{consent_model, event};
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
        consent_model(self.tenant, citizen, record)
            .insert(&self.tx)
            .await
            .map_err(unexpected)?;
        append(
            &self.tx,
            ctx,
            &[event(AuditAction::Consent, citizen.as_uuid(), purpose)],
        )
        .await
    }
}
