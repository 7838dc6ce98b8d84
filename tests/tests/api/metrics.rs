//! Prometheus metrics at `/metrics`: requests, GraphQL operations, the pool, the outbox; label
//! values the server chose, never what a client sent and never personal data; optionally on a
//! separate address.

use std::time::Duration;

use peerbro_tests::{Db, StatusCode, TestApp, on_both, test_settings};
use serde_json::json;

async fn metrics_count_what_happens_and_carry_no_client_values(db: Db) {
    let mut settings = test_settings(&db).await;
    settings.webhook_poll_interval_ms = 100;
    let app = TestApp::spawn_with(settings).await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    app.gql_ok(Some(&referrer), "{ tenant { slug } }", json!({}))
        .await;
    app.gql_ok(
        Some(&referrer),
        "mutation($i: SubmitReferralInput!) { submitReferral(input: $i) { created } }",
        json!({ "i": { "newCitizen": { "name": "Metrika Hemmeligsen", "municipality": "Helsingør" },
                       "reason": "Metrika-grund", "consentEvidence": "WRITTEN" } }),
    )
    .await;
    // A field the schema does not have, named by the client: refused, and not a label.
    app.gql(Some(&referrer), "{ klientensHemmeligeFelt }", json!({}))
        .await;
    let mut body = String::new();
    for _ in 0..50 {
        body = app.scrape_metrics().await;
        if body.contains("peerbro_outbox_events_total 1") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for expected in [
        r#"peerbro_http_requests_total{route="/graphql",method="POST",status="200"}"#,
        r#"peerbro_http_request_duration_seconds_bucket{le="+Inf",route="/graphql",method="POST"}"#,
        r#"peerbro_graphql_operations_total{operation="query.tenant",code="OK"} 1"#,
        r#"peerbro_graphql_operations_total{operation="mutation.submitReferral",code="OK"} 1"#,
        r#"peerbro_graphql_operations_total{operation="query.unknown",code="VALIDATION"} 1"#,
        "peerbro_http_requests_in_flight ",
        "peerbro_db_pool_max_connections 4",
        r#"peerbro_db_pool_connections{state="in_use"}"#,
        "peerbro_db_pool_waiting 0",
        "peerbro_outbox_events_total 1",
        "peerbro_outbox_lag_seconds_count 1",
        "# EOF",
    ] {
        assert!(body.contains(expected), "{expected} missing from:\n{body}");
    }
    for secret in ["Metrika", "Hemmelig", "klientens", "helsingor"] {
        assert!(!body.contains(secret), "{secret} leaked into metrics");
    }
    app.stop().await;
}

async fn metrics_can_move_to_their_own_address(db: Db) {
    let mut settings = test_settings(&db).await;
    settings.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
    let app = TestApp::spawn_with(settings).await;
    let address = app.metrics_address.clone().unwrap();
    let res = app
        .request(reqwest::Method::GET, "/metrics")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "not on the API's address"
    );
    let res = reqwest::get(format!("{address}/metrics")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("# EOF"));
    app.stop().await;
}

on_both!(
    metrics_count_what_happens_and_carry_no_client_values,
    metrics_can_move_to_their_own_address,
);
