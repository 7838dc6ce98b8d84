//! Consent that binds (issue 13): withdrawing REFERRAL_PROCESSING ends every open referral of
//! the citizen in the same transaction — active support included — with the move
//! CONSENT_WITHDRAWN, a feedback line the referrer reads in the closed loop, and the webhook
//! event; finished referrals stay as they were. The feedback line is stored sealed with the
//! citizen's key, so a dump does not hold it.

use peerbro_tests::{Db, TestApp, on_both, uuid_of};
use serde_json::{Value, json};

const SUBMIT: &str =
    "mutation($i: SubmitReferralInput!) { submitReferral(input: $i) { referral { id } } }";
const MOVE: &str =
    "mutation($i: MoveReferralInput!) { moveReferral(input: $i) { referral { state } } }";
const CONSENT: &str = "mutation($c: ID!, $p: ConsentPurpose!, $g: Boolean!) { recordConsent(input: { citizenId: $c, purpose: $p, given: $g, evidence: WRITTEN }) { history { purpose given } } }";
const STATUS: &str = "query($id: ID!) { referralStatus(id: $id) { state feedback } }";
const DETAIL: &str = "query($id: ID!) { referral(id: $id, purpose: REFERRAL_HANDLING) { citizenId state transitions { action to } } }";
/// What the referrer reads (`CONSENT_WITHDRAWN_FEEDBACK` in `domain/src/people/withdrawal.rs`).
const WHY: &str = "Borgeren har trukket sit samtykke til behandling af henvisningen tilbage; forløbet er afsluttet.";

async fn moved(app: &TestApp, coordinator: &str, input: Value) {
    app.gql_ok(Some(coordinator), MOVE, json!({ "i": input }))
        .await;
}

