//! Every id in every input resolves inside the caller's tenant before anything is written:
//! tenant B naming any of tenant A's rows — alone, or beside B's own — is answered
//! `NOT_FOUND` (never `INTERNAL`, never a write), through every mutation that takes an id.

use std::time::Duration;

use peerbro_tests::{Db, StatusCode, TestApp, on_both, test_settings, uuid_of};
use serde_json::{Value, json};

/// One tenant's rows of every kind.
struct Rows {
    org: String,
    unit: String,
    user: String,
    citizen: String,
    peer: String,
    paid_peer: String,
    course: String,
    session: String,
    cafe: String,
    referral: String,
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

fn nodes(v: &Value) -> Vec<Value> {
    v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

const SUBMIT: &str =
    "mutation($i: SubmitReferralInput!) { submitReferral(input: $i) { referral { id } } }";
const MOVE: &str =
    "mutation($i: MoveReferralInput!) { moveReferral(input: $i) { referral { id state } } }";

async fn rows(app: &TestApp, slug: &str) -> Rows {
    let admin = app.admin(slug).await;
    let data = app
        .gql_ok(
            Some(&admin),
            "{ organisations(first: 50) { edges { node { id kind } } }
               users(first: 50) { edges { node { id roles } } }
               citizens(purpose: COORDINATION, first: 50) { edges { node { id } } }
               peerWorkers(purpose: COORDINATION, first: 50) { edges { node { id kind status } } }
               offers(first: 50) { edges { node { id kind sessions { id } } } } }",
            json!({}),
        )
        .await;
    let orgs = nodes(&data["organisations"]);
    let peers = nodes(&data["peerWorkers"]);
    let offers = nodes(&data["offers"]);
    let course = offers.iter().find(|o| o["kind"] == "GROUP_COURSE").unwrap();
    // A referral of the tenant's own, accepted, for moves that name the other tenant's rows.
    let referrer = app.token(slug, &format!("caseworker@{slug}.demo")).await;
    let submitted = app
        .gql_ok(
            Some(&referrer),
            SUBMIT,
            json!({ "i": { "newCitizen": { "name": "Testperson Fremmed", "municipality": "X" },
                           "consentEvidence": "WRITTEN" } }),
        )
        .await;
    let referral = submitted["submitReferral"]["referral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.gql_ok(
        Some(&admin),
        MOVE,
        json!({ "i": { "referralId": referral, "action": "ACCEPT" } }),
    )
    .await;
    Rows {
        org: id_of(&orgs[0]),
        unit: id_of(
            orgs.iter()
                .find(|o| o["kind"] == "HOSPITAL_PSYCHIATRY_UNIT")
                .unwrap(),
        ),
        user: id_of(
            &nodes(&data["users"])
                .into_iter()
                .find(|u| u["roles"] == json!(["PEER"]))
                .unwrap(),
        ),
        citizen: id_of(&nodes(&data["citizens"])[0]),
        peer: id_of(
            peers
                .iter()
                .find(|p| p["status"] == "ACTIVE" && p["kind"] == "VOLUNTARY")
                .unwrap(),
        ),
        paid_peer: id_of(peers.iter().find(|p| p["kind"] == "PAID").unwrap()),
        course: id_of(course),
        session: id_of(&course["sessions"][0]),
        cafe: id_of(
            offers
                .iter()
                .find(|o| o["kind"] == "RECOVERY_CAFE")
                .unwrap(),
        ),
        referral,
    }
}

/// A's rows that only exist once made: an enrolment, a webhook endpoint with a delivery, an
/// API client.
async fn made_in_a(app: &TestApp, a: &Rows) -> (String, String, String, String) {
    let admin = app.admin("helsingor").await;
    let enrolment = app
        .gql_ok(
            Some(&admin),
            "mutation($o: ID!, $c: ID!) { enrolCitizen(input: { offerId: $o, citizenId: $c }) { enrolment { id } } }",
            json!({ "o": a.course, "c": a.citizen }),
        )
        .await["enrolCitizen"]["enrolment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let endpoint = app
        .gql_ok(
            Some(&admin),
            "mutation { createWebhookEndpoint(input: { url: \"https://192.0.2.10/hook\", eventTypes: [REFERRAL_STATUS_CHANGED] }) { endpoint { id } } }",
            json!({}),
        )
        .await["createWebhookEndpoint"]["endpoint"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.gql_ok(
        Some(&admin),
        MOVE,
        json!({ "i": { "referralId": a.referral, "action": "DECLINE", "declineReason": "NO_CAPACITY" } }),
    )
    .await;
    let mut delivery = None;
    for _ in 0..100 {
        let data = app
            .gql_ok(
                Some(&admin),
                "{ webhookDeliveries(first: 1) { edges { node { id } } } }",
                json!({}),
            )
            .await;
        if let Some(d) = nodes(&data["webhookDeliveries"]).first() {
            delivery = Some(id_of(d));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (client, _) = app.register_api_client(&admin).await;
    (
        enrolment,
        endpoint,
        delivery.expect("a delivery was made"),
        client,
    )
}

async fn another_tenants_ids_in_any_input_are_not_found_and_change_nothing(db: Db) {
    let mut settings = test_settings(&db).await;
    settings.webhook_allow_private_targets = true;
    settings.webhook_poll_interval_ms = 100;
    settings.webhook_timeout_seconds = 1;
    settings.webhook_lease_seconds = 3600;
    let app = TestApp::spawn_with(settings).await;
    let a = rows(&app, "helsingor").await;
    let b = rows(&app, "kobenhavn").await;
    let (enrolment, endpoint, delivery, client) = made_in_a(&app, &a).await;
    // The rest runs without the worker, so that nothing but the attempts below could write.
    let mut settings = app.halt().await;
    settings.webhook_worker = false;
    settings.demo_seed = Some(false);
    let app = TestApp::spawn_with(settings).await;
    let admin = app.admin("kobenhavn").await;
    let referrer = app.token("kobenhavn", "caseworker@kobenhavn.demo").await;
    // Long past, so that no "not in the future" rule can answer first, whatever day the test
    // runs on.
    let date = "2001-03-05";
    let cases: Vec<(&str, &str, Value)> = vec![
        (
            "updateOrganisation",
            "mutation($i: UpdateOrganisationInput!) { updateOrganisation(input: $i) { organisation { id } } }",
            json!({ "i": { "organisationId": a.org, "name": "Overtaget" } }),
        ),
        (
            "inviteUser",
            "mutation($i: InviteUserInput!) { inviteUser(input: $i) { user { id } } }",
            json!({ "i": { "email": "x@example.dk", "displayName": "X", "roles": ["PEER"], "organisationId": a.org } }),
        ),
        (
            "grantRole",
            "mutation($i: RoleChangeInput!) { grantRole(input: $i) { user { id } } }",
            json!({ "i": { "userId": a.user, "role": "COORDINATOR" } }),
        ),
        (
            "revokeRole",
            "mutation($i: RoleChangeInput!) { revokeRole(input: $i) { user { id } } }",
            json!({ "i": { "userId": a.user, "role": "PEER" } }),
        ),
        (
            "updateCitizen",
            "mutation($i: UpdateCitizenInput!) { updateCitizen(input: $i) { citizen { id } } }",
            json!({ "i": { "citizenId": a.citizen, "name": "Ny" } }),
        ),
        (
            "recordConsent",
            "mutation($i: RecordConsentInput!) { recordConsent(input: $i) { history { purpose } } }",
            json!({ "i": { "citizenId": a.citizen, "purpose": "CONTACT", "given": false, "evidence": "WRITTEN" } }),
        ),
        (
            "eraseCitizen",
            "mutation($id: ID!) { eraseCitizen(input: { citizenId: $id }) { citizen { id } } }",
            json!({ "id": a.citizen }),
        ),
        (
            "registerPeerWorker (organisation)",
            "mutation($i: RegisterPeerWorkerInput!) { registerPeerWorker(input: $i) { peerWorker { id } } }",
            json!({ "i": { "kind": "VOLUNTARY", "name": "X", "organisationId": a.org } }),
        ),
        (
            "registerPeerWorker (user)",
            "mutation($i: RegisterPeerWorkerInput!) { registerPeerWorker(input: $i) { peerWorker { id } } }",
            json!({ "i": { "kind": "VOLUNTARY", "name": "X", "organisationId": b.org, "userId": a.user } }),
        ),
        (
            "changePeerStatus",
            "mutation($i: ChangePeerStatusInput!) { changePeerStatus(input: $i) { peerWorker { id } } }",
            json!({ "i": { "peerId": a.peer, "action": "PAUSE" } }),
        ),
        (
            "recordScreening",
            "mutation($i: RecordScreeningInput!) { recordScreening(input: $i) { peerWorker { id } } }",
            json!({ "i": { "peerId": a.peer, "heldOn": date, "outcome": "APPROVED" } }),
        ),
        (
            "recordCertificate",
            "mutation($i: RecordCertificateInput!) { recordCertificate(input: $i) { peerWorker { id } } }",
            json!({ "i": { "peerId": a.peer, "kind": "CRIMINAL_RECORD", "checkedOn": date, "result": "CLEAR" } }),
        ),
        (
            "recordTraining",
            "mutation($i: RecordTrainingInput!) { recordTraining(input: $i) { peerWorker { id } } }",
            json!({ "i": { "peerId": a.peer, "course": "X", "completedOn": date } }),
        ),
        (
            "recordSupervision",
            "mutation($i: RecordSupervisionInput!) { recordSupervision(input: $i) { supervisionSession { id } } }",
            json!({ "i": { "heldOn": date, "format": "GROUP", "attendeeIds": [b.peer, a.peer] } }),
        ),
        (
            "createPlacement (peer)",
            "mutation($i: CreatePlacementInput!) { createPlacement(input: $i) { placement { id } } }",
            json!({ "i": { "peerId": a.paid_peer, "unitId": b.unit, "ward": "W", "startsOn": date, "weeklyHours": 2.0, "wardContact": "K", "supervisionArrangement": "S" } }),
        ),
        (
            "createPlacement (unit)",
            "mutation($i: CreatePlacementInput!) { createPlacement(input: $i) { placement { id } } }",
            json!({ "i": { "peerId": b.paid_peer, "unitId": a.unit, "ward": "W", "startsOn": date, "weeklyHours": 2.0, "wardContact": "K", "supervisionArrangement": "S" } }),
        ),
        (
            "moveReferral (referral)",
            MOVE,
            json!({ "i": { "referralId": a.referral, "action": "WITHDRAW" } }),
        ),
        (
            "moveReferral (course)",
            MOVE,
            json!({ "i": { "referralId": b.referral, "action": "ASSIGN", "courseId": a.course } }),
        ),
        (
            "moveReferral (peer)",
            MOVE,
            json!({ "i": { "referralId": b.referral, "action": "ASSIGN", "peerId": a.peer } }),
        ),
        (
            "updateWebhookEndpoint",
            "mutation($id: ID!) { updateWebhookEndpoint(input: { endpointId: $id, enabled: false }) { endpoint { id } } }",
            json!({ "id": endpoint }),
        ),
        (
            "rotateWebhookSecret",
            "mutation($id: ID!) { rotateWebhookSecret(input: { endpointId: $id }) { secret } }",
            json!({ "id": endpoint }),
        ),
        (
            "redeliverWebhook",
            "mutation($id: ID!) { redeliverWebhook(input: { deliveryId: $id }) { delivery { id } } }",
            json!({ "id": delivery }),
        ),
        (
            "registerApiClient",
            "mutation($o: ID!) { registerApiClient(input: { organisationId: $o, name: \"X\" }) { clientSecret } }",
            json!({ "o": a.org }),
        ),
        (
            "rotateApiClientSecret",
            "mutation($id: ID!) { rotateApiClientSecret(input: { apiClientId: $id }) { clientSecret } }",
            json!({ "id": client }),
        ),
        (
            "revokeApiClient",
            "mutation($id: ID!) { revokeApiClient(input: { apiClientId: $id }) { apiClient { id } } }",
            json!({ "id": client }),
        ),
        (
            "createOffer (organisation)",
            "mutation($i: CreateOfferInput!) { createOffer(input: $i) { offer { id } } }",
            json!({ "i": { "organisationId": a.org, "kind": "RECOVERY_CAFE", "title": "X", "location": "Y" } }),
        ),
        (
            "createOffer (facilitator)",
            "mutation($i: CreateOfferInput!) { createOffer(input: $i) { offer { id } } }",
            json!({ "i": { "organisationId": b.org, "kind": "GROUP_COURSE", "title": "X", "location": "Y", "capacity": 8,
                        "facilitatorIds": [b.peer, a.peer],
                        "schedule": { "startsOn": date, "weekday": "MONDAY", "startTime": "10:00:00" } } }),
        ),
        (
            "setOfferOpen",
            "mutation($id: ID!) { setOfferOpen(input: { offerId: $id, open: false }) { offer { id } } }",
            json!({ "id": a.course }),
        ),
        (
            "enrolCitizen (offer)",
            "mutation($o: ID!, $c: ID!) { enrolCitizen(input: { offerId: $o, citizenId: $c }) { enrolment { id } } }",
            json!({ "o": a.course, "c": b.citizen }),
        ),
        (
            "enrolCitizen (citizen)",
            "mutation($o: ID!, $c: ID!) { enrolCitizen(input: { offerId: $o, citizenId: $c }) { enrolment { id } } }",
            json!({ "o": b.course, "c": a.citizen }),
        ),
        (
            "withdrawEnrolment",
            "mutation($id: ID!) { withdrawEnrolment(input: { enrolmentId: $id }) { withdrawn { id } } }",
            json!({ "id": enrolment }),
        ),
        (
            "recordAttendance (session)",
            "mutation($s: ID!, $c: ID!) { recordAttendance(input: { sessionId: $s, marks: [{ citizenId: $c, present: true }] }) { marks { present } } }",
            json!({ "s": a.session, "c": b.citizen }),
        ),
        (
            "recordAttendance (citizen)",
            "mutation($s: ID!, $c: ID!) { recordAttendance(input: { sessionId: $s, marks: [{ citizenId: $c, present: true }] }) { marks { present } } }",
            json!({ "s": b.session, "c": a.citizen }),
        ),
        (
            "recordCafeHeadcount",
            "mutation($o: ID!) { recordCafeHeadcount(input: { offerId: $o, heldOn: \"2001-03-05\", headcount: 5 }) { cafeHeadcount { headcount } } }",
            json!({ "o": a.cafe }),
        ),
        (
            "logMeeting",
            "mutation($i: LogMeetingInput!) { logMeeting(input: $i) { meeting { id } } }",
            json!({ "i": { "referralId": a.referral, "heldOn": date, "durationMinutes": 60, "form": "WALK" } }),
        ),
    ];
    let referrer_cases: Vec<(&str, Value)> = vec![
        (
            "submitReferral (citizen)",
            json!({ "i": { "citizenId": a.citizen, "consentEvidence": "WRITTEN", "contactConsent": false } }),
        ),
        (
            "submitReferral (offer)",
            json!({ "i": { "newCitizen": { "name": "Y", "municipality": "Z" }, "consentEvidence": "WRITTEN", "offerId": a.course } }),
        ),
    ];
    let before = app.data_snapshot().await;
    let mut wrong = Vec::new();
    for (name, query, vars) in &cases {
        let (status, body) = app.gql(Some(&admin), query, vars.clone()).await;
        let code = &body["errors"][0]["extensions"]["code"];
        if status != StatusCode::OK || code != "NOT_FOUND" {
            wrong.push(format!("{name}: {status} {body}"));
        }
    }
    for (name, vars) in &referrer_cases {
        let (_, body) = app.gql(Some(&referrer), SUBMIT, vars.clone()).await;
        if body["errors"][0]["extensions"]["code"] != "NOT_FOUND" {
            wrong.push(format!("{name}: {body}"));
        }
    }
    // REST: a partner naming A's offer, organisation and referral.
    for (method, path, body) in [
        (
            reqwest::Method::POST,
            "/api/v1/referrals".to_owned(),
            Some(
                json!({ "newCitizen": { "name": "Y", "municipality": "Z" }, "consentEvidence": "WRITTEN", "offerId": uuid_of(&a.course) }),
            ),
        ),
        (
            reqwest::Method::PATCH,
            format!("/api/v1/organisations/{}", uuid_of(&a.org)),
            Some(json!({ "name": "Overtaget" })),
        ),
        (
            reqwest::Method::GET,
            format!("/api/v1/offers/{}", uuid_of(&a.course)),
            None,
        ),
        (
            reqwest::Method::GET,
            format!("/api/v1/referrals/{}", uuid_of(&a.referral)),
            None,
        ),
    ] {
        let token = if method == reqwest::Method::POST {
            &referrer
        } else {
            &admin
        };
        let mut req = app.request(method, &path).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let problem: Value = res.json().await.unwrap();
        if status != StatusCode::NOT_FOUND || problem["code"] != "NOT_FOUND" {
            wrong.push(format!("{path}: {status} {problem}"));
        }
    }
    assert!(wrong.is_empty(), "not NOT_FOUND:\n{}", wrong.join("\n"));
    let after = app.data_snapshot().await;
    let changed: Vec<&str> = after
        .lines()
        .filter(|l| !before.lines().any(|b| b == *l))
        .chain(before.lines().filter(|l| !after.lines().any(|a| a == *l)))
        .collect();
    assert!(
        changed.is_empty(),
        "a refused request changed the database:\n{}",
        changed.join("\n")
    );
    app.stop().await;
}

on_both!(another_tenants_ids_in_any_input_are_not_found_and_change_nothing);
