//! Writing events to the transactional outbox, inside the transaction of the change they
//! announce: if the change commits, so does its event; if it rolls back, no event exists.
//! Payloads carry ids, states and times only, never personal data.

use chrono::{DateTime, Utc};
use peerbro_domain::DomainResult;
use peerbro_domain::ids::TenantId;
use peerbro_domain::referral::{Referral, ReferralTransition};
use peerbro_domain::webhooks::WorkHints;
use sea_orm::{ActiveValue::Set, EntityTrait as _};
use serde_json::json;
use uuid::Uuid;

use crate::db::{Database, Tx};
use crate::entities::outbox;
use crate::errors::unexpected;

/// `referral.submitted`.
pub(crate) const REFERRAL_SUBMITTED: &str = "referral.submitted";
/// `referral.status_changed`.
pub(crate) const REFERRAL_STATUS_CHANGED: &str = "referral.status_changed";

async fn write(
    tx: &Tx,
    tenant: TenantId,
    event_type: &str,
    payload: serde_json::Value,
    at: DateTime<Utc>,
) -> DomainResult<()> {
    outbox::Entity::insert(outbox::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        id: Set(Uuid::now_v7()),
        event_type: Set(event_type.to_owned()),
        payload: Set(payload.to_string()),
        created_at: Set(at),
        dispatched_at: Set(None),
    })
    .exec_without_returning(tx)
    .await
    .map_err(unexpected)?;
    tx.note_outbox(tenant);
    Ok(())
}

/// Announces a new referral.
pub(crate) async fn referral_submitted(
    tx: &Tx,
    tenant: TenantId,
    referral: &Referral,
) -> DomainResult<()> {
    let payload = json!({
        "referralId": referral.id,
        "organisationId": referral.referrer_organisation_id,
        "state": referral.state.as_str(),
        "fhirTaskStatus": referral.state.fhir_task_status(),
        "at": peerbro_domain::clock::wire_instant(referral.submitted_at),
    });
    write(
        tx,
        tenant,
        REFERRAL_SUBMITTED,
        payload,
        referral.submitted_at,
    )
    .await
}

/// Announces a move of a referral.
pub(crate) async fn referral_moved(
    tx: &Tx,
    tenant: TenantId,
    referral: &Referral,
    moved: &ReferralTransition,
) -> DomainResult<()> {
    let payload = json!({
        "referralId": referral.id,
        "organisationId": referral.referrer_organisation_id,
        "previousState": moved.from.as_str(),
        "state": moved.to.as_str(),
        "action": moved.action.as_str(),
        "fhirTaskStatus": moved.to.fhir_task_status(),
        "at": peerbro_domain::clock::wire_instant(moved.at),
    });
    write(tx, tenant, REFERRAL_STATUS_CHANGED, payload, moved.at).await
}

/// The webhook worker's hints: the tenants this process wrote outbox events for since it last
/// asked ([`WorkHints`]).
#[derive(Clone, Debug)]
pub struct OutboxHints {
    db: Database,
}

impl OutboxHints {
    /// Over `db`.
    #[must_use]
    pub const fn new(db: Database) -> Self {
        Self { db }
    }
}

impl WorkHints for OutboxHints {
    fn take(&self) -> Vec<TenantId> {
        self.db.take_outbox_noted().into_iter().collect()
    }
}
