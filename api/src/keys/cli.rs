//! `peerbro keys status|rotate|retire` and the server's scheduled rotation (ADR 0043).
//! Reports hold epochs, dates and counts — never a key.
#![allow(clippy::print_stdout)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::Subcommand;
use peerbro_persistence::Database;
use tokio::sync::watch;

use super::service::KeyService;
use crate::config::Settings;
use crate::wiring::{master_key, services};

/// `peerbro keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// The keyring's epochs and the epoch each tenant key is wrapped under.
    Status {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Move every tenant key to a new epoch now: a new tenant key, every live subject key
    /// re-wrapped, webhook secrets re-sealed, name indexes recomputed (a cut-off run is
    /// resumed by the next).
    Rotate {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Destroy the keys of epochs no tenant key names, once a later rotation is older than
    /// PEERBRO_BACKUP_RETENTION_DAYS.
    Retire {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn window(settings: &Settings) -> chrono::Duration {
    chrono::Duration::days(i64::from(settings.backup_retention_days))
}

/// `peerbro keys …`.
///
/// # Errors
/// A database or keyring failure.
pub async fn run(settings: &Settings, command: KeysCommand) -> anyhow::Result<()> {
    let db = Database::connect(&settings.database_url, 2).await?;
    let keys = services(&db, settings, &master_key(settings)?).keys;
    let now = Utc::now();
    let (json, text) = match command {
        KeysCommand::Status { json } => {
            let status = keys.status().await?;
            let at = |t: Option<DateTime<Utc>>| {
                t.map_or_else(
                    || "-".to_owned(),
                    |t| t.format("%Y-%m-%d %H:%M:%SZ").to_string(),
                )
            };
            let mut text = format!(
                "{:<6} {:<21} {:<21} {}\n",
                "epoch", "created", "finished", "destroyed"
            );
            for e in &status.epochs {
                text.push_str(&format!(
                    "{:<6} {:<21} {:<21} {}\n",
                    e.epoch,
                    at(Some(e.created_at)),
                    at(e.completed_at),
                    at(e.destroyed_at)
                ));
            }
            for t in &status.tenants {
                let under = match (t.has_key, t.epoch) {
                    (false, _) => "no key yet".to_owned(),
                    (true, None) => "master key".to_owned(),
                    (true, Some(e)) => format!("epoch {e}"),
                };
                let opens = if t.opens { "opens" } else { "DOES NOT OPEN" };
                text.push_str(&format!("tenant {:<24} {under:<12} {opens}\n", t.tenant));
            }
            (
                json.then(|| serde_json::to_string_pretty(&status))
                    .transpose()?,
                text,
            )
        }
        KeysCommand::Rotate { json } => {
            let bar = crate::progress::Progress::new();
            let progress = |tenant: &str, done: u64, due: u64| bar.step(tenant, done, due);
            let report = keys.rotate(now, &progress).await?;
            bar.finish();
            let mut text = format!("every tenant key is under epoch {}\n", report.epoch);
            for t in &report.tenants {
                text.push_str(&format!(
                    "tenant {:<24} rotated {:<5} subject keys {:>7} citizens {:>7} users {:>5} \
                     webhooks {:>3}\n",
                    t.tenant,
                    t.rotation.rotated,
                    t.rotation.subject_keys,
                    t.rotation.citizens,
                    t.rotation.users,
                    t.rotation.webhook_endpoints
                ));
            }
            (
                json.then(|| serde_json::to_string_pretty(&report))
                    .transpose()?,
                text,
            )
        }
        KeysCommand::Retire { json } => {
            let report = keys.retire(now, window(settings)).await?;
            let mut text = format!("destroyed: {:?}\n", report.destroyed);
            for k in &report.kept {
                let until = k
                    .until
                    .map_or_else(String::new, |u| format!(" (until {})", u.to_rfc3339()));
                text.push_str(&format!("kept epoch {}: {}{until}\n", k.epoch, k.reason));
            }
            (
                json.then(|| serde_json::to_string_pretty(&report))
                    .transpose()?,
                text,
            )
        }
    };
    print!("{}", json.map_or(text, |j| format!("{j}\n")));
    db.close().await;
    Ok(())
}

/// Checks hourly whether a rotation is due every `every`; rotates, then retires what the
/// window allows, until `stop` turns true. The first check is one hour after start.
pub fn spawn(
    keys: KeyService,
    every: chrono::Duration,
    window: chrono::Duration,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(3600)) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            let now = Utc::now();
            match keys.rotation_due(now, every) {
                Ok(true) => match keys.rotate(now, &|_, _, _| {}).await {
                    Ok(report) => tracing::info!(
                        epoch = report.epoch,
                        tenants = report.tenants.len(),
                        "tenant keys rotated"
                    ),
                    Err(e) => {
                        tracing::warn!(error = %e, "key rotation failed; the next check resumes it")
                    }
                },
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "the keyring cannot be read"),
            }
            match keys.retire(now, window).await {
                Ok(report) if !report.destroyed.is_empty() => {
                    tracing::info!(epochs = ?report.destroyed, "epoch keys destroyed");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "epoch retirement failed"),
            }
        }
    })
}
