//! Audited reads record their look-ups without waiting for the tenant's audit chain
//! (ADR 0019): the entries are written with the read and sealed into the chain afterwards —
//! in the background within seconds, and at once when the log is read — each exactly once,
//! with the chain still verifying.

use std::time::Duration;

use peerbro_tests::{Db, TestApp, on_both, on_postgres, test_settings, uuid_of};
use sea_orm::{ConnectionTrait as _, TransactionTrait as _};
use serde_json::{Value, json};

const SUBMIT: &str =
    "mutation($input: SubmitReferralInput!) { submitReferral(input: $input) { referral { id } } }";
const AUDITED: &str =
    "query($id: ID!) { referral(id: $id, purpose: REFERRAL_HANDLING) { id reason } }";

async fn referral(app: &TestApp) -> String {
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let data = app
        .gql_ok(
            Some(&referrer),
            SUBMIT,
            json!({ "input": {
                "newCitizen": { "name": "Sealing Borger", "municipality": "Helsingør" },
                "reason": "Ønsker støtte",
                "consentEvidence": "VERBAL_TO_REFERRER",
            }}),
        )
        .await;
    data["submitReferral"]["referral"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    app.owner_texts(&format!("SELECT CAST(count(*) AS TEXT) AS v FROM {table}"))
        .await
        .remove(0)
        .parse()
        .unwrap()
}

/// While another session holds the tenant's audit-chain lock (as a write that audits would),
/// an audited read still answers, and its look-up is sealed once the lock is free.
async fn an_audited_read_does_not_wait_for_the_audit_chain(db: Db) {
    let app = TestApp::spawn(&db).await;
    let id = referral(&app).await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let tenant = app.tenant_id("helsingor").await;
    let owner = sea_orm::Database::connect(app.settings.database_admin_url.clone().unwrap())
        .await
        .unwrap();
    let holder = owner.begin().await.unwrap();
    holder
        .execute_unprepared(&format!(
            "SELECT pg_advisory_xact_lock(hashtextextended('audit/{tenant}', 7))"
        ))
        .await
        .unwrap();
    // Well within the 5 s lock timeout a waiting read would run into.
    let read = tokio::time::timeout(
        Duration::from_secs(3),
        app.gql_ok(Some(&coordinator), AUDITED, json!({ "id": id })),
    )
    .await
    .expect("the audited read does not queue behind the chain's lock");
    assert_eq!(read["referral"]["reason"], "Ønsker støtte");
    assert!(
        count(&app, "audit_pending").await >= 1,
        "the look-up is recorded, waiting to be sealed"
    );
    holder.rollback().await.unwrap();
    owner.close().await.ok();
    let admin = app.admin("helsingor").await;
    let chain = app
        .gql_ok(Some(&admin), "{ auditChain { intact entries } }", json!({}))
        .await;
    assert_eq!(chain["auditChain"]["intact"], true, "{chain}");
    assert_eq!(
        count(&app, "audit_pending").await,
        0,
        "reading the chain sealed it"
    );
    app.stop().await;
}

on_postgres!(an_audited_read_does_not_wait_for_the_audit_chain);

/// Waits until the background sealer has sealed every pending look-up.
async fn sealed_all(app: &TestApp) {
    let mut waited = Duration::ZERO;
    while count(app, "audit_pending").await > 0 {
        assert!(
            waited < Duration::from_secs(10),
            "the background sealer seals pending look-ups"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += Duration::from_millis(100);
    }
}

async fn sealed_reads(app: &TestApp) -> i64 {
    app.owner_texts("SELECT CAST(count(*) AS TEXT) AS v FROM audit_entries WHERE action = 'READ'")
        .await
        .remove(0)
        .parse()
        .unwrap()
}

/// Every look-up is sealed exactly once, in the background without anyone reading the log,
/// and the chain verifies; the access log shows a look-up at once, sealed or not.
async fn look_ups_are_sealed_once_in_the_background_and_the_chain_verifies(db: Db) {
    let mut settings = test_settings(&db).await;
    settings.audit_seal_interval_ms = 100;
    let app = TestApp::spawn_with(settings).await;
    let id = referral(&app).await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    // Look-ups left by the start (the demo seed's reads) are sealed first, so that they are
    // not counted as this test's (a loaded machine can take longer than the first interval).
    sealed_all(&app).await;
    let sealed_before = sealed_reads(&app).await;
    // Concurrent audited reads: each leaves one look-up.
    let reads: Vec<Value> = futures_util::future::join_all(
        (0..8).map(|_| app.gql_ok(Some(&coordinator), AUDITED, json!({ "id": id }))),
    )
    .await;
    assert!(
        reads
            .iter()
            .all(|r| uuid_of(r["referral"]["id"].as_str().unwrap()) == uuid_of(&id))
    );
    sealed_all(&app).await;
    assert_eq!(
        sealed_reads(&app).await - sealed_before,
        8,
        "each look-up is sealed exactly once"
    );
    let admin = app.admin("helsingor").await;
    let chain = app
        .gql_ok(Some(&admin), "{ auditChain { intact entries } }", json!({}))
        .await;
    assert_eq!(chain["auditChain"]["intact"], true, "{chain}");
    app.stop().await;
}

on_both!(look_ups_are_sealed_once_in_the_background_and_the_chain_verifies);
