//! Webhook use cases: tenant admins register endpoints and read the delivery log; the
//! dispatcher (run by the server's background worker) fans outbox events out to endpoints and
//! delivers them.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use futures_util::StreamExt as _;

use crate::authz::{TenancyAction, authorize, require_actor};
use crate::clock::Clock;
use crate::context::RequestContext;
use crate::error::DomainResult;
use crate::ids::{WebhookDeliveryId, WebhookEndpointId};
use crate::page::{Page, PageRequest};
use crate::tenancy::TenantRepository;
use crate::webhooks::model::{
    AttemptResult, DeliveryAttempt, EventType, PREVIOUS_SECRET_GRACE_HOURS, RetryPolicy,
    WebhookDelivery, WebhookEndpoint, WebhookSecret, validate_endpoint_fields, validate_url_length,
};
use crate::webhooks::ports::{
    DeliveryFilter, DeliveryQueue, DueDelivery, EventPublisher, OutgoingWebhook, SecretSource,
    UrlGuard, WebhookRepository, WebhookSender,
};

/// An endpoint as an admin registers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEndpoint {
    /// Where to POST.
    pub url: String,
    /// A note for the admins.
    pub description: Option<String>,
    /// What it receives.
    pub event_types: BTreeSet<EventType>,
}

/// Changes to an endpoint; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointUpdate {
    /// A new URL (checked like a new one).
    pub url: Option<String>,
    /// A new description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// New event types.
    pub event_types: Option<BTreeSet<EventType>>,
    /// Enable or disable.
    pub enabled: Option<bool>,
}

fn normalise(description: Option<String>) -> Option<String> {
    description
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
}

/// The admin use cases.
#[derive(Clone)]
pub struct WebhookService {
    repo: Arc<dyn WebhookRepository>,
    guard: Arc<dyn UrlGuard>,
    secrets: SecretSource,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for WebhookService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookService").finish_non_exhaustive()
    }
}

