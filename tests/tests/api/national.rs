//! The national view (ADR 0034): a national partner organisation reads the partnerships that
//! opted in, combined and disclosure-controlled at the strictest threshold among them; a
//! partnership that opts out drops out at once; nobody else reads it; and what is published
//! passes the recoverability audit.

use peerbro_domain::reports::{Cell, recoverable};
use peerbro_tests::{Db, TestApp, on_both};
use serde_json::{Value, json};

use super::reports::{cell, label, published, this_month};

const NATIONAL: &str = "query($g: ReportGranularity!, $y: Int!, $n: Int) { nationalReport(granularity: $g, year: $y, number: $n) { partnerships report { period threshold tables { key rows columns cells { value suppressed } rowTotals { value suppressed } columnTotals { value suppressed } total { value suppressed } } counts { key cell { value suppressed } } firstContactMedianHours { suppressed } chimeChange { suppressed } } } }";
const SETTINGS: &str = "mutation($i: SetOutcomeSettingsInput!) { setOutcomeSettings(input: $i) { settings { nationalReporting disclosureThreshold } } }";
const SUBMIT: &str =
    "mutation($input: SubmitReferralInput!) { submitReferral(input: $input) { referral { id } } }";

async fn submit(app: &TestApp, tenant: &str, municipality: &str, n: usize) {
    let referrer = app
        .token(tenant, &format!("caseworker@{tenant}.demo"))
        .await;
    for i in 0..n {
        app.gql_ok(
            Some(&referrer),
            SUBMIT,
            json!({ "input": {
                "newCitizen": { "name": format!("National Person {tenant} {i}"), "municipality": municipality },
                "consentEvidence": "VERBAL_TO_REFERRER",
            }}),
        )
        .await;
    }
}

fn total(national: &Value) -> Cell {
    cell(&national["nationalReport"]["report"]["tables"][0]["total"])
}

async fn the_national_view_combines_only_partnerships_that_opted_in(db: Db) {
    let app = TestApp::spawn(&db).await;
    let national = app.token("danmark", "coordinator@danmark.demo").await;
    // Three referrals in each partnership: each alone is under the threshold (5).
    submit(&app, "helsingor", "Helsingør", 3).await;
    submit(&app, "kobenhavn", "København", 3).await;
    let own = app
        .gql_ok(
            Some(&app.token("helsingor", "coordinator@helsingor.demo").await),
            "query($g: ReportGranularity!, $y: Int!, $n: Int) { report(granularity: $g, year: $y, number: $n) { tables { total { value suppressed } } } }",
            this_month(),
        )
        .await;
    assert_eq!(cell(&own["report"]["tables"][0]["total"]), Cell::Suppressed);

    // Both demo partnerships take part: six together are published.
    let both = app.gql_ok(Some(&national), NATIONAL, this_month()).await;
    assert_eq!(
        both["nationalReport"]["partnerships"],
        json!([
            "Peer-Partnerskabet Helsingør",
            "Peer-Partnerskabet København"
        ])
    );
    assert_eq!(both["nationalReport"]["report"]["period"], label());
    assert_eq!(both["nationalReport"]["report"]["threshold"], 5);
    assert_eq!(total(&both), Cell::Shown(6));
    let tables = both["nationalReport"]["report"]["tables"]
        .as_array()
        .unwrap();
    let bostotte = tables[0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r == "BOSTOTTE_TEAM")
        .unwrap();
    assert_eq!(cell(&tables[0]["rowTotals"][bostotte]), Cell::Shown(6));
    for t in tables {
        let p = published(t);
        for c in p.cells.iter().flatten().chain(&p.row_totals) {
            assert!(
                !matches!(c, Cell::Shown(n) if (1..5).contains(n)),
                "{}: {c:?}",
                t["key"]
            );
        }
        assert!(recoverable(&p).is_empty(), "{}: {p:?}", t["key"]);
    }

    // København opts out: at once only Helsingør's three are left, and they are hidden.
    let kobenhavn = app.admin("kobenhavn").await;
    let out = app
        .gql_ok(
            Some(&kobenhavn),
            SETTINGS,
            json!({ "i": { "nationalReporting": false } }),
        )
        .await;
    assert_eq!(
        out["setOutcomeSettings"]["settings"]["nationalReporting"],
        false
    );
    let one = app.gql_ok(Some(&national), NATIONAL, this_month()).await;
    assert_eq!(
        one["nationalReport"]["partnerships"],
        json!(["Peer-Partnerskabet Helsingør"])
    );
    assert_eq!(total(&one), Cell::Suppressed);

    // Back in with a stricter threshold (7): the whole view is published at 7.
    app.gql_ok(
        Some(&kobenhavn),
        SETTINGS,
        json!({ "i": { "nationalReporting": true, "disclosureThreshold": 7 } }),
    )
    .await;
    let strict = app.gql_ok(Some(&national), NATIONAL, this_month()).await;
    assert_eq!(strict["nationalReport"]["report"]["threshold"], 7);
    assert_eq!(total(&strict), Cell::Suppressed);
    app.gql_ok(
        Some(&kobenhavn),
        SETTINGS,
        json!({ "i": { "disclosureThreshold": 5 } }),
    )
    .await;

    // The same view as CSV and as a printable page, with no names in it.
    let path = format!("/api/v1/national-reports/{}?format=csv", label());
    let res = app
        .request(reqwest::Method::GET, &path)
        .bearer_auth(&national)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let csv = res.text().await.unwrap();
    assert!(
        csv.contains("referrals-by-organisation-and-status,TOTAL,TOTAL,6,shown\n"),
        "{csv}"
    );
    let path = format!("/api/v1/national-reports/{}", label());
    let res = app
        .request(reqwest::Method::GET, &path)
        .bearer_auth(&national)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Peer-Partnerskabet Danmark, samlet for"),
        "{html}"
    );
    assert!(html.matches("<svg").count() >= 3);
    assert!(!html.contains("National Person"));

    // Only a national partner organisation's coordinators and admins read it.
    assert_eq!(
        total(
            &app.gql_ok(Some(&app.admin("danmark").await), NATIONAL, this_month())
                .await
        ),
        Cell::Shown(6)
    );
    for token in [
        app.token("helsingor", "coordinator@helsingor.demo").await,
        app.admin("helsingor").await,
        app.token("kobenhavn", "caseworker@kobenhavn.demo").await,
        app.token("helsingor", "peer@helsingor.demo").await,
    ] {
        assert_eq!(
            app.gql_code(Some(&token), NATIONAL, this_month()).await,
            "FORBIDDEN"
        );
        let res = app
            .request(reqwest::Method::GET, &path)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    assert_eq!(
        app.gql_code(None, NATIONAL, this_month()).await,
        "UNAUTHENTICATED"
    );
    // A period that has not begun has no report; a malformed one is refused.
    let res = app
        .request(reqwest::Method::GET, "/api/v1/national-reports/2999-01")
        .bearer_auth(&national)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = app
        .request(reqwest::Method::GET, "/api/v1/national-reports/2026-13")
        .bearer_auth(&national)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // The national organisation sees none of the partnerships' own records.
    let counts = app
        .gql_ok(Some(&national), "{ referralCounts { count } }", json!({}))
        .await;
    let held: i64 = counts["referralCounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_i64().unwrap())
        .sum();
    assert_eq!(held, 0, "{counts}");
}

on_both!(the_national_view_combines_only_partnerships_that_opted_in);
