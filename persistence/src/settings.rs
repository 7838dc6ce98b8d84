//! The per-tenant settings row, shared by the contexts that keep a setting in it.

use std::time::{Duration, Instant};

use peerbro_domain::ids::TenantId;
use peerbro_domain::outcomes::OutcomeSettings;
use peerbro_domain::people::DEFAULT_SUPERVISION_LIMIT_DAYS;
use peerbro_domain::privacy::retention::RetentionPolicy;
use peerbro_domain::{DomainError, DomainResult};
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

/// How long a process keeps a tenant's settings row before reading it again. A change made
/// through this process is seen at once; one made through another process within this time.
/// The settings are thresholds for flags on worklists (contact and supervision overdue), never
/// access rules, so a few seconds' lag is harmless.
pub(crate) const KEPT_FOR: Duration = Duration::from_secs(10);

/// Most tenants' rows kept; past it the memo starts afresh.
const MAX_KEPT: usize = 4_096;

fn memo(db: &Database) -> std::sync::MutexGuard<'_, crate::db::SettingsMemo> {
    db.settings_memo
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The tenant's settings row, if it has one: kept in memory for [`KEPT_FOR`].
pub(crate) async fn read(
    db: &Database,
    tenant: TenantId,
) -> DomainResult<Option<tenant_settings::Model>> {
    if let Some((at, row)) = memo(db).get(&tenant)
        && at.elapsed() < KEPT_FOR
    {
        return Ok(row.clone());
    }
    let tx = db.begin(tenant).await?;
    let row = tenant_settings::Entity::find_by_id(tenant.as_uuid())
        .one(&tx)
        .await
        .map_err(unexpected)?;
    tx.commit().await?;
    let mut kept = memo(db);
    if kept.len() >= MAX_KEPT {
        kept.clear();
    }
    kept.insert(tenant, (Instant::now(), row.clone()));
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
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(tenant_settings::Column::TenantId)
            .update_column(column)
            .to_owned(),
    )
    .exec_without_returning(&tx)
    .await
    .map_err(unexpected)?;
    tx.commit().await?;
    memo(db).remove(&tenant);
    Ok(())
}

/// Sets the outcome settings, creating the row (other settings at their defaults) if needed.
pub(crate) async fn write_outcomes(
    db: &Database,
    tenant: TenantId,
    s: &OutcomeSettings,
    int: impl Fn(u32) -> DomainResult<i32>,
) -> DomainResult<()> {
    let tx: Tx = db.begin(tenant).await?;
    let default_supervision = i32::try_from(DEFAULT_SUPERVISION_LIMIT_DAYS).unwrap_or(i32::MAX);
    tenant_settings::Entity::insert(tenant_settings::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        supervision_limit_days: Set(default_supervision),
        contact_limit_days: Set(None),
        follow_up_days: Set(Some(int(s.follow_up_days)?)),
        disclosure_threshold: Set(Some(int(s.disclosure_threshold)?)),
        citizen_instrument_key: Set(Some(s.citizen_instrument_key.clone())),
        national_reporting: Set(s.national_reporting),
        peer_round_days: Set(Some(int(s.peer_round_days)?)),
        peer_instrument_key: Set(Some(s.peer_instrument_key.clone())),
        closed_referral_days: Set(None),
        inactive_citizen_days: Set(None),
        attendance_days: Set(None),
        answers_days: Set(None),
        audit_days: Set(None),
        chat_days: Set(None),
    })
    .on_conflict(
        OnConflict::column(tenant_settings::Column::TenantId)
            .update_columns([
                tenant_settings::Column::FollowUpDays,
                tenant_settings::Column::DisclosureThreshold,
                tenant_settings::Column::CitizenInstrumentKey,
                tenant_settings::Column::NationalReporting,
                tenant_settings::Column::PeerRoundDays,
                tenant_settings::Column::PeerInstrumentKey,
            ])
            .to_owned(),
    )
    .exec_without_returning(&tx)
    .await
    .map_err(unexpected)?;
    tx.commit().await?;
    memo(db).remove(&tenant);
    Ok(())
}

/// Sets the retention, creating the row (other settings at their defaults) if needed.
pub(crate) async fn write_retention(
    db: &Database,
    tenant: TenantId,
    policy: &RetentionPolicy,
) -> DomainResult<()> {
    let int =
        |d: u32| i32::try_from(d).map_err(|_| DomainError::validation("days", "is too large"));
    let tx: Tx = db.begin(tenant).await?;
    let default_supervision = i32::try_from(DEFAULT_SUPERVISION_LIMIT_DAYS).unwrap_or(i32::MAX);
    tenant_settings::Entity::insert(tenant_settings::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        supervision_limit_days: Set(default_supervision),
        closed_referral_days: Set(Some(int(policy.closed_referral_days)?)),
        inactive_citizen_days: Set(Some(int(policy.inactive_citizen_days)?)),
        attendance_days: Set(Some(int(policy.attendance_days)?)),
        answers_days: Set(Some(int(policy.answers_days)?)),
        audit_days: Set(Some(int(policy.audit_days)?)),
        chat_days: Set(Some(int(policy.chat_days)?)),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(tenant_settings::Column::TenantId)
            .update_columns([
                tenant_settings::Column::ClosedReferralDays,
                tenant_settings::Column::InactiveCitizenDays,
                tenant_settings::Column::AttendanceDays,
                tenant_settings::Column::AnswersDays,
                tenant_settings::Column::AuditDays,
                tenant_settings::Column::ChatDays,
            ])
            .to_owned(),
    )
    .exec_without_returning(&tx)
    .await
    .map_err(unexpected)?;
    tx.commit().await?;
    memo(db).remove(&tenant);
    Ok(())
}
