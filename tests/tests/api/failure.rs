//! Failure is fast and honest: a database outage, a full pool, a blocked statement or a request
//! past its time is answered 503 `UNAVAILABLE` with `Retry-After` within the configured
//! timeouts (never 500, never ten seconds later), readiness tells a dead database from a busy
//! pool, one tenant's blocked work holds only its share of the pool, and the server recovers
//! by itself.
//!
//! PostgreSQL only: row locks stage the blocked work, and a proxy in front of the test
//! cluster stages the outage.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use peerbro_api::Settings;
use peerbro_tests::proxy::Proxy;
use peerbro_tests::{
    Answer, Db, StatusCode, TestApp, on_postgres, pg_address, test_settings, uuid_of,
};
use serde_json::{Value, json};

const SMALL: &str = "{ tenant { slug } }";
const ENROL: &str = "mutation($o: ID!, $c: ID!) { enrolCitizen(input: { offerId: $o, citizenId: $c }) { enrolment { id } } }";

/// A's course, a citizen of A, and A's tenant id (as text).
async fn course_and_citizen(app: &TestApp, admin: &str) -> (String, String, String) {
    let data = app
        .gql_ok(
            Some(admin),
            "{ offers(kind: GROUP_COURSE, first: 1) { edges { node { id } } } \
               citizens(purpose: COORDINATION, first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let course = data["offers"]["edges"][0]["node"]["id"].as_str().unwrap();
    let citizen = data["citizens"]["edges"][0]["node"]["id"].as_str().unwrap();
    let tenant = app.tenant_id("helsingor").await.to_string();
    (course.to_owned(), citizen.to_owned(), tenant)
}

fn assert_unavailable(answer: &Answer) {
    let body = &answer.body;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        answer
            .retry_after
            .as_deref()
            .is_some_and(|r| r.parse::<u64>().unwrap() >= 1),
        "{body}"
    );
    let code = body["errors"][0]["extensions"]["code"]
        .as_str()
        .or_else(|| body["code"].as_str());
    assert_eq!(code, Some("UNAVAILABLE"), "{body}");
}

/// Row locks on every offer of the tenant (so enrolments there block).
async fn lock_offers(app: &TestApp, tenant: &str) -> peerbro_tests::HeldLocks {
    app.hold_locks(&format!(
        "SELECT id FROM offers WHERE tenant_id = '{tenant}' FOR UPDATE"
    ))
    .await
}

