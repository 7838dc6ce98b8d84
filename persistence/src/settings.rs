//! The per-tenant settings row, shared by the contexts that keep a setting in it.

use peerbro_domain::DomainResult;
use peerbro_domain::ids::TenantId;
use peerbro_domain::people::DEFAULT_SUPERVISION_LIMIT_DAYS;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, EntityTrait as _};

use crate::db::{Database, Tx};
use crate::entities::peers::tenant_settings;
use crate::errors::unexpected;

/// A setting kept in `tenant_settings`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Setting {
    /// Days an active peer may go without supervision.
    SupervisionLimitDays,
    /// Days an assigned referral may wait for first contact.
    ContactLimitDays,
}

/// The tenant's settings row, if it has one.
pub(crate) async fn read(
    db: &Database,
    tenant: TenantId,
) -> DomainResult<Option<tenant_settings::Model>> {
    let tx = db.begin(tenant).await?;
    let row = tenant_settings::Entity::find_by_id(tenant.as_uuid())
        .one(&tx)
        .await
        .map_err(unexpected)?;
    tx.commit().await?;
    Ok(row)
}

/// Sets one setting, creating the row (other settings at their defaults) if needed.
pub(crate) async fn write(
    db: &Database,
    tenant: TenantId,
    setting: Setting,
    value: i32,
) -> DomainResult<()> {
    let tx: Tx = db.begin(tenant).await?;
    let default_supervision = i32::try_from(DEFAULT_SUPERVISION_LIMIT_DAYS).unwrap_or(i32::MAX);
    let (supervision, contact, column) = match setting {
        Setting::SupervisionLimitDays => {
            (value, None, tenant_settings::Column::SupervisionLimitDays)
        }
        Setting::ContactLimitDays => (
            default_supervision,
            Some(value),
            tenant_settings::Column::ContactLimitDays,
        ),
    };
    tenant_settings::Entity::insert(tenant_settings::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        supervision_limit_days: Set(supervision),
        contact_limit_days: Set(contact),
    })
    .on_conflict(
        OnConflict::column(tenant_settings::Column::TenantId)
            .update_column(column)
            .to_owned(),
    )
    .exec_without_returning(&tx)
    .await
    .map_err(unexpected)?;
    tx.commit().await
}