async fn peer_id(app: &TestApp, coordinator: &str) -> String {
    let data = app
        .gql_ok(
            Some(coordinator),
            "{ peerWorkers(purpose: COORDINATION, first: 100) { edges { node { id name status } } } }",
            json!({}),
        )
        .await;
    data["peerWorkers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["name"] == "Demo-peer")
        .unwrap()["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn open_matches(app: &TestApp, coordinator: &str, peer: &str) -> i64 {
    let places = app
        .gql_ok(
            Some(coordinator),
            "{ coordinatorDashboard { peerPlaces { peer { id } openMatches } } }",
            json!({}),
        )
        .await;
    places["coordinatorDashboard"]["peerPlaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["peer"]["id"] == peer)
        .unwrap()["openMatches"]
        .as_i64()
        .unwrap()
}

async fn withdrawing_referral_consent_ends_open_referrals(db: Db) {
    let app = TestApp::spawn(&db).await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let submit = |input: Value| {
        let (app, referrer) = (&app, &referrer);
        async move {
            app.gql_ok(Some(referrer), SUBMIT, json!({ "i": input }))
                .await["submitReferral"]["referral"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let first = submit(
        json!({ "newCitizen": { "name": "Selma Samtykke", "municipality": "Helsingør" },
                               "consentEvidence": "WRITTEN" }),
    )
    .await;
    let citizen = app
        .gql_ok(Some(&coordinator), DETAIL, json!({ "id": first }))
        .await["referral"]["citizenId"]
        .as_str()
        .unwrap()
        .to_owned();
    let again = || json!({ "citizenId": citizen, "consentEvidence": "WRITTEN" });
    let active = submit(again()).await;
    let declined = submit(again()).await;

    // The first is accepted with a feedback line: the referrer reads it, a dump does not hold
    // it.
    let line = "Tilbagemelding-9d41 vi ringer torsdag";
    moved(
        &app,
        &coordinator,
        json!({ "referralId": first, "action": "ACCEPT", "feedback": line }),
    )
    .await;
    let seen = app
        .gql_ok(Some(&referrer), STATUS, json!({ "id": first }))
        .await;
    assert_eq!(seen["referralStatus"]["feedback"], line);
    let dump = app.dump().await;
    assert!(
        !dump.windows(line.len()).any(|w| w == line.as_bytes()),
        "the feedback line is sealed"
    );
    // The second runs to active support with the demo peer; the third is declined.
    let peer = peer_id(&app, &coordinator).await;
    for input in [
        json!({ "referralId": active, "action": "ACCEPT" }),
        json!({ "referralId": active, "action": "ASSIGN", "peerId": peer }),
        json!({ "referralId": active, "action": "RECORD_CONTACT" }),
        json!({ "referralId": active, "action": "START" }),
        json!({ "referralId": declined, "action": "DECLINE", "declineReason": "OUTSIDE_TARGET_GROUP" }),
    ] {
        moved(&app, &coordinator, input).await;
    }

    let held = open_matches(&app, &coordinator, &peer).await;

    // Nobody makes the platform's move by hand.
    let (_, body) = app
        .gql(
            Some(&coordinator),
            MOVE,
            json!({ "i": { "referralId": first, "action": "CONSENT_WITHDRAWN" } }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
    // Another partnership's admin cannot withdraw for this citizen: not found, nothing ends.
    let other = app.admin("kobenhavn").await;
    let (_, body) = app
        .gql(
            Some(&other),
            CONSENT,
            json!({ "c": citizen, "p": "REFERRAL_PROCESSING", "g": false }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{body}"
    );
    // Nor can the referrer.
    let (_, body) = app
        .gql(
            Some(&referrer),
            CONSENT,
            json!({ "c": citizen, "p": "REFERRAL_PROCESSING", "g": false }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
    let state = |id: &str| {
        let (app, coordinator, id) = (&app, &coordinator, id.to_owned());
        async move {
            app.gql_ok(Some(coordinator), DETAIL, json!({ "id": id }))
                .await["referral"]
                .clone()
        }
    };
    assert_eq!(state(&first).await["state"], "ACCEPTED");
    assert_eq!(state(&active).await["state"], "ACTIVE");

    // Withdrawing another purpose ends nothing.
    app.gql_ok(
        Some(&coordinator),
        CONSENT,
        json!({ "c": citizen, "p": "CONTACT", "g": false }),
    )
    .await;
    assert_eq!(state(&active).await["state"], "ACTIVE");

    // The citizen withdraws consent to referral processing, recorded by the coordinator.
    app.gql_ok(
        Some(&coordinator),
        CONSENT,
        json!({ "c": citizen, "p": "REFERRAL_PROCESSING", "g": false }),
    )
    .await;
    for id in [&first, &active] {
        let detail = state(id).await;
        assert_eq!(detail["state"], "WITHDRAWN", "{detail}");
        let last = detail["transitions"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["action"], "CONSENT_WITHDRAWN");
        // The referrer sees why in the closed loop.
        let seen = app
            .gql_ok(Some(&referrer), STATUS, json!({ "id": id }))
            .await;
        assert_eq!(seen["referralStatus"]["state"], "WITHDRAWN");
        assert_eq!(seen["referralStatus"]["feedback"], WHY);
    }
    assert_eq!(state(&declined).await["state"], "DECLINED");
    // The webhook announces both endings.
    let events = app
        .owner_texts(
            "SELECT payload AS v FROM outbox_events WHERE payload LIKE '%CONSENT_WITHDRAWN%'",
        )
        .await;
    assert_eq!(events.len(), 2, "{events:?}");
    for (event, id) in events.iter().zip([&first, &active]) {
        let event: Value = serde_json::from_str(event).unwrap();
        assert_eq!(event["state"], "WITHDRAWN");
        assert_eq!(event["fhirTaskStatus"], "cancelled");
        assert!(
            events.iter().any(|e| e.contains(&uuid_of(id))),
            "{id} announced"
        );
    }
    // The peer's place is free again.
    assert_eq!(open_matches(&app, &coordinator, &peer).await, held - 1);
    // And no new referral is taken without the consent.
    assert_eq!(
        app.gql_code(Some(&referrer), SUBMIT, json!({ "i": again() }))
            .await,
        "CONFLICT"
    );
}

on_both!(withdrawing_referral_consent_ends_open_referrals);

async fn studies_of(app: &TestApp, coordinator: &str, path: &str) -> Value {
    app.get(path, Some(coordinator)).await.body["studies"].clone()
}

async fn withdrawing_research_participation_leaves_every_study(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let referral = app
        .gql_ok(
            Some(&referrer),
            SUBMIT,
            json!({ "i": { "newCitizen": { "name": "Frida Forskning", "municipality": "Helsingør" }, "consentEvidence": "WRITTEN" } }),
        )
        .await["submitReferral"]["referral"]["id"]
        .clone();
    let citizen = app
        .gql_ok(Some(&coordinator), DETAIL, json!({ "id": referral }))
        .await["referral"]["citizenId"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut studies = Vec::new();
    for title in ["Studie om fællesskab", "Studie om søvn"] {
        let study = app
            .gql_ok(
                Some(&admin),
                "mutation($i: CreateStudyInput!) { createStudy(input: $i) { study { id } } }",
                json!({ "i": {
                    "title": title, "startsOn": "2026-01-01", "endsOn": "2030-12-31",
                    "protocolReference": "PROT-2026-09", "ethicsReference": "VEK H-26019999",
                    "dataController": "Københavns Universitet", "informationSheetVersion": 1,
                }}),
            )
            .await["createStudy"]["study"]["id"]
            .clone();
        app.gql_ok(
            Some(&coordinator),
            "mutation($s: ID!, $c: ID!) { recordStudyConsent(input: { studyId: $s, citizenId: $c, given: true }) { given } }",
            json!({ "s": study, "c": citizen }),
        )
        .await;
        studies.push(study);
    }
    // She already left the second study herself.
    app.gql_ok(
        Some(&coordinator),
        "mutation($s: ID!, $c: ID!) { recordStudyConsent(input: { studyId: $s, citizenId: $c, given: false }) { given } }",
        json!({ "s": studies[1], "c": citizen }),
    )
    .await;
    let path = format!("/api/v1/citizens/{}/export", uuid_of(&citizen));
    // Withdrawing another purpose leaves the studies alone.
    app.gql_ok(
        Some(&coordinator),
        CONSENT,
        json!({ "c": citizen, "p": "CONTACT", "g": false }),
    )
    .await;
    assert_eq!(
        studies_of(&app, &coordinator, &path)
            .await
            .as_array()
            .unwrap()
            .len(),
        3
    );

    app.gql_ok(
        Some(&coordinator),
        CONSENT,
        json!({ "c": citizen, "p": "RESEARCH_PARTICIPATION", "g": false }),
    )
    .await;
    let after = studies_of(&app, &coordinator, &path).await;
    let rows: Vec<(String, bool)> = after
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["study"].as_str().unwrap().to_owned(),
                r["given"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Studie om fællesskab".to_owned(), true),
            ("Studie om søvn".to_owned(), true),
            ("Studie om søvn".to_owned(), false),
            ("Studie om fællesskab".to_owned(), false),
        ],
        "only the consent in force is withdrawn, once"
    );
}

on_both!(withdrawing_research_participation_leaves_every_study);
