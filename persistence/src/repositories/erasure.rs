//! Erasure, shared by citizens and peer workers: legal holds (read and written in the caller's
//! transaction after the person's row is locked, so that a hold and an erasure are
//! serialised), the shredding itself, and what follows the commit.

use peerbro_domain::ids::{TenantId, UserId};
use peerbro_domain::privacy::{LegalHold, LegalHoldReason};
use peerbro_domain::{Conflict, DomainError, DomainResult};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use uuid::Uuid;

use crate::db::{Database, Tx};
use crate::entities::legal_holds;
use crate::errors::unexpected;
use crate::vault::Vault;

/// The reason of the hold on `subject`, if one is placed.
pub(crate) async fn held(
    tx: &Tx,
    tenant: TenantId,
    subject: Uuid,
) -> DomainResult<Option<LegalHoldReason>> {
    legal_holds::Entity::find()
        .filter(legal_holds::Column::TenantId.eq(tenant.as_uuid()))
        .filter(legal_holds::Column::SubjectId.eq(subject))
        .one(tx)
        .await
        .map_err(unexpected)?
        .map(|row| row.reason.parse())
        .transpose()
}

/// Places (or replaces) the hold on `subject`.
pub(crate) async fn place(
    tx: &Tx,
    tenant: TenantId,
    subject: Uuid,
    kind: &str,
    hold: &LegalHold,
) -> DomainResult<()> {
    legal_holds::Entity::insert(legal_holds::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        subject_id: Set(subject),
        subject_kind: Set(kind.to_owned()),
        reason: Set(hold.reason.as_str().to_owned()),
        placed_at: Set(hold.placed_at),
        placed_by: Set(hold.placed_by.map(|u| u.as_uuid())),
    })
    .on_conflict(
        OnConflict::columns([
            legal_holds::Column::TenantId,
            legal_holds::Column::SubjectId,
        ])
        .update_columns([
            legal_holds::Column::Reason,
            legal_holds::Column::PlacedAt,
            legal_holds::Column::PlacedBy,
        ])
        .to_owned(),
    )
    .exec_without_returning(tx)
    .await
    .map_err(unexpected)?;
    Ok(())
}

/// Releases the hold on `subject`; whether there was one.
pub(crate) async fn release(tx: &Tx, tenant: TenantId, subject: Uuid) -> DomainResult<bool> {
    let done = legal_holds::Entity::delete_many()
        .filter(legal_holds::Column::TenantId.eq(tenant.as_uuid()))
        .filter(legal_holds::Column::SubjectId.eq(subject))
        .exec(tx)
        .await
        .map_err(unexpected)?;
    Ok(done.rows_affected > 0)
}

/// Shreds `subject` in `tx` (its row locked by the caller): refused (`LEGAL_HOLD`) under a
/// hold; otherwise its key is destroyed, so everything sealed with it is unreadable, and the
/// person's own login, if any, is closed. Call [`settle`] after the commit.
///
/// # Errors
/// `Conflict` (`LEGAL_HOLD`); when a statement fails (the erasure then rolls back).
pub(crate) async fn shred(
    vault: &Vault,
    tx: &Tx,
    tenant: TenantId,
    subject: Uuid,
    account: Option<UserId>,
    now: chrono::DateTime<chrono::Utc>,
) -> DomainResult<()> {
    if let Some(reason) = held(tx, tenant, subject).await? {
        return Err(DomainError::Conflict(Conflict::LegalHold {
            reason: reason.as_str(),
        }));
    }
    vault.destroy_subject_key(tx, tenant, subject).await?;
    if let Some(user) = account {
        crate::repositories::tenancy::close_account(tx, tenant, user, now).await?;
    }
    Ok(())
}

/// After an erasure commits: the SQLite files are checkpointed, and this process forgets the
/// closed login at once.
pub(crate) async fn settle(db: &Database, tenant: TenantId, account: Option<UserId>) {
    db.checkpoint().await;
    if let Some(user) = account {
        db.callers.forget(tenant, user);
    }
}
