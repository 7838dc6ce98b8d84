//! The webhook repository value and its rows: endpoints, deliveries and attempts to and from
//! the domain's types.

use std::collections::BTreeSet;

use peerbro_domain::ids::{TenantId, UserId, WebhookDeliveryId, WebhookEndpointId};
use peerbro_domain::webhooks::{DeliveryAttempt, EventType, WebhookDelivery, WebhookEndpoint};
use peerbro_domain::{DomainError, DomainResult};
use uuid::Uuid;

use crate::db::{Database, Tx};
use crate::entities::webhooks::{webhook_attempts, webhook_deliveries, webhook_endpoints};
use crate::repositories::rows::by_id;
use crate::vault::{Vault, field_aad};

/// [`peerbro_domain::webhooks::WebhookRepository`] and
/// [`peerbro_domain::webhooks::DeliveryQueue`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaWebhookRepository {
    pub(super) db: Database,
    pub(super) vault: Vault,
}

pub(super) fn corrupt(what: &str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("stored webhook {what} does not parse"))
}

pub(crate) fn secret_aad(tenant: TenantId, endpoint: Uuid) -> Vec<u8> {
    field_aad(tenant, "webhook_endpoints", "secret", endpoint)
}

pub(super) fn event_types_text(types: &BTreeSet<EventType>) -> String {
    types
        .iter()
        .map(|t| t.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

pub(super) fn endpoint_from(m: webhook_endpoints::Model) -> DomainResult<WebhookEndpoint> {
    let event_types = m
        .event_types
        .split(',')
        .filter(|t| !t.is_empty())
        .map(|t| t.parse().map_err(|_| corrupt("event type")))
        .collect::<DomainResult<_>>()?;
    Ok(WebhookEndpoint {
        id: WebhookEndpointId::from_uuid(m.id),
        url: m.url,
        description: m.description,
        event_types,
        enabled: m.enabled,
        created_by: m.created_by.map(UserId::from_uuid),
        created_at: m.created_at,
        secret_rotated_at: m.secret_rotated_at,
    })
}

pub(super) fn delivery_from(m: webhook_deliveries::Model) -> DomainResult<WebhookDelivery> {
    Ok(WebhookDelivery {
        id: WebhookDeliveryId::from_uuid(m.id),
        endpoint_id: WebhookEndpointId::from_uuid(m.endpoint_id),
        event_type: m.event_type.parse().map_err(|_| corrupt("event type"))?,
        payload: m.payload,
        status: m.status.parse().map_err(|_| corrupt("status"))?,
        attempts: u32::try_from(m.attempts).map_err(|_| corrupt("attempts"))?,
        next_attempt_at: m.next_attempt_at,
        last_status_code: m.last_status_code.and_then(|c| u16::try_from(c).ok()),
        last_error: m.last_error,
        delivered_at: m.delivered_at,
        created_at: m.created_at,
    })
}

pub(super) fn attempt_from(m: webhook_attempts::Model) -> DomainResult<DeliveryAttempt> {
    Ok(DeliveryAttempt {
        delivery_id: WebhookDeliveryId::from_uuid(m.delivery_id),
        number: u32::try_from(m.number).map_err(|_| corrupt("attempt"))?,
        at: m.at,
        status_code: m.status_code.and_then(|c| u16::try_from(c).ok()),
        error: m.error,
        duration_ms: u32::try_from(m.duration_ms).unwrap_or(0),
        finished_at: m.finished_at,
    })
}

pub(super) fn small(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A short text for a column of 200 characters.
pub(super) fn clip(text: Option<String>) -> Option<String> {
    text.map(|t| t.chars().take(200).collect())
}

impl SeaWebhookRepository {
    /// Over `db`, sealing secrets with `vault`.
    #[must_use]
    pub const fn new(db: Database, vault: Vault) -> Self {
        Self { db, vault }
    }

    pub(super) async fn endpoint_row(
        tx: &Tx,
        tenant: TenantId,
        id: WebhookEndpointId,
        lock: bool,
    ) -> DomainResult<webhook_endpoints::Model> {
        by_id::<webhook_endpoints::Entity>(tx, tenant, id.as_uuid(), lock, "webhook endpoint").await
    }

    pub(super) async fn delivery_row(
        tx: &Tx,
        tenant: TenantId,
        id: WebhookDeliveryId,
    ) -> DomainResult<webhook_deliveries::Model> {
        by_id::<webhook_deliveries::Entity>(tx, tenant, id.as_uuid(), true, "webhook delivery")
            .await
    }
}