impl WebhookService {
    /// Wires the service.
    #[must_use]
    pub fn new(
        repo: Arc<dyn WebhookRepository>,
        guard: Arc<dyn UrlGuard>,
        secrets: SecretSource,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            repo,
            guard,
            secrets,
            clock,
        }
    }

    /// Registers an endpoint; the secret is returned this once.
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin; `Validation` for a bad or refused URL, a long
    /// description or no event types.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn create(
        &self,
        ctx: &RequestContext,
        new: NewEndpoint,
    ) -> DomainResult<(WebhookEndpoint, WebhookSecret)> {
        authorize(ctx, TenancyAction::ManageWebhooks)?;
        let url = new.url.trim().to_owned();
        let description = normalise(new.description);
        validate_endpoint_fields(&url, description.as_deref(), &new.event_types)?;
        self.guard.check(&url).await?;
        let endpoint = WebhookEndpoint {
            id: WebhookEndpointId::new(),
            url,
            description,
            event_types: new.event_types,
            enabled: true,
            created_by: ctx.actor().map(crate::context::Actor::user_id),
            created_at: self.clock.now(),
            secret_rotated_at: None,
        };
        let secret = (self.secrets)();
        self.repo.create(ctx, &endpoint, &secret).await?;
        Ok((endpoint, secret))
    }

    /// A page of the tenant's endpoints.
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin.
    pub async fn list(
        &self,
        ctx: &RequestContext,
        page: &PageRequest,
    ) -> DomainResult<Page<WebhookEndpoint>> {
        authorize(ctx, TenancyAction::ManageWebhooks)?;
        self.repo.list(ctx, page).await
    }

    /// One endpoint.
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin; `NotFound`.
    pub async fn get(
        &self,
        ctx: &RequestContext,
        id: WebhookEndpointId,
    ) -> DomainResult<WebhookEndpoint> {
        authorize(ctx, TenancyAction::ManageWebhooks)?;
        self.repo.get(ctx, id).await
    }

    /// Changes an endpoint.
    ///
    /// # Errors
    /// As for [`Self::create`]; `NotFound`.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn update(
        &self,
        ctx: &RequestContext,
        id: WebhookEndpointId,
        update: EndpointUpdate,
    ) -> DomainResult<WebhookEndpoint> {
        authorize(ctx, TenancyAction::ManageWebhooks)?;
        let url = update.url.map(|u| u.trim().to_owned());
        if let Some(url) = &url {
            // Checked before the lock: a DNS look-up must not hold a row lock.
            validate_url_length(url)?;
            self.guard.check(url).await?;
        }
        let EndpointUpdate {
            description,
            event_types,
            enabled,
            ..
        } = update;
        self.repo
            .update(
                ctx,
                id,
                Box::new(move |endpoint| {
                    if let Some(url) = url {
                        endpoint.url = url;
                    }
                    if let Some(description) = description {
                        endpoint.description = normalise(description);
                    }
                    if let Some(types) = event_types {
                        endpoint.event_types = types;
                    }
                    if let Some(enabled) = enabled {
                        endpoint.enabled = enabled;
                    }
                    validate_endpoint_fields(
                        &endpoint.url,
                        endpoint.description.as_deref(),
                        &endpoint.event_types,
                    )
                }),
            )
            .await
    }

    /// Replaces an endpoint's secret, returned this once; the old one keeps signing beside it
    /// for [`PREVIOUS_SECRET_GRACE_HOURS`].
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin; `NotFound`.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn rotate_secret(
        &self,
        ctx: &RequestContext,
        id: WebhookEndpointId,
    ) -> DomainResult<(WebhookEndpoint, WebhookSecret)> {
        authorize(ctx, TenancyAction::ManageWebhooks)?;
        let secret = (self.secrets)();
        let now = self.clock.now();
        let endpoint = self
            .repo
            .rotate_secret(
                ctx,
                id,
                &secret,
                now,
                now + Duration::hours(PREVIOUS_SECRET_GRACE_HOURS),
            )
            .await?;
        Ok((endpoint, secret))
    }

    /// A page of the delivery log, newest first.
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin.
    pub async fn deliveries(
        &self,
        ctx: &RequestContext,
        filter: &DeliveryFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<WebhookDelivery>> {
        authorize(ctx, TenancyAction::ManageWebhooks)?;
        self.repo.deliveries(ctx, filter, page).await
    }

    /// The attempts of several deliveries (for a batched loader).
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin.
    pub async fn attempts(
        &self,
        ctx: &RequestContext,
        deliveries: &[WebhookDeliveryId],
    ) -> DomainResult<Vec<DeliveryAttempt>> {
        authorize(ctx, TenancyAction::ManageWebhooks)?;
        self.repo.attempts(ctx, deliveries).await
    }

    /// Sends a delivery again, now, under its original `webhook-id`.
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin; `NotFound`.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn redeliver(
        &self,
        ctx: &RequestContext,
        id: WebhookDeliveryId,
    ) -> DomainResult<WebhookDelivery> {
        authorize(ctx, TenancyAction::ManageWebhooks)?;
        require_actor(ctx)?;
        self.repo.redeliver(ctx, id, self.clock.now()).await
    }
}

/// How the dispatcher works through the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DispatchSettings {
    /// When to retry.
    pub retry: RetryPolicy,
    /// How long a claimed delivery is held before another attempt may take it (longer than the
    /// HTTP timeout).
    pub lease: Duration,
    /// Events and deliveries taken per tenant and round.
    pub batch: u32,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// How long finished deliveries and dispatched events are kept (`None`: for ever).
    pub retention: Option<Duration>,
    /// How often old rows are pruned.
    pub prune_every: Duration,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            lease: Duration::seconds(60),
            batch: 100,
            concurrency: 8,
            retention: Some(Duration::days(90)),
            prune_every: Duration::hours(1),
        }
    }
}

/// What one round did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DispatchReport {
    /// Outbox events fanned out.
    pub events: usize,
    /// Attempts made.
    pub attempts: usize,
    /// Of which delivered.
    pub delivered: usize,
    /// Deliveries that gave up in this round.
    pub failed: usize,
    /// Events and deliveries pruned in this round.
    pub pruned: u64,
}

/// Moves events from the outbox to endpoints and live subscribers.
#[derive(Clone)]
pub struct WebhookDispatcher {
    tenants: Arc<dyn TenantRepository>,
    queue: Arc<dyn DeliveryQueue>,
    sender: Arc<dyn WebhookSender>,
    publisher: Arc<dyn EventPublisher>,
    settings: DispatchSettings,
    last_prune: Arc<std::sync::Mutex<Option<DateTime<Utc>>>>,
}

