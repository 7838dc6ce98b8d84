//! The fixed report: GraphQL with typed cells, CSV and printable HTML with SVG charts, all
//! showing the same disclosure-controlled figures — no count under the threshold, no hidden
//! figure derivable from what is published (the domain's exact audit run on what the server
//! answered) — roles, the period's limits, and tenant isolation.

use chrono::{Datelike as _, Utc};
use peerbro_domain::reports::{Cell, Published, recoverable};
use peerbro_tests::{Db, TestApp, on_both};
use serde_json::{Value, json};

const REPORT: &str = "query($g: ReportGranularity!, $y: Int!, $n: Int) { report(granularity: $g, year: $y, number: $n) { period threshold startsOn endsOn tables { key rows columns cells { value suppressed } rowTotals { value suppressed } columnTotals { value suppressed } total { value suppressed } } counts { key cell { value suppressed } } firstContactMedianHours { n value suppressed } chimeChange { suppressed } } }";
const SUBMIT: &str =
    "mutation($input: SubmitReferralInput!) { submitReferral(input: $input) { referral { id } } }";

pub(crate) fn cell(v: &Value) -> Cell {
    if v["suppressed"] == true {
        assert!(v["value"].is_null(), "a suppressed cell has no value: {v}");
        Cell::Suppressed
    } else {
        Cell::Shown(v["value"].as_u64().unwrap())
    }
}

fn cells(v: &Value) -> Vec<Cell> {
    v.as_array().unwrap().iter().map(cell).collect()
}

