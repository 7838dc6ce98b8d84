//! Retention (ADR 0042): `peerbro retention run [--dry-run] [--json]`, and the server's
//! scheduled run. Both run every tenant as the platform; the report has counts only, never
//! anyone's data.
#![allow(clippy::print_stdout)]

use std::time::Duration;

use peerbro_domain::privacy::retention::{RetentionService, TenantRetention};
use peerbro_persistence::Database;
use tokio::sync::watch;

use crate::config::Settings;
use crate::wiring::{master_key, services};

fn print_table(report: &[TenantRetention], dry_run: bool) {
    let verb = if dry_run { "would" } else { "did" };
    println!("retention ({verb}):");
    println!(
        "{:<24} {:>18} {:>16} {:>14} {:>18} {:>10} {:>10} {:>14} {:>18}",
        "tenant",
        "closed referrals",
        "citizens erased",
        "kept by hold",
        "attendance marks",
        "meetings",
        "answers",
        "audit entries",
        "chat conversations"
    );
    for t in report {
        println!(
            "{:<24} {:>18} {:>16} {:>14} {:>18} {:>10} {:>10} {:>14} {:>18}",
            t.tenant,
            t.closed_referrals,
            t.citizens_erased,
            t.citizens_held,
            t.attendance_marks,
            t.meetings,
            t.answers,
            t.audit_entries,
            t.chat_conversations
        );
    }
}

/// `peerbro retention run`.
///
/// # Errors
/// A database failure; what was done before it stays done.
pub async fn run(settings: &Settings, dry_run: bool, json: bool) -> anyhow::Result<()> {
    let db = Database::connect(&settings.database_url, 2).await?;
    let services = services(&db, settings, &master_key(settings)?);
    let bar = crate::progress::Progress::new();
    let progress = |tenant: &str, done: u64, due: u64| bar.step(tenant, done, due);
    let report = services.retention.run_all(dry_run, &progress).await?;
    bar.finish();
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report, dry_run);
    }
    db.close().await;
    Ok(())
}

/// Runs retention every `every` until `stop` turns true; the first run is one interval after
/// start, so a restart loop never runs it more often than asked.
pub fn spawn(
    retention: RetentionService,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
            match retention.run_all(false, &|_, _, _| {}).await {
                Ok(report) => {
                    for t in report {
                        tracing::info!(
                            tenant = %t.tenant,
                            closed_referrals = t.closed_referrals,
                            citizens_erased = t.citizens_erased,
                            citizens_held = t.citizens_held,
                            attendance_marks = t.attendance_marks,
                            meetings = t.meetings,
                            answers = t.answers,
                            audit_entries = t.audit_entries,
                            "retention run"
                        );
                    }
                }
                Err(err) => tracing::warn!(error = %err, "retention run failed; retried next time"),
            }
        }
    })
}
