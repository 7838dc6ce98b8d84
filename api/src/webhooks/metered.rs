//! Wrappers that count what the webhook sender and the event publisher do (`metrics.rs`), so
//! that the domain's dispatcher knows nothing of metrics.

use crate::metrics::Metrics;

/// A webhook sender that counts its attempts.
pub struct MeteredSender<S> {
    inner: S,
    metrics: std::sync::Arc<Metrics>,
}

impl<S> MeteredSender<S> {
    /// Wraps `inner`.
    pub const fn new(inner: S, metrics: std::sync::Arc<Metrics>) -> Self {
        Self { inner, metrics }
    }
}

#[async_trait::async_trait]
impl<S: peerbro_domain::webhooks::WebhookSender> peerbro_domain::webhooks::WebhookSender
    for MeteredSender<S>
{
    async fn send(
        &self,
        message: &peerbro_domain::webhooks::OutgoingWebhook,
    ) -> peerbro_domain::webhooks::SendOutcome {
        let outcome = self.inner.send(message).await;
        let label = match (outcome.status_code, &outcome.error) {
            (Some(code), None) if (200..300).contains(&code) => "delivered",
            (Some(_), _) => "rejected",
            (None, _) => "failed",
        };
        #[allow(clippy::cast_precision_loss)]
        let seconds = outcome.duration_ms as f64 / 1000.0;
        self.metrics.webhook_attempt(label, seconds);
        outcome
    }
}

/// An event publisher that records each event's outbox lag before passing it on.
pub struct MeteredPublisher<P> {
    inner: P,
    metrics: std::sync::Arc<Metrics>,
}

impl<P> MeteredPublisher<P> {
    /// Wraps `inner`.
    pub const fn new(inner: P, metrics: std::sync::Arc<Metrics>) -> Self {
        Self { inner, metrics }
    }
}

impl<P: peerbro_domain::webhooks::EventPublisher> peerbro_domain::webhooks::EventPublisher
    for MeteredPublisher<P>
{
    fn publish(&self, event: &peerbro_domain::webhooks::OutboxEvent) {
        #[allow(clippy::cast_precision_loss)]
        let lag = (chrono::Utc::now() - event.created_at).num_milliseconds() as f64 / 1000.0;
        self.metrics.outbox([lag]);
        self.inner.publish(event);
    }
}
