//! The citizen app's screens: a citizen with an account refers themself to an open offer
//! (consenting digitally), follows and withdraws it; who may, at the limits, and tenant
//! isolation.

use peerbro_tests::{Db, TestApp, on_both};
use serde_json::{Value, json};

const REFER: &str = "mutation($i: ReferMyselfInput!) { referMyself(input: $i) { created referral { id state nextStep requestedOffer { id title } } } }";

/// A citizen user of `helsingor`, registered (or not) as a citizen; their token.
async fn citizen(app: &TestApp, admin: &str, email: &str, register: bool) -> String {
    app.gql_ok(
        Some(admin),
        "mutation($e: String!) { inviteUser(input: { email: $e, displayName: \"Borger\", roles: [CITIZEN] }) { id } }",
        json!({ "e": email }),
    )
    .await;
    let token = app.token("helsingor", email).await;
    if register {
        app.gql_ok(
            Some(&token),
            "mutation { registerSelf(input: { name: \"Sofie Selvhenvist\", municipality: \"Helsingør\" }) { id } }",
            json!({}),
        )
        .await;
    }
    token
}

async fn offer(app: &TestApp, coordinator: &str, title: &str) -> String {
    let org = app
        .gql_ok(
            Some(coordinator),
            "{ organisations(kind: NGO, first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await["organisations"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.gql_ok(
        Some(coordinator),
        "mutation($i: CreateOfferInput!) { createOffer(input: $i) { id } }",
        json!({ "i": { "organisationId": org, "offerType": "ONE_TO_ONE", "title": title, "location": "Helsingør" } }),
    )
    .await["createOffer"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn code_and_reason(body: &Value) -> (Option<&str>, Option<&str>) {
    let ext = &body["errors"][0]["extensions"];
    (ext["code"].as_str(), ext["reason"].as_str())
}

async fn a_citizen_refers_themself_follows_and_withdraws(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let me = citizen(&app, &admin, "sofie@example.dk", true).await;
    let unregistered = citizen(&app, &admin, "endnu@example.dk", false).await;
    let open = offer(&app, &coordinator, "Følgeskab i Helsingør").await;
    let closed = offer(&app, &coordinator, "Lukket tilbud").await;
    app.gql_ok(
        Some(&coordinator),
        "mutation($id: ID!) { setOfferOpen(id: $id, open: false) { open } }",
        json!({ "id": closed }),
    )
    .await;

    let input = |offer: &str, reason: &str| json!({ "i": { "offerId": offer, "reason": reason, "idempotencyKey": "app-1" } });
    let made = app
        .gql_ok(Some(&me), REFER, input(&open, &"å".repeat(2000)))
        .await["referMyself"]
        .clone();
    assert_eq!(made["created"], true);
    assert_eq!(made["referral"]["state"], "SUBMITTED");
    assert_eq!(made["referral"]["nextStep"], "AWAITING_TRIAGE");
    assert_eq!(made["referral"]["requestedOffer"]["id"], open.as_str());
    let id = made["referral"]["id"].as_str().unwrap().to_owned();
    // A retry of the app (same key and input) answers the same referral.
    let again = app
        .gql_ok(Some(&me), REFER, input(&open, &"å".repeat(2000)))
        .await;
    assert_eq!(again["referMyself"]["created"], false);
    assert_eq!(again["referMyself"]["referral"]["id"], id.as_str());

    // Their consents now hold processing and contact, given digitally by them.
    let mine = app
        .gql_ok(
            Some(&me),
            "{ me { id } myCitizen { consents { purpose given evidence recordedBy } } myReferrals { totalCount edges { node { id state } } } }",
            json!({}),
        )
        .await;
    let user = mine["me"]["id"].as_str().unwrap();
    for purpose in ["REFERRAL_PROCESSING", "CONTACT"] {
        let consent = mine["myCitizen"]["consents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["purpose"] == purpose)
            .unwrap_or_else(|| panic!("{purpose} in {mine}"));
        assert_eq!(consent["given"], true);
        assert_eq!(consent["evidence"], "DIGITAL");
        assert_eq!(consent["recordedBy"], user);
    }
    assert_eq!(mine["myReferrals"]["totalCount"], 1);
    assert_eq!(mine["myReferrals"]["edges"][0]["node"]["id"], id.as_str());
    // The coordinator finds it on the worklist, with the citizen's own words as its reason.
    let seen = app
        .gql_ok(
            Some(&coordinator),
            "query($id: ID!) { referral(id: $id, purpose: REFERRAL_HANDLING) { state reason requestedOffer { id } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(seen["referral"]["reason"], "å".repeat(2000));

    // Refused: one character too many, a closed offer, another tenant's offer, no citizen
    // record, other roles — and nothing is made.
    let other_tenant = offer(
        &app,
        &app.token("kobenhavn", "coordinator@kobenhavn.demo").await,
        "København",
    )
    .await;
    for (token, vars, expected) in [
        (
            &me,
            input(&open, &"å".repeat(2001)),
            (Some("VALIDATION"), None),
        ),
        (
            &me,
            json!({ "i": { "offerId": closed } }),
            (Some("CONFLICT"), Some("OFFER_CLOSED")),
        ),
        (
            &me,
            json!({ "i": { "offerId": other_tenant } }),
            (Some("NOT_FOUND"), None),
        ),
        (
            &me,
            json!({ "i": { "offerId": "nope" } }),
            (Some("VALIDATION"), None),
        ),
        (
            &me,
            input(&open, "en anden tekst"),
            (Some("CONFLICT"), Some("IDEMPOTENCY_KEY_REUSED")),
        ),
        (
            &unregistered,
            json!({ "i": { "offerId": open } }),
            (Some("CONFLICT"), Some("NOT_REGISTERED")),
        ),
        (
            &referrer,
            json!({ "i": { "offerId": open } }),
            (Some("FORBIDDEN"), None),
        ),
        (
            &coordinator,
            json!({ "i": { "offerId": open } }),
            (Some("FORBIDDEN"), None),
        ),
    ] {
        let (_, body) = app.gql(Some(token), REFER, vars.clone()).await;
        assert_eq!(code_and_reason(&body), expected, "{vars}: {body}");
    }
    let (_, body) = app
        .gql(None, REFER, json!({ "i": { "offerId": open } }))
        .await;
    assert_eq!(code_and_reason(&body).0, Some("UNAUTHENTICATED"));
    let count = app
        .gql_ok(Some(&me), "{ myReferrals { totalCount } }", json!({}))
        .await;
    assert_eq!(
        count["myReferrals"]["totalCount"], 1,
        "nothing more was made"
    );

    // The citizen withdraws it.
    let withdrawn = app
        .gql_ok(
            Some(&me),
            "mutation($id: ID!) { moveReferral(input: { id: $id, action: WITHDRAW }) { state nextStep } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(withdrawn["moveReferral"]["state"], "WITHDRAWN");
    app.stop().await;
}

on_both!(a_citizen_refers_themself_follows_and_withdraws);
