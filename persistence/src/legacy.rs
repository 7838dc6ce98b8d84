//! Start-up steps that finish what a migration cannot do without keys.
//!
//! Migration 25 added sealed columns for the free text about a person that had been stored in
//! clear (a referral's feedback, the reason for a peer's change of status), migration 31 for
//! users' e-mail addresses and display names. [`seal_clear_text`] seals every value still in a
//! clear column (free text with its subject's key, logins with the tenant's key) and empties
//! the clear column, tenant by tenant, each in one transaction. It runs after the migrations, so a
//! database is never served with such text in clear; run again, it finds nothing to do.

use std::collections::HashMap;

use peerbro_domain::ids::TenantId;
use sea_orm::{
    ActiveModelTrait as _,
    ActiveValue::{Set, Unchanged},
    ColumnTrait as _, EntityTrait as _, QueryFilter as _,
};
use uuid::Uuid;

use crate::db::{Database, Tx};
use crate::entities::peers::peer_transitions;
use crate::entities::referral::{referral_transitions, referrals};
use crate::entities::tenants;
use crate::errors::unexpected;
use crate::sealed_text::{self, MOVE_FEEDBACK, PEER_MOVE_REASON, REFERRAL_FEEDBACK};
use crate::vault::Vault;

/// Seals the clear free text left from before migration 25 and the clear logins left from
/// before migration 31; returns how many values (a login counts once) it sealed (values whose subject was erased are emptied, not sealed, and not counted).
///
/// # Errors
/// When the database cannot be read or written.
pub async fn seal_clear_text(db: &Database, vault: &Vault) -> anyhow::Result<u64> {
    let tx = db.begin_unscoped().await?;
    let tenants: Vec<Uuid> = tenants::Entity::find()
        .all(&tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .map(|t| t.id)
        .collect();
    tx.commit().await?;
    let mut sealed = 0;
    for tenant in tenants {
        let tenant = TenantId::from_uuid(tenant);
        let tx = db.begin_write(tenant).await?;
        sealed += referral_feedback(&tx, vault, tenant).await?;
        sealed += peer_reasons(&tx, vault, tenant).await?;
        sealed +=
            crate::repositories::tenancy::logins::sealing::seal_clear(vault, &tx, tenant).await?;
        tx.commit().await?;
    }
    Ok(sealed)
}

/// The keys of `subjects`.
async fn keys(
    tx: &Tx,
    vault: &Vault,
    tenant: TenantId,
    mut subjects: Vec<Uuid>,
) -> anyhow::Result<HashMap<Uuid, peerbro_domain::privacy::SecretKey>> {
    subjects.sort_unstable();
    subjects.dedup();
    Ok(vault.subject_keys(tx, tenant, &subjects).await?)
}

async fn referral_feedback(tx: &Tx, vault: &Vault, tenant: TenantId) -> anyhow::Result<u64> {
    let t = tenant.as_uuid();
    let heads = referrals::Entity::find()
        .filter(referrals::Column::TenantId.eq(t))
        .filter(referrals::Column::Feedback.is_not_null())
        .all(tx)
        .await
        .map_err(unexpected)?;
    let moves = referral_transitions::Entity::find()
        .filter(referral_transitions::Column::TenantId.eq(t))
        .filter(referral_transitions::Column::Feedback.is_not_null())
        .all(tx)
        .await
        .map_err(unexpected)?;
    if heads.is_empty() && moves.is_empty() {
        return Ok(0);
    }
    // Each move's citizen, through its referral.
    let citizens: HashMap<Uuid, Uuid> = referrals::Entity::find()
        .filter(referrals::Column::TenantId.eq(t))
        .filter(referrals::Column::Id.is_in(moves.iter().map(|m| m.referral_id)))
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .chain(heads.iter().cloned())
        .map(|r| (r.id, r.citizen_id))
        .collect();
    let keys = keys(tx, vault, tenant, citizens.values().copied().collect()).await?;
    let mut sealed = 0;
    for head in heads {
        let key = keys.get(&head.citizen_id);
        let text = head.feedback.unwrap_or_default();
        let value = key
            .map(|k| sealed_text::seal(vault, k, tenant, REFERRAL_FEEDBACK, head.id, &text))
            .transpose()?;
        sealed += u64::from(value.is_some());
        referrals::ActiveModel {
            tenant_id: Unchanged(t),
            id: Unchanged(head.id),
            feedback: Set(None),
            feedback_sealed: Set(value),
            ..Default::default()
        }
        .update(tx)
        .await
        .map_err(unexpected)?;
    }
    for m in moves {
        let key = citizens.get(&m.referral_id).and_then(|c| keys.get(c));
        let text = m.feedback.unwrap_or_default();
        let value = key
            .map(|k| sealed_text::seal(vault, k, tenant, MOVE_FEEDBACK, m.id, &text))
            .transpose()?;
        sealed += u64::from(value.is_some());
        referral_transitions::ActiveModel {
            tenant_id: Unchanged(t),
            id: Unchanged(m.id),
            feedback: Set(None),
            feedback_sealed: Set(value),
            ..Default::default()
        }
        .update(tx)
        .await
        .map_err(unexpected)?;
    }
    Ok(sealed)
}

async fn peer_reasons(tx: &Tx, vault: &Vault, tenant: TenantId) -> anyhow::Result<u64> {
    let t = tenant.as_uuid();
    let moves = peer_transitions::Entity::find()
        .filter(peer_transitions::Column::TenantId.eq(t))
        .filter(peer_transitions::Column::Reason.is_not_null())
        .all(tx)
        .await
        .map_err(unexpected)?;
    if moves.is_empty() {
        return Ok(0);
    }
    let keys = keys(tx, vault, tenant, moves.iter().map(|m| m.peer_id).collect()).await?;
    let mut sealed = 0;
    for m in moves {
        let text = m.reason.unwrap_or_default();
        let value = keys
            .get(&m.peer_id)
            .map(|k| sealed_text::seal(vault, k, tenant, PEER_MOVE_REASON, m.id, &text))
            .transpose()?;
        sealed += u64::from(value.is_some());
        peer_transitions::ActiveModel {
            tenant_id: Unchanged(t),
            id: Unchanged(m.id),
            reason: Set(None),
            reason_sealed: Set(value),
            ..Default::default()
        }
        .update(tx)
        .await
        .map_err(unexpected)?;
    }
    Ok(sealed)
}
