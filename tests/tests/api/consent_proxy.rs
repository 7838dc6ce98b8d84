//! Consent cannot be given by proxy: a referrer refers a known citizen only if their
//! organisation referred them before, only while the citizen's consent to referral processing
//! stands, and a referral never records or restores a known citizen's consents.

use peerbro_tests::{Db, StatusCode, TestApp, on_both, uuid_of};
use serde_json::{Value, json};

const SUBMIT: &str =
    "mutation($i: SubmitReferralInput!) { submitReferral(input: $i) { referral { id } } }";
const HISTORY: &str = "query($id: ID!) { citizen(id: $id, purpose: REFERRAL_HANDLING) { consentHistory { purpose given } } }";
const CONSENT: &str = "mutation($c: ID!, $p: ConsentPurpose!, $g: Boolean!) { recordConsent(input: { citizenId: $c, purpose: $p, given: $g, evidence: WRITTEN }) { history { purpose } } }";

async fn history(app: &TestApp, coordinator: &str, citizen: &str) -> Vec<Value> {
    app.gql_ok(Some(coordinator), HISTORY, json!({ "id": citizen }))
        .await["citizen"]["consentHistory"]
        .as_array()
        .unwrap()
        .clone()
}

async fn a_referrer_cannot_restore_a_withdrawn_consent_or_refer_unknown_citizens(db: Db) {
    let app = TestApp::spawn(&db).await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let admin = app.admin("helsingor").await;
    let first = app
        .gql_ok(
            Some(&referrer),
            SUBMIT,
            json!({ "i": { "newCitizen": { "name": "Kendt Borger", "municipality": "Helsingør" },
                           "consentEvidence": "WRITTEN", "contactConsent": true } }),
        )
        .await;
    let citizen = app
        .gql_ok(
            Some(&coordinator),
            "query($id: ID!) { referral(id: $id, purpose: REFERRAL_HANDLING) { citizenId } }",
            json!({ "id": first["submitReferral"]["referral"]["id"] }),
        )
        .await["referral"]["citizenId"]
        .as_str()
        .unwrap()
        .to_owned();
    // The coordinator records, with the citizen, that contact consent is withdrawn.
    app.gql_ok(
        Some(&coordinator),
        CONSENT,
        json!({ "c": citizen, "p": "CONTACT", "g": false }),
    )
    .await;
    let recorded = history(&app, &coordinator, &citizen).await;

    // The referrer cannot put it back by referring again with contactConsent: true.
    let (_, body) = app
        .gql(
            Some(&referrer),
            SUBMIT,
            json!({ "i": { "citizenId": citizen, "consentEvidence": "VERBAL_TO_REFERRER", "contactConsent": true } }),
        )
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "VALIDATION",
        "{body}"
    );
    assert_eq!(body["errors"][0]["extensions"]["field"], "contactConsent");
    // Nor through REST.
    let res = app
        .request(reqwest::Method::POST, "/api/v1/referrals")
        .bearer_auth(&referrer)
        .json(&json!({ "citizenId": uuid_of(&citizen), "consentEvidence": "VERBAL_TO_REFERRER", "contactConsent": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["field"], "contactConsent");
    assert_eq!(history(&app, &coordinator, &citizen).await, recorded);

    // Without asking for contact, a second referral is taken, and the consents stay as they are.
    app.gql_ok(
        Some(&referrer),
        SUBMIT,
        json!({ "i": { "citizenId": citizen, "consentEvidence": "WRITTEN", "contactConsent": false } }),
    )
    .await;
    assert_eq!(history(&app, &coordinator, &citizen).await, recorded);

    // Once the citizen withdraws consent to referral processing, no referral is taken.
    app.gql_ok(
        Some(&coordinator),
        CONSENT,
        json!({ "c": citizen, "p": "REFERRAL_PROCESSING", "g": false }),
    )
    .await;
    let recorded = history(&app, &coordinator, &citizen).await;
    assert_eq!(
        app.gql_code(
            Some(&referrer),
            SUBMIT,
            json!({ "i": { "citizenId": citizen, "consentEvidence": "WRITTEN", "contactConsent": false } }),
        )
        .await,
        "CONFLICT"
    );
    assert_eq!(history(&app, &coordinator, &citizen).await, recorded);

    // A citizen the organisation never referred does not exist for its referrers: a seeded
    // citizen, and this citizen for a referrer of another organisation.
    let seeded = app
        .gql_ok(
            Some(&coordinator),
            "{ citizens(purpose: COORDINATION, first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await["citizens"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(seeded, citizen);
    assert_eq!(
        app.gql_code(
            Some(&referrer),
            SUBMIT,
            json!({ "i": { "citizenId": seeded, "consentEvidence": "WRITTEN", "contactConsent": false } }),
        )
        .await,
        "NOT_FOUND"
    );
    let orgs = app
        .gql_ok(
            Some(&admin),
            "{ organisations(first: 10) { edges { node { id kind } } } }",
            json!({}),
        )
        .await;
    let other = orgs["organisations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["kind"] == "MUNICIPALITY_DEPARTMENT")
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .unwrap();
    app.gql_ok(
        Some(&admin),
        "mutation($o: ID!) { inviteUser(input: { email: \"anden@helsingor.demo\", displayName: \"A\", roles: [REFERRER], organisationId: $o }) { user { id } } }",
        json!({ "o": other }),
    )
    .await;
    let stranger = app.token("helsingor", "anden@helsingor.demo").await;
    app.gql_ok(
        Some(&coordinator),
        CONSENT,
        json!({ "c": citizen, "p": "REFERRAL_PROCESSING", "g": true }),
    )
    .await;
    assert_eq!(
        app.gql_code(
            Some(&stranger),
            SUBMIT,
            json!({ "i": { "citizenId": citizen, "consentEvidence": "WRITTEN", "contactConsent": false } }),
        )
        .await,
        "NOT_FOUND"
    );
    app.stop().await;
}

on_both!(a_referrer_cannot_restore_a_withdrawn_consent_or_refer_unknown_citizens);
