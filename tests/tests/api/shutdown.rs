//! SIGTERM, as an orchestrator sends it, to the real binary under load: no request whose work
//! committed is answered 5xx, every acknowledged referral is there afterwards, and the exit is
//! clean; a request still running when the grace period ends is logged, counted and makes the
//! exit status fail.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use peerbro_tests::process::{ServerProcess, environment, token};
use peerbro_tests::{
    Db, hold_locks_at, on_both, on_postgres, test_settings, texts_at, wait_for_lock_waiters,
};
use serde_json::json;

/// What a client saw for one referral it submitted.
#[derive(Debug)]
enum Answer {
    Status(u16),
    NoResponse,
}

async fn sigterm_under_load_fails_no_committed_work(db: Db) {
    let settings = test_settings(&db).await;
    let mut env = environment(&settings);
    env.extend([
        ("PEERBRO_WORKERS".to_owned(), "2".to_owned()),
        (
            "PEERBRO_SHUTDOWN_TIMEOUT_SECONDS".to_owned(),
            "20".to_owned(),
        ),
        (
            "PEERBRO_REQUEST_TIMEOUT_SECONDS".to_owned(),
            "10".to_owned(),
        ),
        (
            "PEERBRO_DATABASE_MAX_CONNECTIONS".to_owned(),
            "4".to_owned(),
        ),
    ]);
    let server = ServerProcess::start(&env).await;
    let bearer = token(&env, "helsingor", "caseworker@helsingor.demo");
    // A new connection for every request, as many clients behind a balancer: a worker with
    // nothing in flight stops at once, while the other still works.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let started = Instant::now();
    let load: Vec<_> = (0..24)
        .map(|worker| {
            let client = client.clone();
            let url = format!("{}/api/v1/referrals", server.address);
            let bearer = bearer.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for i in 0..400 {
                    let key = format!("sigterm-{worker}-{i}");
                    let sent = client
                        .post(&url)
                        .bearer_auth(&bearer)
                        .header("idempotency-key", &key)
                        .json(&json!({
                            "newCitizen": { "name": format!("Borger {worker} {i}"), "municipality": "Helsingør" },
                            "consentEvidence": "WRITTEN",
                        }))
                        .send()
                        .await;
                    let answer = match sent {
                        Ok(res) => Answer::Status(res.status().as_u16()),
                        Err(_) => Answer::NoResponse,
                    };
                    let stop = matches!(answer, Answer::NoResponse);
                    seen.push((key, answer));
                    if stop || started.elapsed() > Duration::from_secs(30) {
                        break;
                    }
                }
                seen
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.terminate();
    let mut answers = Vec::new();
    for task in load {
        answers.extend(task.await.unwrap());
    }
    let (status, log) = server.wait(Duration::from_secs(40)).await;
    assert!(status.success(), "exit {status:?}: {log:#?}");
    assert!(
        !log.iter()
            .any(|l| l.contains("being shutdown") || l.contains("cut unanswered")),
        "{log:#?}"
    );
    let admin = settings
        .database_admin_url
        .clone()
        .unwrap_or_else(|| settings.database_url.clone());
    let stored: BTreeSet<String> = texts_at(
        &admin,
        "SELECT idempotency_key AS v FROM referrals WHERE idempotency_key IS NOT NULL",
    )
    .await
    .into_iter()
    .collect();
    let acknowledged = answers
        .iter()
        .filter(|(_, a)| matches!(a, Answer::Status(s) if (200..300).contains(s)))
        .count();
    assert!(acknowledged > 6, "the load ran: {answers:?}");
    for (key, answer) in &answers {
        match answer {
            Answer::Status(s) if (200..300).contains(s) => {
                assert!(
                    stored.contains(key),
                    "{key} was acknowledged but is not stored"
                );
            }
            Answer::Status(s) if *s >= 500 => {
                assert!(
                    !stored.contains(key),
                    "{key} committed but was answered {s}"
                );
            }
            Answer::Status(s) => panic!("{key}: unexpected {s}"),
            Answer::NoResponse => {}
        }
    }
}

async fn requests_cut_at_the_grace_limit_are_logged_and_fail_the_exit_status(db: Db) {
    let settings = test_settings(&db).await;
    let mut env = environment(&settings);
    env.extend([
        (
            "PEERBRO_SHUTDOWN_TIMEOUT_SECONDS".to_owned(),
            "1".to_owned(),
        ),
        (
            "PEERBRO_REQUEST_TIMEOUT_SECONDS".to_owned(),
            "30".to_owned(),
        ),
        (
            "PEERBRO_DATABASE_STATEMENT_TIMEOUT_MS".to_owned(),
            "30000".to_owned(),
        ),
    ]);
    let server = ServerProcess::start(&env).await;
    let admin = token(&env, "helsingor", "admin@helsingor.demo");
    let owner = settings.database_admin_url.clone().unwrap();
    let tenant = "(SELECT id FROM tenants WHERE slug = 'helsingor')";
    let course = texts_at(
        &owner,
        &format!(
            "SELECT CAST(id AS TEXT) AS v FROM offers WHERE offer_type = 'GROUP_COURSE' \
             AND tenant_id = {tenant} LIMIT 1"
        ),
    )
    .await
    .remove(0);
    let citizen = texts_at(
        &owner,
        &format!("SELECT CAST(id AS TEXT) AS v FROM citizens WHERE tenant_id = {tenant} LIMIT 1"),
    )
    .await
    .remove(0);
    let locks = hold_locks_at(
        &owner,
        &format!("SELECT id FROM offers WHERE tenant_id = {tenant} FOR UPDATE"),
    )
    .await;
    let url = format!("{}/graphql", server.address);
    let stuck = tokio::spawn(async move {
        reqwest::Client::new()
            .post(url)
            .bearer_auth(admin)
            .json(&json!({
                "query": "mutation($o: ID!, $c: ID!) { enrolCitizen(input: { offerId: $o, citizenId: $c }) { enrolment { id } } }",
                "variables": { "o": course, "c": citizen },
            }))
            .send()
            .await
    });
    wait_for_lock_waiters(&owner, 1).await;
    server.terminate();
    let (status, log) = server.wait(Duration::from_secs(20)).await;
    assert!(
        !status.success(),
        "a cut request fails the exit status: {log:#?}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains("cut unanswered") && l.contains("/graphql")),
        "the cut request is logged with its route: {log:#?}"
    );
    // The server reached it (its session waited on the lock) and closed the connection without
    // an answer: not a refused connection, not a client-side timeout, no status.
    let cut = stuck.await.unwrap().expect_err("the client got no answer");
    assert!(
        cut.is_request() && !cut.is_connect() && !cut.is_timeout() && cut.status().is_none(),
        "the connection was closed unanswered: {cut:?}"
    );
    locks.release().await;
}

on_both!(sigterm_under_load_fails_no_committed_work);
on_postgres!(requests_cut_at_the_grace_limit_are_logged_and_fail_the_exit_status);

/// The mechanism behind the SIGTERM failures, isolated: actix runs each HTTP worker on a
/// runtime of its own, and a socket belongs to the runtime that opened it. A pool connection
/// opened while serving one worker must keep working for the others after that worker's
/// runtime has stopped (as it does first at shutdown).
async fn pool_connections_outlive_the_worker_runtime_that_opened_them(db: Db) {
    let settings = test_settings(&db).await;
    let admin = peerbro_persistence::Database::connect_with(
        settings.database_admin_url.as_deref().unwrap(),
        peerbro_persistence::PoolSettings::admin(1),
    )
    .await
    .unwrap();
    admin.migrate().await.unwrap();
    admin.close().await;
    let mut pool = peerbro_persistence::PoolSettings::new(4);
    pool.tenant_share = 4;
    let database = peerbro_persistence::Database::connect_with(&settings.database_url, pool)
        .await
        .unwrap();
    async fn lookups(database: peerbro_persistence::Database) -> Vec<Result<bool, String>> {
        let tenant = peerbro_domain::ids::TenantId::new();
        let all = (0..4).map(|_| {
            peerbro_persistence::testing::point_lookup(&database, tenant, uuid::Uuid::now_v7())
        });
        futures_util::future::join_all(all).await
    }
    // A "worker": its own current-thread runtime, on its own thread, opens connections.
    let on_worker = |database: peerbro_persistence::Database| {
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(lookups(database))
        })
        .join()
        .unwrap()
    };
    let first = on_worker(database.clone());
    assert!(first.iter().all(Result::is_ok), "{first:?}");
    // That worker's runtime is gone; another worker uses the same pool.
    let second = on_worker(database.clone());
    assert!(
        second.iter().all(Result::is_ok),
        "connections opened on a stopped runtime failed: {second:?}"
    );
    database.close().await;
}

on_postgres!(pool_connections_outlive_the_worker_runtime_that_opened_them);
