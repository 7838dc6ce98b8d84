//! Consent text versions (issue 13, ADR 0044): tenant admins publish the wording of a consent
//! purpose as numbered versions; each consent record names the version in force when it was
//! recorded; citizens whose consent stands under an older version (or none) are listed to be
//! asked again, until they consent again or withdraw. Coordinators read; only tenant admins
//! publish; another partnership sees nothing of it. A client that names the version it showed
//! is refused (`CONSENT_TEXT_CHANGED`) unless it is the current one, and the right-of-access
//! record holds each version a consent names, word for word.

use peerbro_tests::{Db, TestApp, on_both, uuid_of};
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

const NAMED: &str = "mutation($id: ID!, $p: ConsentPurpose!, $v: Int) { recordConsent(input: { citizenId: $id, purpose: $p, given: true, evidence: WRITTEN, textVersion: $v }) { history { purpose textVersion } } }";
const REGISTER_NAMED: &str = "mutation($n: String!, $v: Int) { registerCitizen(input: { name: $n, municipality: \"Helsingør\", consents: [{ purpose: CONTACT, evidence: WRITTEN, textVersion: $v }] }) { citizen { id consents { purpose textVersion } } } }";

async fn conflict_reason(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let (_, body) = app.gql(Some(token), query, variables).await;
    let ext = &body["errors"][0]["extensions"];
    assert_eq!(ext["code"], "CONFLICT", "{body}");
    ext["reason"].clone()
}

async fn history_len(app: &TestApp, token: &str, id: &str) -> usize {
    app.gql_ok(
        Some(token),
        "query($id: ID!) { citizen(id: $id, purpose: COORDINATION) { consentHistory { given } } }",
        json!({ "id": id }),
    )
    .await["citizen"]["consentHistory"]
        .as_array()
        .unwrap()
        .len()
}

async fn a_named_version_must_be_current_and_the_access_record_holds_its_wording(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    // Registered under version 1; version 2 is published after.
    app.gql_ok(
        Some(&admin),
        PUBLISH,
        json!({ "p": "CONTACT", "b": "Kontakt, første ordlyd." }),
    )
    .await;
    let (id, _) = register(&app, &coordinator, "Navngiven Version").await;
    app.gql_ok(
        Some(&admin),
        PUBLISH,
        json!({ "p": "CONTACT", "b": "Kontakt <andet> & sidste ordlyd.\nLinje to." }),
    )
    .await;
    let before = history_len(&app, &coordinator, &id).await;

    // The current version is accepted and recorded as named.
    let ok = app
        .gql_ok(
            Some(&coordinator),
            NAMED,
            json!({ "id": id, "p": "CONTACT", "v": 2 }),
        )
        .await;
    let history = ok["recordConsent"]["history"].as_array().unwrap();
    assert_eq!(history.last().unwrap()["textVersion"], 2, "{ok}");

    // An older version, a version never published, and a purpose with no text are refused,
    // and nothing is recorded; version 0 is invalid.
    for (purpose, version) in [("CONTACT", 1), ("CONTACT", 3), ("OUTCOME_MEASUREMENT", 1)] {
        let reason = conflict_reason(
            &app,
            &coordinator,
            NAMED,
            json!({ "id": id, "p": purpose, "v": version }),
        )
        .await;
        assert_eq!(reason, "CONSENT_TEXT_CHANGED", "{purpose} v{version}");
    }
    assert_eq!(
        app.gql_code(
            Some(&coordinator),
            NAMED,
            json!({ "id": id, "p": "CONTACT", "v": 0 })
        )
        .await,
        "VALIDATION"
    );
    assert_eq!(history_len(&app, &coordinator, &id).await, before + 1);

    // Registration with an old version registers nobody; with the current one it records it.
    let count = || async {
        app.owner_texts("SELECT CAST(count(*) AS TEXT) AS v FROM citizens")
            .await
            .remove(0)
    };
    let citizens = count().await;
    let reason = conflict_reason(
        &app,
        &coordinator,
        REGISTER_NAMED,
        json!({ "n": "Gammel Tekst", "v": 1 }),
    )
    .await;
    assert_eq!(reason, "CONSENT_TEXT_CHANGED");
    assert_eq!(count().await, citizens, "nobody was registered");
    let fresh = app
        .gql_ok(
            Some(&coordinator),
            REGISTER_NAMED,
            json!({ "n": "Ny Tekst", "v": 2 }),
        )
        .await;
    assert_eq!(
        fresh["registerCitizen"]["citizen"]["consents"][0]["textVersion"], 2,
        "{fresh}"
    );

    // The access record names each consent's version and holds the wording of each version
    // named (1 at registration, 2 since), and no other.
    let path = format!("/api/v1/citizens/{}/export", uuid_of(&id));
    let record = app.get(&path, Some(&coordinator)).await;
    assert_eq!(record.status, 200, "{}", record.body);
    let versions: Vec<Value> = record.body["consents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["textVersion"].clone())
        .collect();
    assert_eq!(versions, [json!(1), json!(2)], "{}", record.body);
    let texts: Vec<(Value, Value)> = record.body["consentTexts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["version"].clone(), t["text"].clone()))
        .collect();
    assert_eq!(
        texts,
        [
            (json!(1), json!("Kontakt, første ordlyd.")),
            (
                json!(2),
                json!("Kontakt <andet> & sidste ordlyd.\nLinje to.")
            ),
        ]
    );
    let page = app
        .request(reqwest::Method::GET, &format!("{path}?format=html"))
        .bearer_auth(&coordinator)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("version 2"), "{page}");
    assert!(
        page.contains("Kontakt &lt;andet&gt; &amp; sidste ordlyd.<br>Linje to."),
        "the wording is on the page, escaped, its line break kept"
    );

    // Another partnership's coordinator cannot name a version for this citizen: not found.
    let theirs = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;
    assert_eq!(
        app.gql_code(
            Some(&theirs),
            NAMED,
            json!({ "id": id, "p": "CONTACT", "v": 2 })
        )
        .await,
        "NOT_FOUND"
    );
    app.stop().await;
}

on_both!(a_named_version_must_be_current_and_the_access_record_holds_its_wording);
