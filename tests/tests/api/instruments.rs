//! Recovery instruments (issue 12): every tenant starts with the seeded Danish questionnaires
//! for citizens and peers, each item with its CHIME dimension; a tenant admin adds instruments
//! the tenant holds the rights to, validated field by field, and no other tenant sees them.

use peerbro_tests::{Db, TestApp, on_both};
use serde_json::{Value, json};

const LIST: &str = "{ instruments(first: 100) { totalCount nodes { id key version title respondent \
    scale maxAnswer items { number text dimension } } } }";
const ADD: &str = "mutation($i: AddInstrumentInput!) { addInstrument(input: $i) { instrument { \
    id key version items { number dimension } maxAnswer } } }";

fn draft(key: &str, version: i32, items: usize) -> Value {
    let dimensions = [
        "CONNECTEDNESS",
        "HOPE",
        "IDENTITY",
        "MEANING",
        "EMPOWERMENT",
    ];
    json!({ "key": key, "version": version, "title": "Egen skala", "respondent": "CITIZEN",
            "scale": ["Nej", "Lidt", "Ja"],
            "items": (0..items).map(|n| json!({ "text": format!("Udsagn {n}"), "dimension": dimensions[n % 5] })).collect::<Vec<_>>() })
}

async fn count(app: &TestApp, token: &str) -> u64 {
    app.gql_ok(Some(token), LIST, json!({})).await["instruments"]["totalCount"]
        .as_u64()
        .unwrap()
}

async fn tenants_hold_their_own_instruments(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    let other = app.admin("kobenhavn").await;

    // The seeded instruments: 15 citizen items and 10 peer items, every dimension, 0-4.
    let seeded = app.gql_ok(Some(&peer), LIST, json!({})).await["instruments"].clone();
    assert_eq!(seeded["totalCount"], 2);
    let by_key = |key: &str| {
        seeded["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["key"] == key)
            .cloned()
            .unwrap()
    };
    for (key, respondent, items) in [
        ("hverdagsliv-15", "CITIZEN", 15),
        ("peer-rolle-10", "PEER", 10),
    ] {
        let instrument = by_key(key);
        assert_eq!(instrument["respondent"], respondent);
        assert_eq!(instrument["maxAnswer"], 4);
        assert_eq!(instrument["scale"].as_array().unwrap().len(), 5);
        let list = instrument["items"].as_array().unwrap();
        assert_eq!(list.len(), items);
        assert_eq!(list[0]["number"], 1);
        for dimension in [
            "CONNECTEDNESS",
            "HOPE",
            "IDENTITY",
            "MEANING",
            "EMPOWERMENT",
        ] {
            assert_eq!(
                list.iter().filter(|i| i["dimension"] == dimension).count(),
                items / 5,
                "{key} {dimension}"
            );
        }
    }
    assert_eq!(app.gql_code(None, LIST, json!({})).await, "UNAUTHENTICATED");

    // A tenant admin adds one; a new version of it too; the same version again is a conflict.
    let added = app
        .gql_ok(Some(&admin), ADD, json!({ "i": draft("egen-skala", 1, 3) }))
        .await["addInstrument"]["instrument"]
        .clone();
    assert_eq!(added["maxAnswer"], 2);
    assert_eq!(added["items"][2]["dimension"], "IDENTITY");
    app.gql_ok(Some(&admin), ADD, json!({ "i": draft("egen-skala", 2, 3) }))
        .await;
    let (_, body) = app
        .gql(Some(&admin), ADD, json!({ "i": draft("egen-skala", 1, 4) }))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "CONFLICT",
        "{body}"
    );
    assert_eq!(body["errors"][0]["extensions"]["reason"], "DUPLICATE");
    assert_eq!(count(&app, &coordinator).await, 4);
    // No other tenant sees it.
    assert_eq!(count(&app, &other).await, 2);

    // Only tenant admins add instruments.
    for token in [&coordinator, &peer] {
        assert_eq!(
            app.gql_code(Some(token), ADD, json!({ "i": draft("anden", 1, 1) }))
                .await,
            "FORBIDDEN"
        );
    }

    // Field by field, at each limit and one past it; a refused definition adds nothing.
    app.gql_ok(Some(&admin), ADD, json!({ "i": draft("tres", 1, 60) }))
        .await;
    let mut long = draft("lang", 1, 1);
    long["items"][0]["text"] = json!("æ".repeat(300));
    app.gql_ok(Some(&admin), ADD, json!({ "i": long.clone() }))
        .await;
    long["items"][0]["text"] = json!("æ".repeat(301));
    long["version"] = json!(2);
    let mut one_label = draft("skala", 1, 1);
    one_label["scale"] = json!(["Kun"]);
    let refused = [
        (draft("X", 1, 1), "key"),
        (draft("nul", 0, 1), "version"),
        (draft("for-mange", 1, 61), "items"),
        (draft("ingen", 1, 0), "items"),
        (long, "items[0].text"),
        (one_label, "scale"),
    ];
    let before = count(&app, &admin).await;
    for (input, field) in refused {
        let (_, body) = app.gql(Some(&admin), ADD, json!({ "i": input })).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "VALIDATION",
            "{field}: {body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    assert_eq!(count(&app, &admin).await, before);
    app.stop().await;
}

on_both!(tenants_hold_their_own_instruments);

const IMPORT: &str = "mutation($i: ImportInstrumentCsvInput!) { importInstrumentCsv(input: $i) { instrument { key version items { number text dimension } } } }";

fn csv_input(key: &str, rows: usize) -> Value {
    let items: String = (0..rows)
        .map(|n| format!("\"Udsagn {n}, med komma\";{}\n", ["HOPE", "meaning"][n % 2]))
        .collect();
    json!({ "i": {
        "key": key, "version": 1, "title": "Importeret", "respondent": "CITIZEN",
        "scale": ["Nej", "Lidt", "Ja"], "itemsCsv": format!("text;dimension\n{items}"),
    }})
}

async fn instruments_are_imported_from_csv_at_the_limits(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let before = count(&app, &admin).await;
    // 60 items at the limit; quoting and a semicolon-separated export read as meant.
    let made = app
        .gql_ok(Some(&admin), IMPORT, csv_input("importeret-60", 60))
        .await;
    let items = made["importInstrumentCsv"]["instrument"]["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(items.len(), 60);
    assert_eq!(items[0]["text"], "Udsagn 0, med komma");
    assert_eq!(items[1]["dimension"], "MEANING");
    // One past the limit, a bad line, a coordinator: refused, and nothing is added.
    let (_, body) = app
        .gql(Some(&admin), IMPORT, csv_input("importeret-61", 61))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "VALIDATION",
        "{body}"
    );
    assert_eq!(body["errors"][0]["extensions"]["field"], "items");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("line 62"),
        "{body}"
    );
    let mut bad = csv_input("forkert", 2);
    bad["i"]["itemsCsv"] = json!("text,dimension\nGod linje,HOPE\nDårlig linje,LYKKE\n");
    let (_, body) = app.gql(Some(&admin), IMPORT, bad).await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("line 3"),
        "{body}"
    );
    let (_, body) = app
        .gql(Some(&coordinator), IMPORT, csv_input("importeret-2", 2))
        .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
    assert_eq!(count(&app, &admin).await, before + 1);
}

on_both!(instruments_are_imported_from_csv_at_the_limits);
