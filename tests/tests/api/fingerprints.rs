//! Idempotency fingerprints are keyed (issue 13): the same request body under the same key
//! in two partnerships is stored as two unrelated digests — a plain hash would be the same in
//! both, and a dump could confirm a guessed name, contact and reason with it — while a retry
//! in the same partnership still replays.

use peerbro_tests::{Db, TestApp, on_both};
use serde_json::json;

const SUBMIT: &str = "mutation($input: SubmitReferralInput!) { submitReferral(input: $input) { created referral { id } } }";

async fn fingerprints_are_keyed_per_tenant(db: Db) {
    let app = TestApp::spawn(&db).await;
    let body = json!({ "input": {
        "newCitizen": { "name": "Gætte Gættesen", "contact": "tlf. 12 34 56 78", "birthYear": 1980, "municipality": "Helsingør" },
        "reason": "Ensom efter indlæggelse",
        "consentEvidence": "VERBAL_TO_REFERRER",
        "idempotencyKey": "same-key-in-both",
    }});
    let mut ids = Vec::new();
    for tenant in ["helsingor", "kobenhavn"] {
        let referrer = app
            .token(tenant, &format!("caseworker@{tenant}.demo"))
            .await;
        let first = app.gql_ok(Some(&referrer), SUBMIT, body.clone()).await;
        assert_eq!(first["submitReferral"]["created"], true);
        // A retry answers with the same referral.
        let again = app.gql_ok(Some(&referrer), SUBMIT, body.clone()).await;
        assert_eq!(again["submitReferral"]["created"], false);
        assert_eq!(
            again["submitReferral"]["referral"]["id"],
            first["submitReferral"]["referral"]["id"]
        );
        ids.push(first["submitReferral"]["referral"]["id"].clone());
    }
    let stored = app
        .owner_texts(
            "SELECT fingerprint AS v FROM referrals WHERE idempotency_key = 'same-key-in-both'",
        )
        .await;
    assert_eq!(stored.len(), 2, "{stored:?}");
    for f in &stored {
        assert_eq!(f.len(), 64, "{f}");
        assert!(f.chars().all(|c| c.is_ascii_hexdigit()), "{f}");
    }
    assert_ne!(
        stored[0], stored[1],
        "the same body digests differently per tenant"
    );
}

on_both!(fingerprints_are_keyed_per_tenant);
