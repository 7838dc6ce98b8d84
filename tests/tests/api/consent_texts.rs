//! Consent text versions (issue 13, ADR 0044): tenant admins publish the wording of a consent
//! purpose as numbered versions; each consent record names the version in force when it was
//! recorded; citizens whose consent stands under an older version (or none) are listed to be
//! asked again, until they consent again or withdraw. Coordinators read; only tenant admins
//! publish; another partnership sees nothing of it.

use peerbro_tests::{Db, TestApp, on_both};
use serde_json::{Value, json};

const PUBLISH: &str = "mutation($p: ConsentPurpose!, $b: String!) { publishConsentText(input: { purpose: $p, body: $b }) { text { purpose version body publishedBy } } }";
const TEXTS: &str = "query($p: ConsentPurpose!) { consentTexts(purpose: $p) { version body } }";
const ASK: &str = "query($p: ConsentPurpose!, $n: Int) { citizensToAskAgain(purpose: $p, first: $n) { totalCount edges { node { citizenId pseudonym seenVersion } } } }";
const REGISTER: &str = "mutation($n: String!) { registerCitizen(input: { name: $n, municipality: \"Helsingør\", consents: [{ purpose: CONTACT, evidence: WRITTEN }] }) { citizen { id consents { purpose textVersion } } } }";
const RECORD: &str = "mutation($id: ID!, $g: Boolean!) { recordConsent(input: { citizenId: $id, purpose: CONTACT, given: $g, evidence: WRITTEN }) { __typename } }";

async fn register(app: &TestApp, token: &str, name: &str) -> (String, Value) {
    let citizen = app
        .gql_ok(Some(token), REGISTER, json!({ "n": name }))
        .await["registerCitizen"]["citizen"]
        .clone();
    (
        citizen["id"].as_str().unwrap().to_owned(),
        citizen["consents"].clone(),
    )
}

fn listed(answer: &Value) -> Vec<(String, Value)> {
    answer["citizensToAskAgain"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["citizenId"].as_str().unwrap().to_owned(),
                e["node"]["seenVersion"].clone(),
            )
        })
        .collect()
}

