//! Retention of the audit log (issue 13, ADR 0045): entries older than the tenant's
//! `auditDays` (at least 183) are removed from the start of the chain, which then verifies
//! from a checkpoint and goes on growing from it; removal stops at the first entry about a
//! person under a legal hold; the dry run equals the run; other partnerships keep theirs. On
//! PostgreSQL the application role can neither delete an entry nor have the database remove
//! one younger than 183 days.

use chrono::{Duration, Utc};
use peerbro_persistence::testing::unfiltered_execute;
use peerbro_tests::process::{cli, environment};
use peerbro_tests::{Db, TestApp, on_both};
use serde_json::{Value, json};

use crate::retention::{of, report as run};

const SET: &str = "mutation($d: Int) { setRetentionSettings(input: { closedReferralDays: 730, inactiveCitizenDays: 1825, auditDays: $d }) { settings { auditDays } } }";
const CHAIN: &str = "{ auditChain { intact entries brokenAt reason } }";
const REGISTER: &str = "mutation($n: String!) { registerCitizen(input: { name: $n, municipality: \"Helsingør\" }) { citizen { id pseudonym } } }";

fn audit_of(report: &Value, tenant: &str) -> u64 {
    of(report, tenant)["auditEntries"].as_u64().unwrap()
}

async fn number(app: &TestApp, sql: &str) -> u64 {
    app.owner_texts(sql).await[0].parse().unwrap()
}

async fn chain(app: &TestApp, admin: &str) -> Value {
    let report = app.gql_ok(Some(admin), CHAIN, json!({})).await["auditChain"].clone();
    assert_eq!(report["intact"], true, "{report}");
    report
}

fn tenant(slug: &str) -> String {
    format!("(SELECT id FROM tenants WHERE slug = '{slug}')")
}

