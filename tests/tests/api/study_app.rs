//! A citizen and the studies of their partnership, in their own app: they see the studies
//! collecting data now (and those they have a record for), consent under the information
//! sheet they read — only the current one, only while the study runs — and withdraw at any
//! time. Roles, limits and tenant isolation.

use chrono::{Days, Utc};
use peerbro_tests::{Db, TestApp, on_both};
use serde_json::{Value, json};

const CREATE: &str = "mutation($i: CreateStudyInput!) { createStudy(input: $i) { study { id } } }";
const MINE: &str = "{ myStudies(first: 10) { totalCount nodes { study { id title informationSheetVersion } recruiting takingPart latestConsent { given informationSheetVersion } } } }";
const SET: &str = "mutation($s: ID!, $g: Boolean!, $v: Int!) { setMyStudyConsent(input: { studyId: $s, given: $g, informationSheetVersion: $v }) { given informationSheetVersion } }";
const RECORD: &str = "mutation($s: ID!, $c: ID!) { recordStudyConsent(input: { studyId: $s, citizenId: $c, given: true }) { given } }";

/// A citizen user of `tenant`, registered (or not) as a citizen: their token and citizen id.
async fn citizen(app: &TestApp, tenant: &str, email: &str, register: bool) -> (String, Value) {
    app.gql_ok(
        Some(&app.admin(tenant).await),
        "mutation($e: String!) { inviteUser(input: { email: $e, displayName: \"Borger\", roles: [CITIZEN] }) { user { id } } }",
        json!({ "e": email }),
    )
    .await;
    let token = app.token(tenant, email).await;
    let mut id = Value::Null;
    if register {
        id = app
            .gql_ok(
                Some(&token),
                "mutation { registerSelf(input: { name: \"Studie Deltager\", municipality: \"Helsingør\" }) { citizen { id } } }",
                json!({}),
            )
            .await["registerSelf"]["citizen"]["id"]
            .clone();
    }
    (token, id)
}

