//! Webhooks: registration (admins only, no internal targets), signed delivery with retries
//! under one `webhook-id`, secret rotation, the delivery log, tenant isolation, and the
//! outbox surviving a worker that is off, stopped mid-attempt and restarted.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use peerbro_tests::receiver::{Behaviour, Received, Receiver, verifies};
use peerbro_tests::{Db, TestApp, on_both, test_settings, uuid_of};
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { id url eventTypes enabled } } }";
const SUBMIT: &str = "mutation($input: SubmitReferralInput!) { submitReferral(input: $input) { referral { id state } } }";
const MOVE: &str = "mutation($input: MoveReferralInput!) { moveReferral(input: $input) { referral { id state } } }";
const LOGS: &str = "{ webhookDeliveries(first: 100) { edges { node { status attempts attemptLog { number outcome finishedAt statusCode error } } } } }";
const DELIVERIES: &str = "query($endpoint: ID) { webhookDeliveries(endpointId: $endpoint, first: 100) { edges { node { id webhookId eventType status attempts lastStatusCode payload endpoint { id url enabled } attemptLog { number statusCode error } } } } }";

const CITIZEN: &str = "Webhook Testborger";

fn referral_input(name: &str) -> Value {
    json!({ "input": {
        "newCitizen": { "name": name, "contact": "tlf. 99 88 77 66", "municipality": "Helsingør" },
        "reason": "Har brug for en at tale med",
        "consentEvidence": "VERBAL_TO_REFERRER",
    }})
}

async fn submit(app: &TestApp, referrer: &str) -> String {
    let data = app
        .gql_ok(Some(referrer), SUBMIT, referral_input(CITIZEN))
        .await;
    // The UUID, as webhook payloads carry it; GraphQL takes it too.
    uuid_of(data["submitReferral"]["referral"]["id"].as_str().unwrap())
}

async fn accept(app: &TestApp, coordinator: &str, id: &str) {
    app.gql_ok(
        Some(coordinator),
        MOVE,
        json!({ "input": { "referralId": id, "action": "ACCEPT" } }),
    )
    .await;
}