async fn the_audit_log_is_kept_as_long_as_the_partnership_says_and_still_verifies(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let other = app.admin("kobenhavn").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;

    // Limits at the limit and one past; another partnership keeps its default.
    for bad in [182, 3651] {
        let (_, body) = app.gql(Some(&admin), SET, json!({ "d": bad })).await;
        assert_eq!(
            body["errors"][0]["extensions"]["field"], "auditDays",
            "{body}"
        );
    }
    for (token, days) in [(&admin, 183), (&other, 183)] {
        let set = app.gql_ok(Some(token), SET, json!({ "d": days })).await;
        assert_eq!(set["setRetentionSettings"]["settings"]["auditDays"], days);
    }
    assert_eq!(
        app.gql_ok(
            Some(&app.admin("danmark").await),
            "{ retentionSettings { auditDays } }",
            json!({})
        )
        .await["retentionSettings"]["auditDays"],
        1825
    );

    // In Helsingør: an old citizen, then one later put under a legal hold, then a third.
    let mut pseudonyms = Vec::new();
    for name in ["Gammel Revision", "Holdt Revision", "Ny Revision"] {
        let c = app
            .gql_ok(Some(&coordinator), REGISTER, json!({ "n": name }))
            .await["registerCitizen"]["citizen"]
            .clone();
        pseudonyms.push((
            c["id"].as_str().unwrap().to_owned(),
            c["pseudonym"].as_str().unwrap().to_owned(),
        ));
    }
    app.gql_ok(
        Some(&admin),
        "mutation($id: ID!) { placeLegalHold(input: { citizenId: $id, reason: COMPLAINT }) { citizenId } }",
        json!({ "id": pseudonyms[1].0 }),
    )
    .await;
    // Everything pending is sealed; every entry of Helsingør and København is made 200 days
    // old, Danmark's are not. (Moving an entry's time changes what its hash covers: the entries
    // retention removes no longer matter, but Helsingør's kept ones now fail verification.)
    let helsingor_length = chain(&app, &admin).await["entries"].as_i64().unwrap();
    let kobenhavn_length = chain(&app, &other).await["entries"].as_i64().unwrap();
    assert!(kobenhavn_length > 0);
    let old =
        (Utc::now() - Duration::days(200)).to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    for slug in ["helsingor", "kobenhavn"] {
        app.owner_execute(&format!(
            "UPDATE audit_entries SET at = '{old}' WHERE tenant_id = {}",
            tenant(slug)
        ))
        .await;
    }
    let first_held = number(
        &app,
        &format!(
            "SELECT CAST(MIN(seq) AS TEXT) AS v FROM audit_entries WHERE subject_id = \
             (SELECT id FROM citizens WHERE pseudonym = '{}')",
            pseudonyms[1].1
        ),
    )
    .await;
    assert!(first_held > 1);

    // The dry run: Helsingør up to the held citizen's first entry, all of København, none of
    // Danmark's. The run does the same.
    let env = environment(&app.settings);
    let dry = run(&env, true);
    assert_eq!(audit_of(&dry, "helsingor"), first_held - 1, "{dry}");
    assert_eq!(audit_of(&dry, "kobenhavn"), kobenhavn_length as u64);
    assert_eq!(audit_of(&dry, "danmark"), 0);
    let done = run(&env, false);
    assert_eq!(done, dry);
    let left = |slug: &str| {
        format!(
            "SELECT CAST(COUNT(*) AS TEXT) AS v FROM audit_entries WHERE tenant_id = {}",
            tenant(slug)
        )
    };
    assert_eq!(
        number(&app, &left("helsingor")).await,
        helsingor_length as u64 - (first_held - 1)
    );
    assert_eq!(number(&app, &left("kobenhavn")).await, 0);

    // Helsingør's chain now starts at its checkpoint: the first kept entry follows it (its
    // previous hash matches), and is reported only because this test moved its time back.
    let helsingor = app.gql_ok(Some(&admin), CHAIN, json!({})).await["auditChain"].clone();
    assert_eq!(
        (&helsingor["brokenAt"], &helsingor["reason"]),
        (&json!(first_held), &json!("entry was altered")),
        "{helsingor}"
    );
    // København's, all removed, verifies from its checkpoint, keeps its length, and grows.
    assert_eq!(chain(&app, &other).await["entries"], kobenhavn_length);
    let other_coordinator = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;
    app.gql_ok(
        Some(&other_coordinator),
        REGISTER,
        json!({ "n": "Efter Revision" }),
    )
    .await;
    let grown = chain(&app, &other).await["entries"].as_i64().unwrap();
    assert!(grown > kobenhavn_length, "{grown} after {kobenhavn_length}");
    let (ok, out, err) = cli(&env, &["audit", "verify", "--tenant", "kobenhavn"]);
    assert!(ok && out.contains("kobenhavn: intact"), "{out}{err}");
    // A changed entry after the checkpoint is still found.
    app.owner_execute(&format!(
        "UPDATE audit_entries SET purpose = 'RESEARCH' WHERE tenant_id = {} AND seq = {grown}",
        tenant("kobenhavn")
    ))
    .await;
    let broken = app.gql_ok(Some(&other), CHAIN, json!({})).await["auditChain"].clone();
    assert_eq!(broken["brokenAt"], grown, "{broken}");

    // Nothing more is due: the hold keeps the rest of Helsingør's chain.
    let again = run(&env, true);
    assert_eq!(audit_of(&again, "helsingor"), 0, "{again}");

    // PostgreSQL: the application role cannot delete entries, nor prune young ones.
    if matches!(db, Db::Postgres(_)) {
        app.gql_ok(Some(&coordinator), REGISTER, json!({ "n": "Ung Revision" }))
            .await;
        let newest = number(
            &app,
            &format!(
                "SELECT CAST(MAX(seq) AS TEXT) AS v FROM audit_entries WHERE tenant_id = {}",
                tenant("helsingor")
            ),
        )
        .await;
        let app_db = app.app_database().await;
        let t = app.tenant_id("helsingor").await;
        let denied = unfiltered_execute(&app_db, t, "DELETE FROM audit_entries").await;
        assert!(denied.is_err(), "{denied:?}");
        let young =
            unfiltered_execute(&app_db, t, &format!("SELECT peerbro_prune_audit({newest})")).await;
        assert!(
            young.is_err_and(|e| e.contains("183 days")),
            "the database keeps entries younger than 183 days"
        );
    }
    app.stop().await;
}

on_both!(the_audit_log_is_kept_as_long_as_the_partnership_says_and_still_verifies);