async fn an_outage_answers_503_at_once_and_the_server_recovers_without_restart(db: Db) {
    let mut settings: Settings = test_settings(&db).await;
    let target = pg_address(&settings.database_url);
    let proxy = Proxy::start(target).await;
    settings.database_url = settings
        .database_url
        .replace(&target.to_string(), &proxy.address.to_string());
    settings.database_acquire_timeout_ms = 500;
    let app = TestApp::spawn_with(settings).await;
    let admin = app.admin("helsingor").await;
    let ask = || async {
        app.spawn_requests(1, &admin, SMALL, &json!({}))
            .pop()
            .unwrap()
            .await
            .unwrap()
    };
    assert_eq!(ask().await.status, StatusCode::OK);
    assert_eq!(app.get("/readyz", None).await.body["database"], "up");
    let (_, client_id) = app.register_api_client(&admin).await;

    proxy.down();
    // GraphQL, REST (a list and a report), the token endpoint and readiness: 503 with
    // Retry-After, well within the
    // acquire timeout's reach (the pool used to wait ten seconds and answer 500).
    let started = Instant::now();
    assert_unavailable(&ask().await);
    assert_unavailable(&app.get("/api/v1/organisations", Some(&admin)).await);
    // A report counts in a read transaction of its own: the same fast 503.
    let period = chrono::Utc::now()
        .format("/api/v1/reports/%Y-%m")
        .to_string();
    assert_unavailable(&app.get(&period, Some(&admin)).await);
    let token = app.client_token(&client_id, "x").await;
    assert_eq!(token.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(token.retry_after.is_some());
    assert_eq!(
        token.body["error"], "temporarily_unavailable",
        "{}",
        token.body
    );
    let ready = app.get("/readyz", None).await;
    assert_unavailable(&ready);
    assert!(ready.body["detail"].as_str().unwrap().contains("down"));
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "five answers during an outage took {:?}",
        started.elapsed()
    );

    // Back up: the same server answers again, without a restart.
    proxy.up().await;
    let mut recovered = false;
    for _ in 0..50 {
        if ask().await.status == StatusCode::OK {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(recovered, "the server did not recover");
    assert_eq!(app.get("/readyz", None).await.body["database"], "up");
    app.stop().await;
}

async fn one_tenants_blocked_work_holds_only_its_share_of_the_pool(db: Db) {
    let mut settings = test_settings(&db).await;
    settings.database_max_connections = 4;
    settings.database_tenant_share = Some(2);
    settings.database_acquire_timeout_ms = 500;
    settings.database_statement_timeout_ms = 3000;
    let app = TestApp::spawn_with(settings).await;
    let a = app.admin("helsingor").await;
    let b = app.admin("kobenhavn").await;
    let (course, citizen, tenant) = course_and_citizen(&app, &a).await;
    let locks = lock_offers(&app, &tenant).await;
    // Four enrolments in A block on the lock: two hold A's share, two wait for it.
    let blocked = app.spawn_requests(4, &a, ENROL, &json!({ "o": course, "c": citizen }));
    app.wait_for_lock_waiters(2).await;
    // B is served meanwhile, and the server reads as up.
    let data = app
        .gql_ok(
            Some(&b),
            "{ offers(first: 5) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert!(!data["offers"]["edges"].as_array().unwrap().is_empty());
    let ready = app.get("/readyz", None).await.body;
    assert_eq!(ready["database"], "up", "{ready}");
    // A's four: two could not get a connection, two were cut at the lock timeout; all 503.
    for answer in join_all(blocked).await {
        assert_unavailable(&answer.unwrap());
    }
    locks.release().await;
    let done = app
        .gql_ok(Some(&a), ENROL, json!({ "o": course, "c": citizen }))
        .await;
    assert!(done["enrolCitizen"]["enrolment"]["id"].is_string());
    app.stop().await;
}

async fn readiness_tells_a_busy_pool_from_a_dead_database(db: Db) {
    let mut settings = test_settings(&db).await;
    settings.database_max_connections = 2;
    settings.database_tenant_share = Some(2);
    settings.database_acquire_timeout_ms = 4000;
    settings.database_statement_timeout_ms = 4000;
    let app = TestApp::spawn_with(settings).await;
    let a = app.admin("helsingor").await;
    let (course, citizen, tenant) = course_and_citizen(&app, &a).await;
    let locks = lock_offers(&app, &tenant).await;
    let blocked = app.spawn_requests(3, &a, ENROL, &json!({ "o": course, "c": citizen }));
    app.wait_for_lock_waiters(2).await;
    // The third has nothing left to do but wait for a connection, once it has arrived.
    let mut ready = Value::Null;
    for _ in 0..50 {
        let answer = app.get("/readyz", None).await;
        assert_eq!(answer.status, StatusCode::OK);
        ready = answer.body;
        if ready["database"] == "busy" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ready["database"], "busy", "{ready}");
    assert_eq!(ready["pool"]["inUse"], 2);
    assert!(ready["pool"]["waiting"].as_u64().unwrap() >= 1, "{ready}");
    locks.release().await;
    let answers: Vec<_> = join_all(blocked)
        .await
        .into_iter()
        .map(|a| a.unwrap().status)
        .collect();
    // Once released, the queued work ran: one enrolled, the others were duplicates.
    assert!(answers.iter().all(|s| *s == StatusCode::OK), "{answers:?}");
    assert_eq!(app.get("/readyz", None).await.body["database"], "up");
    app.stop().await;
}

async fn a_request_past_its_timeout_is_answered_503_and_its_work_rolled_back(db: Db) {
    let mut settings = test_settings(&db).await;
    settings.request_timeout_seconds = 1;
    settings.database_statement_timeout_ms = 10_000;
    let app = TestApp::spawn_with(settings).await;
    let a = app.admin("helsingor").await;
    let (course, citizen, tenant) = course_and_citizen(&app, &a).await;
    let enrolled = || async {
        app.owner_texts(&format!(
            "SELECT CAST(count(*) AS TEXT) AS v FROM enrolments WHERE citizen_id = '{}'",
            uuid_of(&citizen)
        ))
        .await
        .remove(0)
    };
    let before = enrolled().await;
    let locks = lock_offers(&app, &tenant).await;
    let answer = app
        .spawn_requests(1, &a, ENROL, &json!({ "o": course, "c": citizen }))
        .pop()
        .unwrap()
        .await
        .unwrap();
    assert_unavailable(&answer);
    let body = &answer.body;
    assert!(body["data"].is_null());
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("took longer than the server allows"),
        "answered by the request timeout, not the statement timeout: {body}"
    );
    locks.release().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        enrolled().await,
        before,
        "the timed-out enrolment was rolled back"
    );
    app.stop().await;
}

on_postgres!(
    an_outage_answers_503_at_once_and_the_server_recovers_without_restart,
    one_tenants_blocked_work_holds_only_its_share_of_the_pool,
    readiness_tells_a_busy_pool_from_a_dead_database,
    a_request_past_its_timeout_is_answered_503_and_its_work_rolled_back,
);