async fn consent_texts_are_versioned_and_the_list_says_whom_to_ask_again(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let other = app.admin("kobenhavn").await;
    let contact = json!({ "p": "CONTACT" });

    // Before any text: consents name no version, and nobody is to be asked again.
    let (before, consents) = register(&app, &coordinator, "Før Versioner").await;
    assert_eq!(consents[0]["textVersion"], Value::Null, "{consents}");
    let none = app.gql_ok(Some(&admin), ASK, contact.clone()).await;
    assert_eq!(none["citizensToAskAgain"]["totalCount"], 0, "{none}");

    // Version 1; a consent recorded now names it.
    let v1 = app
        .gql_ok(
            Some(&admin),
            PUBLISH,
            json!({ "p": "CONTACT", "b": "Vi må kontakte dig.\nVersion 1." }),
        )
        .await;
    assert_eq!(v1["publishConsentText"]["text"]["version"], 1, "{v1}");
    assert!(v1["publishConsentText"]["text"]["publishedBy"].is_string());
    let (first, consents) = register(&app, &coordinator, "Første Version").await;
    assert_eq!(consents[0]["textVersion"], 1, "{consents}");
    // Citizens who consented before any text (the demo's too) are to be asked again; the
    // one who saw version 1 is not.
    let ask = app.gql_ok(Some(&coordinator), ASK, contact.clone()).await;
    let earlier = listed(&ask);
    assert!(earlier.contains(&(before.clone(), Value::Null)), "{ask}");
    assert!(!earlier.iter().any(|(id, _)| *id == first), "{ask}");
    let earlier_total = ask["citizensToAskAgain"]["totalCount"].as_u64().unwrap();
    assert_eq!(earlier_total, earlier.len() as u64);

    // Version 2: the version-1 citizen is listed too, with what they saw; pages hold `first`.
    let v2 = app
        .gql_ok(
            Some(&admin),
            PUBLISH,
            json!({ "p": "CONTACT", "b": "Version 2." }),
        )
        .await;
    assert_eq!(v2["publishConsentText"]["text"]["version"], 2);
    let ask = app
        .gql_ok(Some(&admin), ASK, json!({ "p": "CONTACT", "n": 1 }))
        .await;
    assert_eq!(
        ask["citizensToAskAgain"]["totalCount"],
        earlier_total + 1,
        "{ask}"
    );
    assert_eq!(listed(&ask).len(), 1, "paged: {ask}");
    let ask = app.gql_ok(Some(&admin), ASK, contact.clone()).await;
    assert!(listed(&ask).contains(&(first.clone(), json!(1))), "{ask}");
    // Other purposes have their own versions.
    let other_purpose = app
        .gql_ok(Some(&admin), ASK, json!({ "p": "OUTCOME_MEASUREMENT" }))
        .await;
    assert_eq!(other_purpose["citizensToAskAgain"]["totalCount"], 0);

    // Consenting again under version 2 takes one off; withdrawing takes the other off.
    app.gql_ok(
        Some(&coordinator),
        RECORD,
        json!({ "id": first, "g": true }),
    )
    .await;
    app.gql_ok(
        Some(&coordinator),
        RECORD,
        json!({ "id": before, "g": false }),
    )
    .await;
    let ask = app.gql_ok(Some(&admin), ASK, contact.clone()).await;
    assert_eq!(
        ask["citizensToAskAgain"]["totalCount"],
        earlier_total - 1,
        "{ask}"
    );
    assert!(
        !listed(&ask)
            .iter()
            .any(|(id, _)| *id == first || *id == before),
        "{ask}"
    );
    let history = app
        .gql_ok(
            Some(&coordinator),
            "query($id: ID!) { citizen(id: $id, purpose: COORDINATION) { consentHistory { given textVersion } } }",
            json!({ "id": first }),
        )
        .await;
    assert_eq!(
        history["citizen"]["consentHistory"],
        json!([{ "given": true, "textVersion": 1 }, { "given": true, "textVersion": 2 }])
    );

    // The versions, newest first; published texts stay as they were.
    let texts = app.gql_ok(Some(&coordinator), TEXTS, contact.clone()).await;
    assert_eq!(
        texts["consentTexts"],
        json!([{ "version": 2, "body": "Version 2." }, { "version": 1, "body": "Vi må kontakte dig.\nVersion 1." }])
    );

    // The wording's limits, at the limit and one past it.
    let at_limit = "å".repeat(20_000);
    let v3 = app
        .gql_ok(
            Some(&admin),
            PUBLISH,
            json!({ "p": "CONTACT", "b": at_limit }),
        )
        .await;
    assert_eq!(v3["publishConsentText"]["text"]["version"], 3);
    for bad in [
        "å".repeat(20_001),
        "   ".to_owned(),
        "klokke\u{7}".to_owned(),
    ] {
        let code = app
            .gql_code(Some(&admin), PUBLISH, json!({ "p": "CONTACT", "b": bad }))
            .await;
        assert_eq!(code, "VALIDATION");
    }
    let texts = app.gql_ok(Some(&admin), TEXTS, contact.clone()).await;
    assert_eq!(
        texts["consentTexts"].as_array().unwrap().len(),
        3,
        "nothing more was published"
    );

    // Roles: coordinators and referrers do not publish; referrers read neither.
    for token in [&coordinator, &referrer] {
        let code = app
            .gql_code(Some(token), PUBLISH, json!({ "p": "CONTACT", "b": "Nej." }))
            .await;
        assert_eq!(code, "FORBIDDEN");
    }
    assert_eq!(
        app.gql_code(Some(&referrer), TEXTS, contact.clone()).await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql_code(Some(&referrer), ASK, contact.clone()).await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.gql_code(None, TEXTS, contact.clone()).await,
        "UNAUTHENTICATED"
    );
    // Another partnership: its own (empty) texts and list; its consents name no version.
    let theirs = app.gql_ok(Some(&other), TEXTS, contact.clone()).await;
    assert_eq!(theirs["consentTexts"], json!([]));
    let theirs = app.gql_ok(Some(&other), ASK, contact.clone()).await;
    assert_eq!(theirs["citizensToAskAgain"]["totalCount"], 0);
    let other_coordinator = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;
    let (_, consents) = register(&app, &other_coordinator, "Anden Partner").await;
    assert_eq!(consents[0]["textVersion"], Value::Null, "{consents}");
    app.stop().await;
}

on_both!(consent_texts_are_versioned_and_the_list_says_whom_to_ask_again);
