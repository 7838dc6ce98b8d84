//! The fake delivery queue (an outbox and deliveries per tenant), the tenant registry, a
//! sender that answers as scripted and a publisher that records.

use std::collections::VecDeque;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::world::World;
use crate::context::RequestContext;
use crate::error::{DomainError, DomainResult};
use crate::ids::{TenantId, WebhookDeliveryId};
use crate::tenancy::{Tenant, TenantRepository, TenantSlug};
use crate::webhooks::{
    AttemptResult, DeliveryQueue, DeliveryStatus, DueDelivery, EventPublisher, OutboxEvent,
    OutgoingWebhook, SendOutcome, WebhookDelivery, WebhookSender,
};

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[async_trait]
impl TenantRepository for World {
    async fn create(&self, tenant: &Tenant) -> DomainResult<()> {
        self.state().tenants.push(tenant.clone());
        Ok(())
    }
    async fn current(&self, ctx: &RequestContext) -> DomainResult<Tenant> {
        let id = ctx.tenant_id()?;
        self.state()
            .tenants
            .iter()
            .find(|t| t.id == id)
            .cloned()
            .ok_or(DomainError::NotFound { resource: "tenant" })
    }
    async fn all(&self) -> DomainResult<Vec<Tenant>> {
        Ok(self.state().tenants.clone())
    }
    async fn find_by_slug(&self, slug: &TenantSlug) -> DomainResult<Option<Tenant>> {
        Ok(self
            .state()
            .tenants
            .iter()
            .find(|t| &t.slug == slug)
            .cloned())
    }
}

#[async_trait]
impl DeliveryQueue for World {
    async fn fan_out(
        &self,
        tenant: TenantId,
        limit: u32,
        now: DateTime<Utc>,
    ) -> DomainResult<Vec<OutboxEvent>> {
        let mut s = self.state();
        if s.broken_queues.contains(&tenant) {
            return Err(DomainError::Unavailable("the tenant's queue is down"));
        }
        let take: Vec<usize> = s
            .outbox_events
            .iter()
            .enumerate()
            .filter(|(_, (e, dispatched))| e.tenant_id == tenant && !dispatched)
            .map(|(i, _)| i)
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect();
        let mut events = Vec::new();
        for i in take {
            s.outbox_events[i].1 = true;
            let event = s.outbox_events[i].0.clone();
            let endpoints: Vec<_> = s
                .webhooks
                .iter()
                .filter(|((t, _), e)| {
                    *t == tenant && e.enabled && e.event_types.contains(&event.event_type)
                })
                .map(|(_, e)| e.id)
                .collect();
            for endpoint in endpoints {
                s.deliveries.push((
                    tenant,
                    WebhookDelivery {
                        id: WebhookDeliveryId::new(),
                        endpoint_id: endpoint,
                        event_type: event.event_type,
                        payload: event.data.to_string(),
                        status: DeliveryStatus::Pending,
                        attempts: 0,
                        next_attempt_at: Some(now),
                        last_status_code: None,
                        last_error: None,
                        delivered_at: None,
                        created_at: now,
                    },
                ));
            }
            events.push(event);
        }
        Ok(events)
    }

    async fn claim_due(
        &self,
        tenant: TenantId,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> DomainResult<Vec<DueDelivery>> {
        let mut s = self.state();
        let mut due = Vec::new();
        let endpoints = s.webhooks.clone();
        let secrets = s.webhook_secrets.clone();
        for (t, d) in &mut s.deliveries {
            if due.len() >= usize::try_from(limit).unwrap_or(usize::MAX) {
                break;
            }
            let Some(endpoint) = endpoints.get(&(*t, d.endpoint_id)) else {
                continue;
            };
            if *t != tenant
                || !endpoint.enabled
                || d.status != DeliveryStatus::Pending
                || d.next_attempt_at.is_some_and(|at| at > now)
            {
                continue;
            }
            d.next_attempt_at = Some(now + lease);
            let (current, _) =
                secrets
                    .get(&(*t, d.endpoint_id))
                    .cloned()
                    .ok_or(DomainError::NotFound {
                        resource: "webhook endpoint",
                    })?;
            due.push(DueDelivery {
                delivery: d.clone(),
                url: endpoint.url.clone(),
                secrets: vec![current],
            });
        }
        Ok(due)
    }

    async fn prune(&self, tenant: TenantId, before: DateTime<Utc>) -> DomainResult<(u64, u64)> {
        let mut s = self.state();
        s.prunes.push((tenant, before));
        let kept = s.deliveries.len();
        s.deliveries.retain(|(t, d)| {
            *t != tenant || d.status == DeliveryStatus::Pending || d.created_at >= before
        });
        Ok((0, u64::try_from(kept - s.deliveries.len()).unwrap_or(0)))
    }

    async fn record(&self, tenant: TenantId, result: &AttemptResult) -> DomainResult<()> {
        let mut s = self.state();
        let (_, d) = s
            .deliveries
            .iter_mut()
            .find(|(t, d)| *t == tenant && d.id == result.attempt.delivery_id)
            .ok_or(DomainError::NotFound {
                resource: "webhook delivery",
            })?;
        d.status = result.status;
        d.attempts = result.attempt.number;
        d.next_attempt_at = result.next_attempt_at;
        d.last_status_code = result.attempt.status_code;
        if result.status == DeliveryStatus::Delivered {
            d.delivered_at = result.attempt.finished_at;
        }
        s.attempts.push((tenant, result.attempt.clone()));
        Ok(())
    }
}

/// Answers each send with the next scripted status (then 204), recording what was sent.
#[derive(Default)]
pub(crate) struct ScriptedSender {
    pub answers: Mutex<VecDeque<u16>>,
    pub sent: Mutex<Vec<OutgoingWebhook>>,
}

impl ScriptedSender {
    pub(crate) fn answering(statuses: &[u16]) -> Self {
        Self {
            answers: Mutex::new(statuses.iter().copied().collect()),
            sent: Mutex::default(),
        }
    }

    pub(crate) fn sent(&self) -> Vec<OutgoingWebhook> {
        lock(&self.sent).clone()
    }
}

#[async_trait]
impl WebhookSender for ScriptedSender {
    async fn send(&self, message: &OutgoingWebhook) -> SendOutcome {
        lock(&self.sent).push(message.clone());
        let status = lock(&self.answers).pop_front().unwrap_or(204);
        SendOutcome {
            status_code: Some(status),
            error: None,
            duration_ms: 1,
        }
    }
}

/// Records what it publishes.
#[derive(Default)]
pub(crate) struct RecordingPublisher {
    pub events: Mutex<Vec<OutboxEvent>>,
}

impl EventPublisher for RecordingPublisher {
    fn publish(&self, event: &OutboxEvent) {
        lock(&self.events).push(event.clone());
    }
}
