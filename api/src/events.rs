//! The in-process event bus: the webhook worker publishes every event it takes from the
//! outbox, and GraphQL subscriptions listen. A subscriber that falls too far behind misses
//! events (it is told so in the log); webhooks, which must not miss any, read the outbox
//! instead.

use std::sync::Arc;

use peerbro_domain::webhooks::{EventPublisher, OutboxEvent};
use tokio::sync::broadcast;

/// Events held for slow subscribers.
const CAPACITY: usize = 1024;

/// A broadcast channel of outbox events.
#[derive(Clone, Debug)]
pub struct EventBus {
    tx: broadcast::Sender<Arc<OutboxEvent>>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    /// An empty bus.
    #[must_use]
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(CAPACITY);
        Self { tx }
    }

    /// A receiver of every event published from now on.
    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<OutboxEvent>> {
        self.tx.subscribe()
    }
}

impl EventPublisher for EventBus {
    fn publish(&self, event: &OutboxEvent) {
        // No receivers is not an error: nobody is listening right now.
        let _ = self.tx.send(Arc::new(event.clone()));
    }
}