pub(crate) fn published(table: &Value) -> Published {
    Published {
        cells: table["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(cells)
            .collect(),
        row_totals: cells(&table["rowTotals"]),
        column_totals: cells(&table["columnTotals"]),
        total: cell(&table["total"]),
    }
}

pub(crate) fn this_month() -> Value {
    let today = Utc::now().date_naive();
    json!({ "g": "MONTH", "y": today.year(), "n": today.month() })
}

pub(crate) fn label() -> String {
    Utc::now().date_naive().format("%Y-%m").to_string()
}

async fn reports_publish_only_what_disclosure_control_allows(db: Db) {
    let app = TestApp::spawn(&db).await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    let other = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;
    // Six referrals this month from one organisation; one is accepted: five wait, one moved.
    let mut first = None;
    for n in 0..6 {
        let id = app
            .gql_ok(
                Some(&referrer),
                SUBMIT,
                json!({ "input": {
                    "newCitizen": { "name": format!("Rapport Person {n}"), "municipality": "Helsingør" },
                    "consentEvidence": "VERBAL_TO_REFERRER",
                }}),
            )
            .await["submitReferral"]["referral"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        first.get_or_insert(id);
    }
    app.gql_ok(
        Some(&coordinator),
        "mutation($i: MoveReferralInput!) { moveReferral(input: $i) { referral { state } } }",
        json!({ "i": { "referralId": first.unwrap(), "action": "ACCEPT" } }),
    )
    .await;

    let report = app.gql_ok(Some(&coordinator), REPORT, this_month()).await["report"].clone();
    assert_eq!(report["period"], label());
    assert_eq!(report["threshold"], 5);
    let tables = report["tables"].as_array().unwrap();
    let keys: Vec<&str> = tables.iter().map(|t| t["key"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "referrals-by-organisation-and-status",
            "endings-by-outcome",
            "peer-pipeline",
            "supervision-compliance",
            "course-attendance"
        ]
    );
    let referrals = &tables[0];
    assert_eq!(cell(&referrals["total"]), Cell::Shown(6));
    let accepted = referrals["columns"]
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c == "accepted")
        .unwrap();
    assert_eq!(cell(&referrals["columnTotals"][accepted]), Cell::Suppressed);
    // No figure under the threshold is shown, and none hidden can be derived.
    for t in tables {
        let p = published(t);
        let all = p
            .cells
            .iter()
            .flatten()
            .chain(&p.row_totals)
            .chain(&p.column_totals)
            .chain([&p.total]);
        for c in all {
            assert!(
                !matches!(c, Cell::Shown(n) if (1..5).contains(n)),
                "{}: {c:?}",
                t["key"]
            );
        }
        assert!(recoverable(&p).is_empty(), "{}: {p:?}", t["key"]);
    }
    assert_eq!(report["firstContactMedianHours"]["suppressed"], true);
    assert_eq!(report["chimeChange"]["suppressed"], true);

    // The same figures as CSV: the hidden ones with no value.
    let path = format!("/api/v1/reports/{}?format=csv", label());
    let res = app
        .request(reqwest::Method::GET, &path)
        .bearer_auth(&coordinator)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = res.text().await.unwrap();
    assert!(
        csv.starts_with("section,row,column,value,status\n"),
        "{csv}"
    );
    assert!(
        csv.contains("referrals-by-organisation-and-status,TOTAL,TOTAL,6,shown\n"),
        "{csv}"
    );
    assert!(
        csv.contains("referrals-by-organisation-and-status,TOTAL,accepted,,suppressed\n"),
        "{csv}"
    );
    assert!(!csv.contains(",1,shown"), "{csv}");
    // And as a printable page with its charts drawn on the server, no names in it.
    let path = format!("/api/v1/reports/{}", label());
    let res = app
        .request(reqwest::Method::GET, &path)
        .bearer_auth(&coordinator)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.matches("<svg").count() >= 3, "{html}");
    assert!(html.contains("BOSTOTTE_TEAM"), "{html}");
    assert!(html.contains("(skjult)"), "a chart says what is hidden");
    assert!(!html.contains("Rapport Person"));

    // Another tenant counts only its own.
    let theirs = app.gql_ok(Some(&other), REPORT, this_month()).await;
    assert_eq!(
        cell(&theirs["report"]["tables"][0]["total"]),
        Cell::Shown(0)
    );
    // Roles: peers, referrers and citizens do not read reports.
    for token in [&peer, &referrer] {
        let (_, body) = app.gql(Some(token), REPORT, this_month()).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{body}"
        );
    }
    let res = app.get(&path, Some(&referrer)).await;
    assert_eq!(res.status, 403);
    assert_eq!(res.body["status"], 403);
    // The period at its limits: month 12 of last year fine, 13 and a month ahead refused.
    let today = Utc::now().date_naive();
    let ok = app
        .gql_ok(
            Some(&coordinator),
            REPORT,
            json!({ "g": "MONTH", "y": today.year() - 1, "n": 12 }),
        )
        .await;
    assert_eq!(
        ok["report"]["endsOn"],
        format!("{}-12-31", today.year() - 1)
    );
    let ahead = today.checked_add_months(chrono::Months::new(1)).unwrap();
    for variables in [
        json!({ "g": "MONTH", "y": today.year() - 1, "n": 13 }),
        json!({ "g": "MONTH", "y": ahead.year(), "n": ahead.month() }),
        json!({ "g": "QUARTER", "y": today.year() }),
        json!({ "g": "YEAR", "y": 1999 }),
    ] {
        let (_, body) = app.gql(Some(&coordinator), REPORT, variables.clone()).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "VALIDATION",
            "{variables}: {body}"
        );
    }
    let res = app.get("/api/v1/reports/2026-13", Some(&coordinator)).await;
    assert_eq!(res.status, 400);
    assert_eq!(res.body["status"], 400);
    // Over REST a well-formed period that has not begun has no report yet.
    let next = format!("/api/v1/reports/{}", ahead.format("%Y-%m"));
    let res = app.get(&next, Some(&coordinator)).await;
    assert_eq!(res.status, 404, "{}", res.body);
    assert_eq!(res.body["code"], "NOT_FOUND");
}

on_both!(reports_publish_only_what_disclosure_control_allows);
