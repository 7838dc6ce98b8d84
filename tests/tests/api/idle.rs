//! An idle server sends nothing to the database between the background sweeps, whatever the
//! number of tenants (issue 10): the webhook worker looks only at tenants this process wrote
//! events for or with a retry due, and the audit sealer only at tenants with pending look-ups.
//! Counted by the server's own counters, never timed.

use std::time::Duration;

use peerbro_tests::{Db, TestApp, on_both, test_settings};
use serde_json::json;

async fn round_trips(app: &TestApp) -> u64 {
    app.scrape_metrics()
        .await
        .lines()
        .find_map(|l| l.strip_prefix("peerbro_db_round_trips_total "))
        .and_then(|v| v.trim().parse().ok())
        .expect("peerbro_db_round_trips_total on /metrics")
}

async fn an_idle_server_sends_nothing_to_the_database(db: Db) {
    let mut settings = test_settings(&db).await;
    // A worker that wakes 20 times a second and a sealer that wakes 10 times.
    settings.webhook_poll_interval_ms = 50;
    settings.audit_seal_interval_ms = 100;
    let app = TestApp::spawn_with(settings).await;
    // Work: an event to deliver and an audited read to seal; then let the worker and the
    // sealer finish it.
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    app.gql_ok(
        Some(&referrer),
        "mutation($input: SubmitReferralInput!) { submitReferral(input: $input) { referral { id } } }",
        json!({ "input": {
            "newCitizen": { "name": "Idle Borger", "municipality": "Helsingør" },
            "reason": "Ønsker støtte",
            "consentEvidence": "VERBAL_TO_REFERRER",
        }}),
    )
    .await;
    let mut settled = round_trips(&app).await;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = round_trips(&app).await;
        if now == settled {
            break;
        }
        settled = now;
    }
    // Idle for well over 20 worker rounds and 10 sealer rounds.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        round_trips(&app).await,
        settled,
        "an idle server sent work to the database"
    );
    app.stop().await;
}

on_both!(an_idle_server_sends_nothing_to_the_database);
