//! A tenant admin or coordinator corrects a placement and ends it: only the fields given
//! change, the peer's contracted hours hold at the limit and one past it, a refused change
//! changes nothing, and nobody else — and no other tenant — can change it.

use peerbro_tests::{Db, TestApp, on_both};
use serde_json::{Value, json};

const UPDATE: &str = "mutation($i: UpdatePlacementInput!) { updatePlacement(input: $i) { placement { \
    id ward startsOn endsOn weeklyHours wardContact supervisionArrangement } } }";

fn error(body: &Value) -> (String, String) {
    let e = &body["errors"][0]["extensions"];
    (
        e["code"].as_str().unwrap_or_default().to_owned(),
        e["field"]
            .as_str()
            .or_else(|| e["reason"].as_str())
            .unwrap_or_default()
            .to_owned(),
    )
}

async fn a_placement_is_corrected_and_ended_within_the_contract(db: Db) {
    let app = TestApp::spawn(&db).await;
    let day = |offset: i64| {
        (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
    };
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    // The seed: one paid peer, 30 hours contracted, placed 20 hours a week from 60 days ago.
    let seeded = app
        .gql_ok(
            Some(&coordinator),
            "{ placements(first: 10) { nodes { id ward startsOn endsOn weeklyHours wardContact supervisionArrangement } } }",
            json!({}),
        )
        .await["placements"]["nodes"][0]
        .clone();
    let id = seeded["id"].as_str().unwrap().to_owned();
    assert_eq!(seeded["weeklyHours"], 20.0);
    let read = || async {
        let all = app
            .gql_ok(
                Some(&coordinator),
                "{ placements(first: 10) { nodes { id ward startsOn endsOn weeklyHours wardContact supervisionArrangement } } }",
                json!({}),
            )
            .await;
        all["placements"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id.as_str())
            .cloned()
            .unwrap()
    };

    // Refused changes, each with a clear error, and nothing changed by any of them.
    let refused = [
        (
            json!({ "placementId": id, "weeklyHours": 30.5 }),
            ("CONFLICT", "CAPACITY"),
            "one past the contract",
        ),
        (
            json!({ "placementId": id }),
            ("VALIDATION", "input"),
            "nothing to change",
        ),
        (
            json!({ "placementId": id, "weeklyHours": 0 }),
            ("VALIDATION", "weeklyHours"),
            "no hours",
        ),
        (
            json!({ "placementId": id, "ward": "  " }),
            ("VALIDATION", "ward"),
            "an empty ward",
        ),
        (
            json!({ "placementId": id, "endsOn": day(-61) }),
            ("VALIDATION", "endsOn"),
            "ends before it starts",
        ),
    ];
    for (input, (code, detail), why) in refused {
        let (_, body) = app
            .gql(Some(&coordinator), UPDATE, json!({ "i": input }))
            .await;
        let (got_code, got_detail) = error(&body);
        assert_eq!(
            (got_code.as_str(), got_detail.as_str()),
            (code, detail),
            "{why}: {body}"
        );
    }
    assert_eq!(read().await, seeded, "a refused change changes nothing");

    // At the limit: 30 of 30 hours. Only the fields given change.
    let changed = app
        .gql_ok(
            Some(&coordinator),
            UPDATE,
            json!({ "i": { "placementId": id, "weeklyHours": 30, "wardContact": "  Afdelingssygeplejersken " } }),
        )
        .await["updatePlacement"]["placement"]
        .clone();
    assert_eq!(changed["weeklyHours"], 30.0);
    assert_eq!(changed["wardContact"], "Afdelingssygeplejersken");
    assert_eq!(changed["ward"], seeded["ward"]);
    assert_eq!(changed["endsOn"], Value::Null);
    assert_eq!(read().await, changed);

    // Ended in ten days, it no longer runs after that; `null` opens it again.
    let (app_ref, coordinator_ref) = (&app, &coordinator);
    let active_on = |d: String| async move {
        app_ref
            .gql_ok(
                Some(coordinator_ref),
                "query($d: Date) { placements(activeOn: $d, first: 10) { totalCount } }",
                json!({ "d": d }),
            )
            .await["placements"]["totalCount"]
            .as_i64()
            .unwrap()
    };
    let ended = app
        .gql_ok(
            Some(&coordinator),
            UPDATE,
            json!({ "i": { "placementId": id, "endsOn": day(10) } }),
        )
        .await["updatePlacement"]["placement"]
        .clone();
    assert_eq!(ended["endsOn"], day(10));
    assert_eq!(
        ended["weeklyHours"], 30.0,
        "endsOn alone changes nothing else"
    );
    assert_eq!(active_on(day(10)).await, 1, "the last day is included");
    assert_eq!(active_on(day(11)).await, 0);
    let reopened = app
        .gql_ok(
            Some(&coordinator),
            UPDATE,
            json!({ "i": { "placementId": id, "endsOn": null } }),
        )
        .await["updatePlacement"]["placement"]
        .clone();
    assert_eq!(reopened["endsOn"], Value::Null);
    assert_eq!(active_on(day(11)).await, 1);

    // Only tenant admins and coordinators; another tenant's placement does not exist.
    let input = json!({ "i": { "placementId": id, "ward": "Andet afsnit" } });
    for (slug, email, code) in [
        ("helsingor", "peer@helsingor.demo", "FORBIDDEN"),
        ("helsingor", "caseworker@helsingor.demo", "FORBIDDEN"),
        ("kobenhavn", "admin@kobenhavn.demo", "NOT_FOUND"),
    ] {
        let token = app.token(slug, email).await;
        assert_eq!(
            app.gql_code(Some(&token), UPDATE, input.clone()).await,
            code,
            "{email}"
        );
    }
    let admin = app.admin("helsingor").await;
    let by_admin = app.gql_ok(Some(&admin), UPDATE, input).await;
    assert_eq!(
        by_admin["updatePlacement"]["placement"]["ward"],
        "Andet afsnit"
    );
    app.stop().await;
}

on_both!(a_placement_is_corrected_and_ended_within_the_contract);