impl std::fmt::Debug for WebhookDispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookDispatcher")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl WebhookDispatcher {
    /// Wires the dispatcher.
    #[must_use]
    pub fn new(
        tenants: Arc<dyn TenantRepository>,
        queue: Arc<dyn DeliveryQueue>,
        sender: Arc<dyn WebhookSender>,
        publisher: Arc<dyn EventPublisher>,
        settings: DispatchSettings,
    ) -> Self {
        Self {
            tenants,
            queue,
            sender,
            publisher,
            settings,
            last_prune: Arc::new(std::sync::Mutex::new(None)),
        }
    }

    /// Whether this round also prunes (at most once per `prune_every`).
    fn prune_due(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let retention = self.settings.retention?;
        let mut last = self.last_prune.lock().ok()?;
        if last.is_some_and(|at| now - at < self.settings.prune_every) {
            return None;
        }
        *last = Some(now);
        Some(now - retention)
    }

    /// One round over every tenant: fan out new events, then attempt every due delivery.
    /// A failing tenant is logged and skipped, so that it cannot stop the others.
    ///
    /// # Errors
    /// When the tenant list cannot be read.
    pub async fn run_once(&self, now: DateTime<Utc>) -> DomainResult<DispatchReport> {
        let mut report = DispatchReport::default();
        let prune_before = self.prune_due(now);
        for tenant in self.tenants.all().await? {
            if let Err(err) = self.run_tenant(tenant.id, now, &mut report).await {
                tracing::warn!(error = %err, tenant = %tenant.id, "webhook round failed for a tenant");
            }
            if let Some(before) = prune_before {
                match self.queue.prune(tenant.id, before).await {
                    Ok((events, deliveries)) => report.pruned += events + deliveries,
                    Err(err) => {
                        tracing::warn!(error = %err, tenant = %tenant.id, "pruning old events failed");
                    }
                }
            }
        }
        Ok(report)
    }

    async fn run_tenant(
        &self,
        tenant: crate::ids::TenantId,
        now: DateTime<Utc>,
        report: &mut DispatchReport,
    ) -> DomainResult<()> {
        let events = self.queue.fan_out(tenant, self.settings.batch, now).await?;
        report.events += events.len();
        for event in &events {
            self.publisher.publish(event);
        }
        let due = self
            .queue
            .claim_due(tenant, now, self.settings.lease, self.settings.batch)
            .await?;
        let results: Vec<DomainResult<AttemptResult>> = futures_util::stream::iter(due)
            .map(|due| self.attempt(tenant, due))
            .buffer_unordered(self.settings.concurrency.max(1))
            .collect()
            .await;
        for result in results {
            let result = result?;
            report.attempts += 1;
            match result.status {
                crate::webhooks::DeliveryStatus::Delivered => report.delivered += 1,
                crate::webhooks::DeliveryStatus::Failed => report.failed += 1,
                crate::webhooks::DeliveryStatus::Pending => {}
            }
        }
        Ok(())
    }

    async fn attempt(
        &self,
        tenant: crate::ids::TenantId,
        due: DueDelivery,
    ) -> DomainResult<AttemptResult> {
        let message = OutgoingWebhook {
            url: due.url,
            webhook_id: due.delivery.webhook_id(),
            body: due.delivery.payload.clone(),
            secrets: due.secrets,
        };
        let at = Utc::now();
        let outcome = self.sender.send(&message).await;
        let attempt = DeliveryAttempt {
            delivery_id: due.delivery.id,
            number: due.delivery.attempts.saturating_add(1),
            at,
            status_code: outcome.status_code,
            error: outcome.error,
            duration_ms: outcome.duration_ms,
            finished_at: Some(Utc::now()),
        };
        let result = AttemptResult::decide(attempt, &self.settings.retry);
        if result.status != crate::webhooks::DeliveryStatus::Delivered {
            tracing::info!(
                webhook_id = %message.webhook_id,
                attempt = result.attempt.number,
                status = ?result.attempt.status_code,
                error = result.attempt.error.as_deref().unwrap_or(""),
                "webhook attempt failed"
            );
        }
        self.queue.record(tenant, &result).await?;
        Ok(result)
    }
}