async fn register(app: &TestApp, admin: &str, url: &str) -> (String, String) {
    let data = app
        .gql_ok(
            Some(admin),
            CREATE,
            json!({ "input": {
                "url": url,
                "eventTypes": ["REFERRAL_SUBMITTED", "REFERRAL_STATUS_CHANGED"],
                "description": "partner system"
            }}),
        )
        .await;
    let created = &data["createWebhookEndpoint"];
    (
        created["endpoint"]["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

/// A server whose worker polls often and retries fast, allowed to call the test receiver.
async fn webhook_app(db: &Db, worker: bool) -> TestApp {
    let mut settings = test_settings(db).await;
    settings.webhook_allow_private_targets = true;
    settings.webhook_allow_http = true;
    settings.webhook_worker = worker;
    settings.webhook_poll_interval_ms = 100;
    settings.webhook_retry_base_ms = 200;
    TestApp::spawn_with(settings).await
}

fn by_id(received: &[Received]) -> BTreeMap<String, Vec<Received>> {
    let mut map: BTreeMap<String, Vec<Received>> = BTreeMap::new();
    for r in received {
        map.entry(r.id.clone()).or_default().push(r.clone());
    }
    map
}

fn delivered_ids(received: &[Received]) -> BTreeSet<String> {
    received
        .iter()
        .filter(|r| (200..300).contains(&r.answered))
        .map(|r| r.id.clone())
        .collect()
}

async fn internal_targets_are_refused_and_only_admins_register(db: Db) {
    // Default settings: https only, public addresses only.
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    for url in [
        "http://93.184.215.14/hook",
        "https://127.0.0.1/hook",
        "https://127.1.2.3:8443/hook",
        "https://10.0.0.7/hook",
        "https://192.168.1.20/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fd00::5]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        // IPv4 addresses inside IPv6 ones: 6to4, NAT64, Teredo, translated, compatible.
        "https://[2002:7f00:1::]/",
        "https://[2002:a9fe:a9fe::1]/latest/meta-data",
        "https://[64:ff9b::a00:7]/hook",
        "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",
        "https://[::ffff:0:7f00:1]/hook",
        "https://[::7f00:1]/hook",
        "https://localhost/hook",
        "https://user:secret@93.184.215.14/hook",
        "file:///etc/passwd",
        "not a url",
    ] {
        let code = app
            .gql_code(
                Some(&admin),
                CREATE,
                json!({ "input": { "url": url, "eventTypes": ["REFERRAL_SUBMITTED"] } }),
            )
            .await;
        assert_eq!(code, "VALIDATION", "{url}");
    }
    // No event types, or a long description: VALIDATION as well.
    for input in [
        json!({ "url": "https://93.184.215.14/hook", "eventTypes": [] }),
        json!({ "url": "https://93.184.215.14/hook", "eventTypes": ["REFERRAL_SUBMITTED"], "description": "x".repeat(201) }),
    ] {
        assert_eq!(
            app.gql_code(Some(&admin), CREATE, json!({ "input": input }))
                .await,
            "VALIDATION"
        );
    }
    // Nothing was stored by any refused request.
    let list = app
        .gql_ok(
            Some(&admin),
            "{ webhookEndpoints { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(list["webhookEndpoints"]["edges"], json!([]));

    // A public https address is accepted (no request is made at registration).
    let (id, secret) = register(&app, &admin, "https://93.184.215.14/peerbro").await;
    assert!(secret.starts_with("whsec_"), "{secret}");

    // The role table: only tenant admins manage webhooks.
    for email in [
        "coordinator@helsingor.demo",
        "caseworker@helsingor.demo",
        "peer@helsingor.demo",
    ] {
        let token = app.token("helsingor", email).await;
        for (query, vars) in [
            ("{ webhookEndpoints { edges { node { id } } } }", json!({})),
            ("{ webhookDeliveries { edges { node { id } } } }", json!({})),
            (
                CREATE,
                json!({ "input": { "url": "https://93.184.215.14/x", "eventTypes": ["REFERRAL_SUBMITTED"] } }),
            ),
            (
                "mutation($id: ID!) { rotateWebhookSecret(input: { endpointId: $id }) { secret } }",
                json!({ "id": id }),
            ),
        ] {
            assert_eq!(
                app.gql_code(Some(&token), query, vars).await,
                "FORBIDDEN",
                "{email}: {query}"
            );
        }
    }
    assert_eq!(
        app.gql_code(
            None,
            "{ webhookEndpoints { edges { node { id } } } }",
            json!({})
        )
        .await,
        "UNAUTHENTICATED"
    );

    // Another tenant's admin: not found, and an empty list.
    let other = app.admin("kobenhavn").await;
    for query in [
        "query($id: ID!) { webhookEndpoint(id: $id) { id } }",
        "mutation($id: ID!) { rotateWebhookSecret(input: { endpointId: $id }) { secret } }",
        "mutation($id: ID!) { updateWebhookEndpoint(input: { endpointId: $id, enabled: false }) { endpoint { id } } }",
    ] {
        assert_eq!(
            app.gql_code(Some(&other), query, json!({ "id": id })).await,
            "NOT_FOUND",
            "{query}"
        );
    }
    let list = app
        .gql_ok(
            Some(&other),
            "{ webhookEndpoints { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(list["webhookEndpoints"]["edges"], json!([]));

    // Changing the URL to an internal one is refused too, and changes nothing.
    assert_eq!(
        app.gql_code(
            Some(&admin),
            "mutation($id: ID!) { updateWebhookEndpoint(input: { endpointId: $id, url: \"https://127.0.0.1/x\", enabled: false }) { endpoint { id } } }",
            json!({ "id": id })
        )
        .await,
        "VALIDATION"
    );
    let one = app
        .gql_ok(
            Some(&admin),
            "query($id: ID!) { webhookEndpoint(id: $id) { url enabled } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        one["webhookEndpoint"]["url"],
        "https://93.184.215.14/peerbro"
    );
    assert_eq!(one["webhookEndpoint"]["enabled"], true);
    app.stop().await;
}
on_both!(internal_targets_are_refused_and_only_admins_register);

async fn deliveries_are_signed_retried_under_one_id_and_logged(db: Db) {
    let receiver = Receiver::start(Behaviour::FailFirst(2)).await;
    let app = webhook_app(&db, true).await;
    let admin = app.admin("helsingor").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let (endpoint, secret) = register(&app, &admin, &format!("{}/helsingor", receiver.url)).await;
    // Another tenant's endpoint must never see helsingor's events.
    let other = app.admin("kobenhavn").await;
    register(&app, &other, &format!("{}/kobenhavn", receiver.url)).await;

    let referral = submit(&app, &referrer).await;
    accept(&app, &coordinator, &referral).await;

    // Two events, each failed twice with 500 and then delivered: 3 requests per webhook-id.
    let received = receiver
        .wait_until(Duration::from_secs(30), |r| delivered_ids(r).len() == 2)
        .await;
    let groups = by_id(&received);
    assert_eq!(groups.len(), 2, "one webhook-id per event: {groups:#?}");
    let mut types = BTreeSet::new();
    for (id, requests) in &groups {
        assert!(id.starts_with("msg_"), "{id}");
        assert_eq!(
            requests.iter().map(|r| r.answered).collect::<Vec<_>>(),
            vec![500, 500, 204],
            "{id}"
        );
        for r in requests {
            assert_eq!(r.path, "/helsingor");
            assert!(verifies(&secret, r), "signature of {id} does not verify");
            let age = chrono::Utc::now().timestamp() - r.timestamp.parse::<i64>().unwrap();
            assert!((0..120).contains(&age), "timestamp {}", r.timestamp);
            // Ids and states only: nothing about the citizen.
            assert!(!r.body.contains("Testborger") && !r.body.contains("99 88"));
        }
        // A signature made with another secret does not verify (the check can fail).
        assert!(!verifies(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            &requests[0]
        ));
        let body = requests[0].json();
        assert_eq!(body["data"]["referralId"], uuid_of(&referral));
        types.insert(body["type"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        types,
        BTreeSet::from([
            "referral.submitted".to_owned(),
            "referral.status_changed".to_owned()
        ])
    );

    // The delivery log shows each attempt — once the worker has recorded the last answer,
    // which the receiver sends before the worker can record it.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let log = loop {
        let log = app
            .gql_ok(Some(&admin), DELIVERIES, json!({ "endpoint": endpoint }))
            .await;
        let recorded = log["webhookDeliveries"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["node"]["status"] != "PENDING");
        if recorded || std::time::Instant::now() > deadline {
            break log;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let edges = log["webhookDeliveries"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 2);
    for e in edges {
        let node = &e["node"];
        assert_eq!(node["status"], "DELIVERED");
        assert_eq!(node["attempts"], 3);
        assert_eq!(node["lastStatusCode"], 204);
        assert!(groups.contains_key(node["webhookId"].as_str().unwrap()));
        let codes: Vec<_> = node["attemptLog"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["statusCode"].clone())
            .collect();
        assert_eq!(codes, vec![json!(500), json!(500), json!(204)]);
    }

    // Rotation: the next delivery carries two signatures, one per secret.
    let rotated = app
        .gql_ok(
            Some(&admin),
            "mutation($id: ID!) { rotateWebhookSecret(input: { endpointId: $id }) { secret endpoint { secretRotatedAt } } }",
            json!({ "id": endpoint }),
        )
        .await;
    let new_secret = rotated["rotateWebhookSecret"]["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    let other_referral = submit(&app, &referrer).await;
    let received = receiver
        .wait_until(Duration::from_secs(30), |r| delivered_ids(r).len() == 3)
        .await;
    let latest: Vec<_> = received
        .iter()
        .filter(|r| r.body.contains(&uuid_of(&other_referral)))
        .collect();
    assert!(!latest.is_empty());
    for r in latest {
        assert_eq!(r.signature.split(' ').count(), 2, "{}", r.signature);
        assert!(verifies(new_secret, r) && verifies(&secret, r));
    }

    // A disabled endpoint gets nothing new.
    app.gql_ok(
        Some(&admin),
        "mutation($id: ID!) { updateWebhookEndpoint(input: { endpointId: $id, enabled: false }) { endpoint { enabled } } }",
        json!({ "id": endpoint }),
    )
    .await;
    // A witness endpoint, enabled, shows when the worker has handled the next events.
    let (witness, _) = register(&app, &admin, &format!("{}/witness", receiver.url)).await;
    let held = submit(&app, &referrer).await;
    receiver
        .wait_until(Duration::from_secs(30), |r| {
            r.iter()
                .any(|r| r.path == "/witness" && r.body.contains(&held) && r.answered == 204)
        })
        .await;
    assert!(
        !receiver
            .received()
            .iter()
            .any(|r| r.path == "/helsingor" && r.body.contains(&held)),
        "the disabled endpoint was called"
    );
    let log = app
        .gql_ok(Some(&admin), DELIVERIES, json!({ "endpoint": endpoint }))
        .await;
    let edges = log["webhookDeliveries"]["edges"].as_array().unwrap();
    assert_eq!(
        edges.len(),
        3,
        "the deliveries from before it was disabled: {log}"
    );
    // Each delivery links to its endpoint, as it now is (disabled).
    assert!(
        edges
            .iter()
            .all(|e| e["node"]["endpoint"]["id"] == endpoint.as_str()
                && e["node"]["endpoint"]["enabled"] == false),
        "{log}"
    );
    assert!(
        edges
            .iter()
            .all(|e| !e["node"]["payload"].as_str().unwrap().contains(&held)),
        "no delivery is made for a disabled endpoint: {log}"
    );
    let witnessed = app
        .gql_ok(Some(&admin), DELIVERIES, json!({ "endpoint": witness }))
        .await;
    assert!(
        witnessed["webhookDeliveries"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["node"]["status"] == "DELIVERED"),
        "{witnessed}"
    );

    // The other tenant's endpoint was never called with helsingor's events.
    assert!(
        receiver
            .received()
            .iter()
            .all(|r| r.path == "/helsingor" || r.path == "/witness"),
        "an event crossed tenants"
    );
    app.stop().await;
    receiver.stop().await;
}
on_both!(deliveries_are_signed_retried_under_one_id_and_logged);

async fn the_outbox_survives_a_stopped_worker_and_a_crash_mid_attempt(db: Db) {
    // The first request of every webhook-id hangs longer than the sender waits.
    let receiver = Receiver::start(Behaviour::HangFirst(Duration::from_secs(20))).await;

    // 1. Worker off: changes are committed and acknowledged, nothing is sent.
    let app = webhook_app(&db, false).await;
    let admin = app.admin("helsingor").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let (_, secret) = register(&app, &admin, &format!("{}/in", receiver.url)).await;
    let mut referrals = Vec::new();
    for _ in 0..3 {
        let id = submit(&app, &referrer).await;
        accept(&app, &coordinator, &id).await;
        referrals.push(id);
    }
    // One more event, made unreadable: it must not block the others.
    let poisoned = submit(&app, &referrer).await;
    let changed = app
        .owner_execute(&format!(
            "UPDATE outbox_events SET payload = 'not json' WHERE payload LIKE '%{}%'",
            uuid_of(&poisoned)
        ))
        .await;
    assert_eq!(changed, 1);
    let pending = app
        .owner_texts(
            "SELECT CAST(count(*) AS TEXT) AS v FROM outbox_events WHERE dispatched_at IS NULL",
        )
        .await;
    assert_eq!(pending, vec!["7".to_owned()]);
    assert!(receiver.received().is_empty());
    let mut settings = app.halt().await;

    // 2. Worker on, but every first attempt hangs: the worker is stopped mid-attempt, before
    //    it could record anything (as in a crash).
    settings.webhook_worker = true;
    settings.webhook_timeout_seconds = 2;
    settings.webhook_lease_seconds = 3;
    settings.demo_seed = Some(false);
    let app = TestApp::spawn_with(settings.clone()).await;
    receiver
        .wait_until(Duration::from_secs(30), |r| by_id(r).len() == 6)
        .await;
    let settings = app.halt().await;
    assert!(delivered_ids(&receiver.received()).is_empty());

    // 3. Restarted: every event is delivered, each under the one webhook-id it first had.
    let app = TestApp::spawn_with(settings).await;
    let received = receiver
        .wait_until(Duration::from_secs(60), |r| delivered_ids(r).len() == 6)
        .await;
    let groups = by_id(&received);
    assert_eq!(groups.len(), 6, "one id per event: {groups:#?}");
    for (id, requests) in &groups {
        assert!(requests.len() >= 2, "{id} was retried after the crash");
        assert!(requests.iter().all(|r| r.body == requests[0].body));
        assert!(requests.iter().all(|r| verifies(&secret, r)));
    }
    for referral in &referrals {
        let types: BTreeSet<String> = groups
            .values()
            .map(|rs| rs[0].json())
            .filter(|b| b["data"]["referralId"] == uuid_of(referral))
            .map(|b| b["type"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(types.len(), 2, "{referral}: {types:?}");
    }
    assert!(
        received
            .iter()
            .all(|r| !r.body.contains(&uuid_of(&poisoned)))
    );
    // The delivery log shows the attempts that were in flight at the crash, as interrupted,
    // before the one that delivered.
    let admin = app.admin("helsingor").await;
    let mut logs = Vec::new();
    for _ in 0..100 {
        let data = app.gql_ok(Some(&admin), LOGS, json!({})).await;
        logs = data["webhookDeliveries"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .collect();
        if logs.len() == 6 && logs.iter().all(|n| n["status"] == "DELIVERED") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(logs.len(), 6);
    for node in &logs {
        let log = node["attemptLog"].as_array().unwrap();
        assert!(log.len() >= 2, "{node}");
        assert_eq!(log[0]["number"], 1);
        assert_eq!(log[0]["outcome"], "INTERRUPTED", "{node}");
        assert!(log[0]["finishedAt"].is_string());
        assert_eq!(log.last().unwrap()["outcome"], "DELIVERED", "{node}");
        assert_eq!(node["attempts"], log.len(), "{node}");
    }
    let pending = app
        .owner_texts(
            "SELECT CAST(count(*) AS TEXT) AS v FROM outbox_events WHERE dispatched_at IS NULL",
        )
        .await;
    assert_eq!(pending, vec!["0".to_owned()]);
    app.stop().await;
    receiver.stop().await;
}
on_both!(the_outbox_survives_a_stopped_worker_and_a_crash_mid_attempt);

async fn finished_deliveries_and_their_events_are_pruned_after_the_retention(db: Db) {
    let ok = Receiver::start(Behaviour::FailFirst(0)).await;
    let down = Receiver::start(Behaviour::FailFirst(usize::MAX)).await;
    let mut settings = test_settings(&db).await;
    settings.webhook_allow_private_targets = true;
    settings.webhook_allow_http = true;
    settings.webhook_poll_interval_ms = 100;
    settings.webhook_retry_base_ms = 200;
    settings.event_retention_days = 0;
    settings.event_prune_interval_seconds = 1;
    let app = TestApp::spawn_with(settings).await;
    let admin = app.admin("helsingor").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    register(&app, &admin, &format!("{}/ok", ok.url)).await;
    register(&app, &admin, &format!("{}/down", down.url)).await;
    submit(&app, &referrer).await;
    ok.wait_until(Duration::from_secs(30), |r| delivered_ids(r).len() == 1)
        .await;
    // The delivered one goes; the one still being retried, and the event it needs, stay.
    let count = |table: &'static str| {
        let app = &app;
        async move {
            app.owner_texts(&format!("SELECT CAST(count(*) AS TEXT) AS v FROM {table}"))
                .await
                .remove(0)
        }
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (deliveries, events) = (
            count("webhook_deliveries").await,
            count("outbox_events").await,
        );
        if deliveries == "1" && events == "1" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not pruned: {deliveries} deliveries, {events} events"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let left = app
        .gql_ok(Some(&admin), DELIVERIES, json!({ "endpoint": null }))
        .await;
    assert_eq!(
        left["webhookDeliveries"]["edges"][0]["node"]["status"],
        "PENDING"
    );
    app.stop().await;
    ok.stop().await;
    down.stop().await;
}
on_both!(finished_deliveries_and_their_events_are_pruned_after_the_retention);
