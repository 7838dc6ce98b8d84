//! The background worker: runs the dispatcher every poll interval until shut down. A round
//! that fails is logged and the next one tries again; nothing is lost, because the outbox and
//! the delivery queue live in the database.

use std::time::Duration;

use peerbro_domain::webhooks::WebhookDispatcher;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Starts the worker; it stops when `shutdown` turns true (or its sender is dropped).
#[must_use]
pub fn spawn_worker(
    dispatcher: WebhookDispatcher,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        tracing::info!(interval_ms = interval.as_millis(), "webhook worker started");
        loop {
            let round = dispatcher.run_once(chrono::Utc::now());
            tokio::select! {
                result = round => match result {
                    Ok(report) if report.events + report.attempts > 0 || report.pruned > 0 => {
                        tracing::debug!(
                            events = report.events,
                            attempts = report.attempts,
                            delivered = report.delivered,
                            failed = report.failed,
                            pruned = report.pruned,
                            "webhook round"
                        );
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "webhook round failed"),
                },
                _ = shutdown.changed() => break,
            }
            if *shutdown.borrow() {
                break;
            }
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                _ = shutdown.changed() => break,
            }
        }
        tracing::info!("webhook worker stopped");
    })
}
