//! The tenant admin's and coordinator's corrections: a peer's profile, an offer (a course
//! that grows takes its waiting list in order), a cancelled session the citizens see; who
//! may, at the limits, and tenant isolation.

use chrono::{Datelike as _, Duration, Utc};
use peerbro_tests::{Db, TestApp, on_both};
use serde_json::{Value, json};

const UPDATE_PEER: &str = "mutation($i: UpdatePeerWorkerInput!) { updatePeerWorker(input: $i) { peerWorker { id name contact languages offerKinds maxMatches } } }";
const UPDATE_OFFER: &str = "mutation($i: UpdateOfferInput!) { updateOffer(input: $i) { offer { id title location online capacity openAccess } promoted { citizenId status } } }";
const CANCEL: &str = "mutation($id: ID!) { cancelCourseSession(input: { sessionId: $id }) { session { id date cancelledAt } } }";

fn code(body: &Value) -> (Option<&str>, Option<&str>) {
    let e = &body["errors"][0]["extensions"];
    (e["code"].as_str(), e["reason"].as_str())
}

async fn first_id(app: &TestApp, token: &str, query: &str, list: &str) -> String {
    app.gql_ok(Some(token), query, json!({})).await[list]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn peers_offers_and_sessions_are_corrected(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let other = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;

    // A peer's profile, field by field.
    let peers = "{ peerWorkers(purpose: COORDINATION, status: ACTIVE, first: 2) { edges { node { id } } } }";
    let data = app.gql_ok(Some(&coordinator), peers, json!({})).await;
    let ids: Vec<String> = data["peerWorkers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect();
    let changed = app
        .gql_ok(
            Some(&admin),
            UPDATE_PEER,
            json!({ "i": { "peerId": ids[0], "languages": ["dansk", "tigrinya"], "offerKinds": ["ONE_TO_ONE", "GROUP_COURSE"], "maxMatches": 10, "contact": null } }),
        )
        .await["updatePeerWorker"]["peerWorker"]
        .clone();
    assert_eq!(changed["languages"], json!(["dansk", "tigrinya"]));
    assert_eq!(changed["maxMatches"], 10);
    assert_eq!(changed["contact"], Value::Null);
    assert!(changed["name"].is_string(), "the name stays");
    for (token, vars, expected) in [
        (
            &coordinator,
            json!({ "i": { "peerId": ids[0] } }),
            (Some("VALIDATION"), None),
        ),
        (
            &coordinator,
            json!({ "i": { "peerId": ids[0], "maxMatches": 11 } }),
            (Some("VALIDATION"), None),
        ),
        (
            &coordinator,
            json!({ "i": { "peerId": ids[0], "maxMatches": 0 } }),
            (Some("VALIDATION"), None),
        ),
        (
            &coordinator,
            json!({ "i": { "peerId": ids[0], "name": "" } }),
            (Some("VALIDATION"), None),
        ),
        (
            &referrer,
            json!({ "i": { "peerId": ids[0], "maxMatches": 2 } }),
            (Some("FORBIDDEN"), None),
        ),
        (
            &peer,
            json!({ "i": { "peerId": ids[0], "maxMatches": 2 } }),
            (Some("FORBIDDEN"), None),
        ),
        (
            &other,
            json!({ "i": { "peerId": ids[0], "maxMatches": 2 } }),
            (Some("NOT_FOUND"), None),
        ),
    ] {
        let (_, body) = app.gql(Some(token), UPDATE_PEER, vars.clone()).await;
        assert_eq!(code(&body), expected, "{vars}: {body}");
    }
    let again = app
        .gql_ok(
            Some(&coordinator),
            "query($id: ID!) { peerWorker(id: $id, purpose: COORDINATION) { maxMatches languages } }",
            json!({ "id": ids[0] }),
        )
        .await;
    assert_eq!(
        again["peerWorker"]["maxMatches"], 10,
        "refusals changed nothing"
    );

    // A course of one place with three citizens: two wait. It grows to two, then three.
    let org = first_id(
        &app,
        &coordinator,
        "{ organisations(kind: NGO, first: 1) { edges { node { id } } } }",
        "organisations",
    )
    .await;
    let start = Utc::now().date_naive() + Duration::days(1);
    let weekday = [
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
        "SATURDAY",
        "SUNDAY",
    ][start.weekday().num_days_from_monday() as usize];
    let course = app
        .gql_ok(
            Some(&coordinator),
            "mutation($i: CreateOfferInput!) { createOffer(input: $i) { offer { id sessions { id date } } } }",
            json!({ "i": {
                "organisationId": org, "kind": "GROUP_COURSE", "title": "Kursus",
                "location": "Frivilligcentret", "capacity": 1, "facilitatorIds": ids,
                "schedule": { "startsOn": start.to_string(), "weekday": weekday, "startTime": "17:00" },
            }}),
        )
        .await["createOffer"]["offer"]
        .clone();
    let course_id = course["id"].as_str().unwrap().to_owned();
    let mut citizens = Vec::new();
    for name in ["Ane Et", "Bo To", "Cia Tre"] {
        let id = app
            .gql_ok(
                Some(&coordinator),
                "mutation($n: String!) { registerCitizen(input: { name: $n, municipality: \"Helsingør\" }) { citizen { id } } }",
                json!({ "n": name }),
            )
            .await["registerCitizen"]["citizen"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        app.gql_ok(
            Some(&coordinator),
            "mutation($o: ID!, $c: ID!) { enrolCitizen(input: { offerId: $o, citizenId: $c }) { enrolment { status } } }",
            json!({ "o": course_id, "c": id }),
        )
        .await;
        citizens.push(id);
    }
    let grown = app
        .gql_ok(
            Some(&coordinator),
            UPDATE_OFFER,
            json!({ "i": { "offerId": course_id, "capacity": 2, "title": "Kursus: Mit liv", "openAccess": true } }),
        )
        .await["updateOffer"]
        .clone();
    assert_eq!(grown["offer"]["capacity"], 2);
    assert_eq!(grown["offer"]["title"], "Kursus: Mit liv");
    assert_eq!(grown["offer"]["openAccess"], true);
    assert_eq!(
        grown["promoted"],
        json!([{ "citizenId": citizens[1], "status": "ENROLLED" }]),
        "the first waiting"
    );
    let online = app
        .gql_ok(
            Some(&admin),
            UPDATE_OFFER,
            json!({ "i": { "offerId": course_id, "location": null } }),
        )
        .await;
    assert_eq!(online["updateOffer"]["offer"]["online"], true);
    let chat = first_id(
        &app,
        &coordinator,
        "{ offers(kind: ANONYMOUS_CHAT, first: 1) { edges { node { id } } } }",
        "offers",
    )
    .await;
    for (token, vars, expected) in [
        (
            &coordinator,
            json!({ "i": { "offerId": course_id, "capacity": 1 } }),
            (Some("CONFLICT"), Some("CAPACITY")),
        ),
        (
            &coordinator,
            json!({ "i": { "offerId": course_id, "capacity": 51 } }),
            (Some("VALIDATION"), None),
        ),
        (
            &coordinator,
            json!({ "i": { "offerId": course_id, "title": "x".repeat(121) } }),
            (Some("VALIDATION"), None),
        ),
        (
            &coordinator,
            json!({ "i": { "offerId": chat, "capacity": 5 } }),
            (Some("VALIDATION"), None),
        ),
        (
            &coordinator,
            json!({ "i": { "offerId": course_id } }),
            (Some("VALIDATION"), None),
        ),
        (
            &peer,
            json!({ "i": { "offerId": course_id, "title": "Nej" } }),
            (Some("FORBIDDEN"), None),
        ),
        (
            &other,
            json!({ "i": { "offerId": course_id, "title": "Nej" } }),
            (Some("NOT_FOUND"), None),
        ),
    ] {
        let (_, body) = app.gql(Some(token), UPDATE_OFFER, vars.clone()).await;
        assert_eq!(code(&body), expected, "{vars}: {body}");
    }
    let at_limit = app
        .gql_ok(
            Some(&coordinator),
            UPDATE_OFFER,
            json!({ "i": { "offerId": course_id, "capacity": 50, "title": "x".repeat(120) } }),
        )
        .await;
    assert_eq!(
        at_limit["updateOffer"]["promoted"],
        json!([{ "citizenId": citizens[2], "status": "ENROLLED" }])
    );

    // Tomorrow's session is cancelled; the course's sessions show it to all who read them.
    let first_session = course["sessions"][0]["id"].as_str().unwrap().to_owned();
    let cancelled = app
        .gql_ok(Some(&coordinator), CANCEL, json!({ "id": first_session }))
        .await;
    assert!(cancelled["cancelCourseSession"]["session"]["cancelledAt"].is_string());
    let listed = app
        .gql_ok(
            Some(&coordinator),
            "query($id: ID!) { offer(id: $id) { sessions { id cancelledAt } } }",
            json!({ "id": course_id }),
        )
        .await;
    let sessions = listed["offer"]["sessions"].as_array().unwrap();
    assert!(sessions[0]["cancelledAt"].is_string());
    assert!(sessions[1..].iter().all(|s| s["cancelledAt"].is_null()));
    for (token, id, expected) in [
        (
            &coordinator,
            first_session.as_str(),
            (Some("CONFLICT"), Some("NOT_UPCOMING")),
        ),
        (
            &peer,
            sessions[1]["id"].as_str().unwrap(),
            (Some("FORBIDDEN"), None),
        ),
        (
            &other,
            sessions[1]["id"].as_str().unwrap(),
            (Some("NOT_FOUND"), None),
        ),
    ] {
        let (_, body) = app.gql(Some(token), CANCEL, json!({ "id": id })).await;
        assert_eq!(code(&body), expected, "{id}: {body}");
    }
    app.stop().await;
}

on_both!(peers_offers_and_sessions_are_corrected);
