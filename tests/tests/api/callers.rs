//! Callers answered from memory (ADR 0022): a request's caller — the user and their roles — may
//! come from memory on PostgreSQL, and a revoked role or a deactivated user still stops working
//! at once, in the server that changed it and in another server on the same database.

use std::time::{Duration, Instant};

use peerbro_tests::{Db, TestApp, on_both, test_settings};
use serde_json::json;

const WORKLIST: &str = "{ referralWorklist(first: 1) { edges { node { id } } } }";
const ME: &str = "{ me { email } }";
const DEACTIVATE: &str =
    "mutation($id: ID!) { deactivateUser(input: { userId: $id }) { user { deactivatedAt } } }";
const REVOKE: &str = "mutation($id: ID!, $role: Role!) { revokeRole(input: { userId: $id, role: $role }) { user { roles } } }";

/// Callers answered from memory so far.
async fn from_memory(app: &TestApp) -> u64 {
    let body = app.scrape_metrics().await;
    body.lines()
        .find_map(|l| l.strip_prefix("peerbro_callers_from_memory_total "))
        .and_then(|v| v.trim().parse().ok())
        .expect("peerbro_callers_from_memory_total in /metrics")
}

/// How long `app` goes on letting `token` read the worklist, up to `limit`.
async fn allowed_for(app: &TestApp, token: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let (_, body) = app.gql(Some(token), WORKLIST, json!({})).await;
        let code = body["errors"][0]["extensions"]["code"].as_str();
        if code == Some("FORBIDDEN") || started.elapsed() >= limit {
            return started.elapsed();
        }
        assert!(code.is_none(), "the worklist answers or refuses: {body}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn a_revoked_role_stops_working_at_once_in_every_server(db: Db) {
    let postgres = matches!(db, Db::Postgres(_));
    let settings = test_settings(&db).await;
    let a = TestApp::spawn_with(settings.clone()).await;
    // A second server on the same database and keys (two processes of one deployment).
    let mut second = settings.clone();
    second.demo_seed = Some(false);
    let b = TestApp::spawn_with(second).await;
    let admin = a.token("helsingor", "admin@helsingor.demo").await;
    let coordinator = a.token("helsingor", "coordinator@helsingor.demo").await;
    let id = a.user_id("helsingor", "coordinator@helsingor.demo").await;
    // The listener connects as the server starts; give it a moment on a slow machine.
    let mut kept = 0;
    for _ in 0..50 {
        for app in [&a, &b] {
            a.gql_ok(Some(&coordinator), WORKLIST, json!({})).await;
            app.gql_ok(Some(&coordinator), WORKLIST, json!({})).await;
        }
        kept = from_memory(&b).await;
        if kept > 0 || !postgres {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if postgres {
        assert!(
            kept > 0,
            "server b answers its callers from memory on PostgreSQL"
        );
    } else {
        assert_eq!(kept, 0, "SQLite never answers a caller from memory");
    }

    a.gql_ok(
        Some(&admin),
        REVOKE,
        json!({ "id": id, "role": "COORDINATOR" }),
    )
    .await;
    // The server that revoked the role refuses the very next request.
    assert_eq!(
        a.gql_code(Some(&coordinator), WORKLIST, json!({})).await,
        "FORBIDDEN"
    );
    // The other learns of it by notification, within milliseconds; an entry left in memory
    // would go on answering for 30 seconds.
    let allowed = allowed_for(&b, &coordinator, Duration::from_secs(3)).await;
    assert!(
        allowed < Duration::from_secs(3),
        "server b still lets the revoked coordinator in after {allowed:?}"
    );

    // Deactivating a user works the same way: b, which knows the case-worker from memory,
    // refuses them within milliseconds of a's answer.
    let caseworker = a.token("helsingor", "caseworker@helsingor.demo").await;
    let caseworker_id = a.user_id("helsingor", "caseworker@helsingor.demo").await;
    for _ in 0..3 {
        b.gql_ok(Some(&caseworker), ME, json!({})).await;
    }
    a.gql_ok(Some(&admin), DEACTIVATE, json!({ "id": caseworker_id }))
        .await;
    assert_eq!(
        a.gql_code(Some(&caseworker), ME, json!({})).await,
        "UNAUTHENTICATED"
    );
    let started = Instant::now();
    loop {
        let (_, body) = b.gql(Some(&caseworker), ME, json!({})).await;
        if body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "server b still lets the deactivated case-worker in: {body}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    b.stop().await;
    a.stop().await;
}

on_both!(a_revoked_role_stops_working_at_once_in_every_server);
