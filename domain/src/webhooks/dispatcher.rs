//! The background dispatcher: turns outbox events into deliveries, sends what is due, records
//! each attempt and schedules retries, and prunes what is kept too long.

use std::sync::Arc;

use crate::clock::Clock;

use chrono::{DateTime, Duration, Utc};
use futures_util::StreamExt as _;

use crate::error::DomainResult;
use crate::tenancy::TenantRepository;
use crate::webhooks::model::{AttemptResult, DeliveryAttempt, RetryPolicy};
use crate::webhooks::ports::{
    DeliveryQueue, DueDelivery, EventPublisher, OutgoingWebhook, WebhookSender, WorkHints,
};

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
    /// With work hints, how often every tenant is looked at anyway (events another process
    /// wrote, deliveries whose lease ran out); between sweeps an idle dispatcher sends nothing
    /// to the database.
    pub sweep_every: Duration,
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
            sweep_every: Duration::seconds(30),
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
    clock: Arc<dyn Clock>,
    settings: DispatchSettings,
    last_prune: Arc<std::sync::Mutex<Option<DateTime<Utc>>>>,
    hints: Option<Arc<dyn WorkHints>>,
    /// Between sweeps: when each tenant next has a delivery due (a retry), or is to be looked
    /// at again because its last round filled a batch.
    watch: Arc<std::sync::Mutex<Watch>>,
}

#[derive(Debug, Default)]
struct Watch {
    last_sweep: Option<DateTime<Utc>>,
    due: std::collections::HashMap<crate::ids::TenantId, DateTime<Utc>>,
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
        clock: Arc<dyn Clock>,
        settings: DispatchSettings,
    ) -> Self {
        Self {
            tenants,
            queue,
            sender,
            publisher,
            clock,
            settings,
            last_prune: Arc::new(std::sync::Mutex::new(None)),
            hints: None,
            watch: Arc::default(),
        }
    }

    /// Looks only at hinted tenants and tenants with a retry due between sweeps of every
    /// tenant (every [`DispatchSettings::sweep_every`]); without hints every round sweeps.
    #[must_use]
    pub fn with_hints(mut self, hints: Arc<dyn WorkHints>) -> Self {
        self.hints = Some(hints);
        self
    }

    fn watch(&self) -> std::sync::MutexGuard<'_, Watch> {
        self.watch
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The tenants this round looks at: all of them on a sweep, otherwise the hinted ones and
    /// those with something due. Retries due later are kept across a sweep.
    async fn tenants_for(
        &self,
        now: DateTime<Utc>,
        force_sweep: bool,
    ) -> DomainResult<Vec<crate::ids::TenantId>> {
        // Taken before the tenant list is read, so a sweep covers every hint taken here.
        let hinted = self.hints.as_ref().map(|h| h.take());
        let mut tenants = std::collections::BTreeSet::new();
        let sweep = {
            let mut watch = self.watch();
            watch.due.retain(|tenant, at| {
                let come = *at <= now;
                if come {
                    tenants.insert(*tenant);
                }
                !come
            });
            force_sweep
                || hinted.is_none()
                || watch
                    .last_sweep
                    .is_none_or(|at| now - at >= self.settings.sweep_every)
        };
        if sweep {
            let all = self.tenants.all().await?;
            self.watch().last_sweep = Some(now);
            return Ok(all.into_iter().map(|t| t.id).collect());
        }
        tenants.extend(hinted.unwrap_or_default());
        Ok(tenants.into_iter().collect())
    }

    /// Remembers when `tenant` next needs a round (the earliest retry, or at once after a full
    /// batch).
    fn due_again(&self, tenant: crate::ids::TenantId, at: DateTime<Utc>) {
        let mut watch = self.watch();
        let entry = watch.due.entry(tenant).or_insert(at);
        if at < *entry {
            *entry = at;
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

    /// One round over the tenants [`Self::tenants_for`] picks (every tenant without hints):
    /// fan out new events, then attempt every due delivery. A failing tenant is logged and
    /// skipped, so that it cannot stop the others.
    ///
    /// # Errors
    /// When the tenant list cannot be read.
    pub async fn run_once(&self, now: DateTime<Utc>) -> DomainResult<DispatchReport> {
        let mut report = DispatchReport::default();
        let prune_before = self.prune_due(now);
        // A pruning round looks at every tenant anyway: it is a sweep too.
        let tenants = self.tenants_for(now, prune_before.is_some()).await?;
        for tenant in tenants {
            if let Err(err) = self.run_tenant(tenant, now, &mut report).await {
                tracing::warn!(error = %err, tenant = %tenant, "webhook round failed for a tenant");
                // Try again next round.
                self.due_again(tenant, now);
            }
            if let Some(before) = prune_before {
                match self.queue.prune(tenant, before).await {
                    Ok((events, deliveries)) => report.pruned += events + deliveries,
                    Err(err) => {
                        tracing::warn!(error = %err, tenant = %tenant, "pruning old events failed");
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
        let full = |n: usize| u32::try_from(n).unwrap_or(u32::MAX) >= self.settings.batch;
        if full(events.len()) {
            self.due_again(tenant, now);
        }
        for event in &events {
            self.publisher.publish(event);
        }
        let due = self
            .queue
            .claim_due(tenant, now, self.settings.lease, self.settings.batch)
            .await?;
        if full(due.len()) {
            self.due_again(tenant, now);
        }
        let results: Vec<DomainResult<AttemptResult>> = futures_util::stream::iter(due)
            .map(|due| self.attempt(tenant, due))
            .buffer_unordered(self.settings.concurrency.max(1))
            .collect()
            .await;
        for result in results {
            let result = result?;
            report.attempts += 1;
            if let Some(next) = result.next_attempt_at {
                self.due_again(tenant, next);
            }
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
        let at = self.clock.now();
        let outcome = self.sender.send(&message).await;
        let attempt = DeliveryAttempt {
            delivery_id: due.delivery.id,
            number: due.delivery.attempts.saturating_add(1),
            at,
            status_code: outcome.status_code,
            error: outcome.error,
            duration_ms: outcome.duration_ms,
            finished_at: Some(self.clock.now()),
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

#[cfg(test)]
#[path = "dispatcher_tests.rs"]
mod tests;
