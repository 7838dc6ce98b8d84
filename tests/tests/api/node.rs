//! Relay's `Node`: every id the GraphQL API hands out is an opaque global id, `node(id:)` reads
//! the object again by it under the rules of the object's own query, an id argument refuses the
//! id of another kind of object, and the bare UUIDs REST speaks are accepted for the same object.

use peerbro_tests::{Db, TestApp, on_both};
use reqwest::Method;
use serde_json::{Value, json};

const NODE: &str =
    "query($id: ID!, $p: AccessPurpose) { node(id: $id, purpose: $p) { __typename id } }";

fn code(body: &Value) -> (Option<&str>, Option<&str>) {
    let e = &body["errors"][0]["extensions"];
    (e["code"].as_str(), e["field"].as_str())
}

async fn ids(app: &TestApp, token: &str, query: &str, list: &str) -> Vec<String> {
    app.gql_ok(Some(token), query, json!({})).await[list]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn objects_are_read_again_by_their_global_ids(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let caseworker = app.token("helsingor", "caseworker@helsingor.demo").await;
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    let other = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;

    // A referral through REST: its id there is a bare UUID.
    let submitted: Value = app
        .request(Method::POST, "/api/v1/referrals")
        .bearer_auth(&caseworker)
        .json(&json!({
            "newCitizen": { "name": "Node Nielsen", "municipality": "Helsingør" },
            "consentEvidence": "WRITTEN",
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bare = submitted["id"].as_str().unwrap().to_owned();
    assert!(
        uuid::Uuid::parse_str(&bare).is_ok(),
        "REST speaks UUIDs: {submitted}"
    );

    // GraphQL takes that UUID for the same referral and answers with its opaque global id.
    let status = app
        .gql_ok(
            Some(&caseworker),
            "query($id: ID!) { referralStatus(id: $id) { id } }",
            json!({ "id": bare }),
        )
        .await["referralStatus"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        uuid::Uuid::parse_str(&status).is_err(),
        "opaque, not a UUID: {status}"
    );
    assert!(!status.contains(&bare));

    let offer = ids(
        &app,
        &coordinator,
        "{ offers(first: 1) { edges { node { id } } } }",
        "offers",
    )
    .await;
    let organisation = ids(
        &app,
        &admin,
        "{ organisations(first: 1) { edges { node { id } } } }",
        "organisations",
    )
    .await;
    let user = ids(
        &app,
        &admin,
        "{ users(first: 1) { edges { node { id } } } }",
        "users",
    )
    .await;
    let citizen = ids(
        &app,
        &coordinator,
        "{ citizens(purpose: COORDINATION, first: 1) { edges { node { id } } } }",
        "citizens",
    )
    .await;
    let peer_worker = ids(
        &app,
        &coordinator,
        "{ peerWorkers(purpose: COORDINATION, first: 1) { edges { node { id } } } }",
        "peerWorkers",
    )
    .await;
    let referral = ids(
        &app,
        &coordinator,
        "{ referralWorklist(first: 1) { edges { node { id } } } }",
        "referralWorklist",
    )
    .await;
    let tenant = app
        .gql_ok(Some(&admin), "{ tenant { id } }", json!({}))
        .await["tenant"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ids = [
        ("Offer", &coordinator, offer[0].clone(), None),
        ("Organisation", &admin, organisation[0].clone(), None),
        ("User", &admin, user[0].clone(), None),
        (
            "Citizen",
            &coordinator,
            citizen[0].clone(),
            Some("COORDINATION"),
        ),
        (
            "PeerWorker",
            &coordinator,
            peer_worker[0].clone(),
            Some("COORDINATION"),
        ),
        (
            "Referral",
            &coordinator,
            referral[0].clone(),
            Some("COORDINATION"),
        ),
        ("ReferralStatus", &caseworker, status.clone(), None),
        ("Tenant", &admin, tenant.clone(), None),
    ];
    let mut seen = std::collections::HashSet::new();
    for (kind, token, id, purpose) in &ids {
        assert!(seen.insert(id.clone()), "ids are unique across kinds");
        let data = app
            .gql_ok(Some(token), NODE, json!({ "id": id, "p": purpose }))
            .await;
        assert_eq!(data["node"]["__typename"], *kind, "{id}");
        assert_eq!(data["node"]["id"], **id, "node(id:) answers the same id");
        // Another partnership does not learn that it exists.
        let (_, body) = app
            .gql(Some(&other), NODE, json!({ "id": id, "p": purpose }))
            .await;
        assert_eq!(
            code(&body).0,
            Some("NOT_FOUND"),
            "{kind} across tenants: {body}"
        );
    }

    // The audited reads need a purpose; node follows each object's own rules of who may read.
    for (kind, _, id, _) in &ids[3..6] {
        let (_, body) = app.gql(Some(&coordinator), NODE, json!({ "id": id })).await;
        assert_eq!(
            code(&body),
            (Some("VALIDATION"), Some("purpose")),
            "{kind}: {body}"
        );
    }
    for (token, query, id) in [
        (
            &peer,
            "query($id: ID!) { citizen(id: $id, purpose: COORDINATION) { id } }",
            &citizen[0],
        ),
        (
            &caseworker,
            "query($id: ID!) { referral(id: $id, purpose: COORDINATION) { id } }",
            &referral[0],
        ),
        (
            &peer,
            "query($id: ID!) { referralStatus(id: $id) { id } }",
            &status,
        ),
    ] {
        let (_, direct) = app.gql(Some(token), query, json!({ "id": id })).await;
        let (_, via_node) = app
            .gql(Some(token), NODE, json!({ "id": id, "p": "COORDINATION" }))
            .await;
        assert!(
            code(&direct).0.is_some(),
            "the direct read is refused: {direct}"
        );
        assert_eq!(code(&via_node).0, code(&direct).0, "{query}: {via_node}");
    }

    // An argument refuses another kind's id, naming itself; garbage and bare UUIDs are not
    // global ids for node; ids of objects that are not Nodes are named as such.
    let (_, body) = app
        .gql(
            Some(&coordinator),
            "query($id: ID!) { offer(id: $id) { id } }",
            json!({ "id": citizen[0] }),
        )
        .await;
    assert_eq!(code(&body), (Some("VALIDATION"), Some("id")), "{body}");
    let sessions = app
        .gql_ok(
            Some(&coordinator),
            "{ offers(kind: GROUP_COURSE, first: 1) { edges { node { sessions { id } } } } }",
            json!({}),
        )
        .await;
    let session = sessions["offers"]["edges"][0]["node"]["sessions"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for id in ["not-an-id", &bare, &session, ""] {
        let (_, body) = app.gql(Some(&coordinator), NODE, json!({ "id": id })).await;
        assert_eq!(
            code(&body),
            (Some("VALIDATION"), Some("id")),
            "{id}: {body}"
        );
    }
    app.stop().await;
}

on_both!(objects_are_read_again_by_their_global_ids);
