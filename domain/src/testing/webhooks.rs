//! The fake webhook repository, a URL guard with a fixed policy, and counted secrets.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::world::World;
use crate::context::RequestContext;
use crate::error::{DomainError, DomainResult};
use crate::ids::{WebhookDeliveryId, WebhookEndpointId};
use crate::page::{Page, PageRequest};
use crate::webhooks::{
    DeliveryAttempt, DeliveryFilter, DeliveryStatus, EndpointChange, SecretSource, UrlGuard,
    WebhookDelivery, WebhookEndpoint, WebhookRepository, WebhookSecret,
};

fn not_found() -> DomainError {
    DomainError::NotFound {
        resource: "webhook endpoint",
    }
}

/// Allows `https://` URLs to public-looking hosts; refuses `http://` and loopback/private
/// hosts by name, as the real guard does after resolving them.
pub(crate) struct OpenGuard;

#[async_trait]
impl UrlGuard for OpenGuard {
    async fn check(&self, url: &str) -> DomainResult<()> {
        let host = url
            .strip_prefix("https://")
            .ok_or_else(|| DomainError::validation("url", "must use https"))?
            .split(['/', ':'])
            .next()
            .unwrap_or_default();
        if host == "localhost" || host.starts_with("127.") || host.starts_with("10.") {
            return Err(DomainError::validation(
                "url",
                "resolves to a private address",
            ));
        }
        Ok(())
    }
}

/// Secrets `secret-1`, `secret-2`, … in the order they are made.
pub(crate) fn counter_secrets() -> SecretSource {
    let n = Arc::new(AtomicU32::new(0));
    Arc::new(move || WebhookSecret::new(format!("secret-{}", n.fetch_add(1, Ordering::SeqCst) + 1)))
}

#[async_trait]
impl WebhookRepository for World {
    async fn create(
        &self,
        ctx: &RequestContext,
        endpoint: &WebhookEndpoint,
        secret: &WebhookSecret,
    ) -> DomainResult<()> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        s.webhooks.insert((t, endpoint.id), endpoint.clone());
        s.webhook_secrets
            .insert((t, endpoint.id), (secret.clone(), None));
        Ok(())
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        page: &PageRequest,
    ) -> DomainResult<Page<WebhookEndpoint>> {
        let t = ctx.tenant_id()?;
        let mut rows: Vec<WebhookEndpoint> = self
            .state()
            .webhooks
            .iter()
            .filter(|((tt, _), _)| *tt == t)
            .map(|(_, e)| e.clone())
            .collect();
        rows.sort_by_key(|e| e.id);
        Ok(Page::from_probe(rows, page))
    }

    async fn by_ids(
        &self,
        ctx: &RequestContext,
        ids: &[WebhookEndpointId],
    ) -> DomainResult<Vec<WebhookEndpoint>> {
        let t = ctx.tenant_id()?;
        let s = self.state();
        Ok(ids
            .iter()
            .filter_map(|id| s.webhooks.get(&(t, *id)).cloned())
            .collect())
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        id: WebhookEndpointId,
    ) -> DomainResult<WebhookEndpoint> {
        let t = ctx.tenant_id()?;
        self.state()
            .webhooks
            .get(&(t, id))
            .cloned()
            .ok_or_else(not_found)
    }

    async fn update(
        &self,
        ctx: &RequestContext,
        id: WebhookEndpointId,
        change: EndpointChange,
    ) -> DomainResult<WebhookEndpoint> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        let stored = s.webhooks.get_mut(&(t, id)).ok_or_else(not_found)?;
        let mut changed = stored.clone();
        change(&mut changed)?;
        *stored = changed.clone();
        Ok(changed)
    }

    async fn rotate_secret(
        &self,
        ctx: &RequestContext,
        id: WebhookEndpointId,
        secret: &WebhookSecret,
        at: DateTime<Utc>,
        previous_until: DateTime<Utc>,
    ) -> DomainResult<WebhookEndpoint> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        let endpoint = s.webhooks.get_mut(&(t, id)).ok_or_else(not_found)?;
        endpoint.secret_rotated_at = Some(at);
        let endpoint = endpoint.clone();
        let slot = s.webhook_secrets.get_mut(&(t, id)).ok_or_else(not_found)?;
        let previous = std::mem::replace(&mut slot.0, secret.clone());
        slot.1 = Some((previous, previous_until));
        Ok(endpoint)
    }

    async fn deliveries(
        &self,
        ctx: &RequestContext,
        filter: &DeliveryFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<WebhookDelivery>> {
        let t = ctx.tenant_id()?;
        let mut rows: Vec<WebhookDelivery> = self
            .state()
            .deliveries
            .iter()
            .filter(|(tt, d)| {
                *tt == t
                    && filter.endpoint_id.is_none_or(|e| e == d.endpoint_id)
                    && filter.status.is_none_or(|s| s == d.status)
            })
            .map(|(_, d)| d.clone())
            .collect();
        rows.sort_by_key(|d| std::cmp::Reverse(d.id));
        Ok(Page::from_probe(rows, page))
    }

    async fn attempts(
        &self,
        ctx: &RequestContext,
        deliveries: &[WebhookDeliveryId],
    ) -> DomainResult<Vec<DeliveryAttempt>> {
        let t = ctx.tenant_id()?;
        Ok(self
            .state()
            .attempts
            .iter()
            .filter(|(tt, a)| *tt == t && deliveries.contains(&a.delivery_id))
            .map(|(_, a)| a.clone())
            .collect())
    }

    async fn redeliver(
        &self,
        ctx: &RequestContext,
        id: WebhookDeliveryId,
        at: DateTime<Utc>,
    ) -> DomainResult<WebhookDelivery> {
        let t = ctx.tenant_id()?;
        let mut s = self.state();
        let (_, d) = s
            .deliveries
            .iter_mut()
            .find(|(tt, d)| *tt == t && d.id == id)
            .ok_or(DomainError::NotFound {
                resource: "webhook delivery",
            })?;
        d.status = DeliveryStatus::Pending;
        d.next_attempt_at = Some(at);
        Ok(d.clone())
    }
}
