//! The server's chat upkeep (ADR 0046): every `PEERBRO_CHAT_EXPIRY_SECONDS`, conversations
//! still waiting after their offer closed, or idle for two hours, end as expired. Every
//! process runs it; each expiry is decided on the conversation's locked row.

use std::time::Duration;

use peerbro_domain::chat::ChatExpiry;
use tokio::sync::watch;

/// Runs the expiry every `every` until `stop` turns true.
pub fn spawn(
    expiry: ChatExpiry,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            match expiry.run_all().await {
                Ok(0) => {}
                Ok(ended) => tracing::info!(ended, "chat conversations expired"),
                Err(err) => tracing::warn!(error = %err, "chat expiry failed; retried next time"),
            }
        }
    })
}