/// A study running from `from` days before today to `to` days after (negative: before).
async fn study(app: &TestApp, admin: &str, title: &str, from: i64, to: i64) -> String {
    let today = Utc::now().date_naive();
    let day = |d: i64| {
        if d >= 0 {
            today.checked_sub_days(Days::new(d.unsigned_abs()))
        } else {
            today.checked_add_days(Days::new(d.unsigned_abs()))
        }
        .unwrap()
        .to_string()
    };
    app.gql_ok(
        Some(admin),
        CREATE,
        json!({ "i": {
            "title": title, "startsOn": day(from), "endsOn": day(-to),
            "protocolReference": "PROT-1", "ethicsReference": "VEK H-1",
            "dataController": "Københavns Universitet", "informationSheetVersion": 2,
        }}),
    )
    .await["createStudy"]["study"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn reason(body: &Value) -> (Option<&str>, Option<&str>) {
    let ext = &body["errors"][0]["extensions"];
    (ext["code"].as_str(), ext["reason"].as_str())
}

async fn a_citizen_joins_and_leaves_a_study_in_their_own_app(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let open = study(&app, &admin, "Vejen til hverdagslivet", 30, 365).await;
    let ended = study(&app, &admin, "Afsluttet studie", 400, -35).await;
    let future = study(&app, &admin, "Kommende studie", -30, 400).await;
    let (me, my_id) = citizen(&app, "helsingor", "deltager@example.dk", true).await;

    // Only the study collecting data today is shown; the citizen does not take part yet.
    let mine = app.gql_ok(Some(&me), MINE, json!({})).await;
    assert_eq!(mine["myStudies"]["totalCount"], 1, "{mine}");
    let node = &mine["myStudies"]["nodes"][0];
    assert_eq!(node["study"]["id"], open);
    assert_eq!(node["recruiting"], true);
    assert_eq!(node["takingPart"], false);
    assert!(node["latestConsent"].is_null());

    // A consent names the sheet read: an old one, or none valid, is refused.
    let stale = app
        .gql(Some(&me), SET, json!({ "s": open, "g": true, "v": 1 }))
        .await
        .1;
    assert_eq!(
        reason(&stale),
        (Some("CONFLICT"), Some("NOT_CURRENT")),
        "{stale}"
    );
    let bad = app
        .gql(Some(&me), SET, json!({ "s": open, "g": true, "v": -1 }))
        .await
        .1;
    assert_eq!(reason(&bad).0, Some("VALIDATION"), "{bad}");
    assert_eq!(
        bad["errors"][0]["extensions"]["field"],
        "informationSheetVersion"
    );
    for closed in [&ended, &future] {
        let body = app
            .gql(Some(&me), SET, json!({ "s": closed, "g": true, "v": 2 }))
            .await
            .1;
        assert_eq!(
            reason(&body),
            (Some("CONFLICT"), Some("STUDY_CLOSED")),
            "{body}"
        );
    }
    // Nothing was recorded by the refusals.
    let still = app.gql_ok(Some(&me), MINE, json!({})).await;
    assert!(still["myStudies"]["nodes"][0]["latestConsent"].is_null());

    let given = app
        .gql_ok(Some(&me), SET, json!({ "s": open, "g": true, "v": 2 }))
        .await;
    assert_eq!(
        given["setMyStudyConsent"],
        json!({ "given": true, "informationSheetVersion": 2 })
    );
    let joined = app.gql_ok(Some(&me), MINE, json!({})).await;
    assert_eq!(joined["myStudies"]["nodes"][0]["takingPart"], true);

    // Withdrawal is always possible, also after a study's end.
    let left = app
        .gql_ok(Some(&me), SET, json!({ "s": open, "g": false, "v": 1 }))
        .await;
    assert_eq!(left["setMyStudyConsent"]["given"], false);
    let after = app.gql_ok(Some(&me), MINE, json!({})).await;
    assert_eq!(after["myStudies"]["nodes"][0]["takingPart"], false);
    assert_eq!(
        after["myStudies"]["nodes"][0]["latestConsent"]["given"],
        false
    );

    // A study with a record of theirs stays visible after it ends, and can be left.
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    app.gql_ok(
        Some(&coordinator),
        RECORD,
        json!({ "s": ended, "c": my_id }),
    )
    .await;
    let both = app.gql_ok(Some(&me), MINE, json!({})).await;
    assert_eq!(both["myStudies"]["totalCount"], 2, "{both}");
    let old = both["myStudies"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["study"]["id"] == ended)
        .unwrap();
    assert_eq!(old["recruiting"], false);
    assert_eq!(old["takingPart"], true);
    app.gql_ok(Some(&me), SET, json!({ "s": ended, "g": false, "v": 2 }))
        .await;

    // Only citizens with a citizen record; other roles are refused.
    let (unregistered, _) = citizen(&app, "helsingor", "uregistreret@example.dk", false).await;
    let body = app.gql(Some(&unregistered), MINE, json!({})).await.1;
    assert_eq!(
        reason(&body),
        (Some("CONFLICT"), Some("NOT_REGISTERED")),
        "{body}"
    );
    for token in [
        coordinator.clone(),
        admin.clone(),
        app.token("helsingor", "peer@helsingor.demo").await,
        app.token("helsingor", "caseworker@helsingor.demo").await,
    ] {
        assert_eq!(
            app.gql_code(Some(&token), MINE, json!({})).await,
            "FORBIDDEN"
        );
        assert_eq!(
            app.gql_code(Some(&token), SET, json!({ "s": open, "g": true, "v": 2 }))
                .await,
            "FORBIDDEN"
        );
    }
    assert_eq!(app.gql_code(None, MINE, json!({})).await, "UNAUTHENTICATED");

    // Another partnership's citizen: the study does not exist for them.
    let (theirs, _) = citizen(&app, "kobenhavn", "kbh@example.dk", true).await;
    assert_eq!(
        app.gql_ok(Some(&theirs), MINE, json!({})).await["myStudies"]["totalCount"],
        0
    );
    assert_eq!(
        app.gql_code(Some(&theirs), SET, json!({ "s": open, "g": true, "v": 2 }))
            .await,
        "NOT_FOUND"
    );
}

on_both!(a_citizen_joins_and_leaves_a_study_in_their_own_app);
