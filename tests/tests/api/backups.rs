//! Erasure that reaches backups (issue 13, ADR 0043). A backup is taken, a citizen erased, the
//! tenant keys rotated to a new epoch (`peerbro keys rotate`, another process than the
//! server's). Within the backup-retention window the old epoch is kept and the backup still
//! opens the erased citizen — that is what keeping backups means. Once the rotation is older
//! than the window (time passes by moving the keyring's dates back, as the CLI writes them),
//! `peerbro keys retire` destroys the old epoch, and the backup — with the master key and
//! every key the operator still holds — opens no one: the server refuses to serve it and
//! `keys status` reports its keys closed, while the live database opens everyone it holds.

use chrono::{Duration, Utc};
use peerbro_api::startup::Application;
use peerbro_tests::process::{cli, environment};
use peerbro_tests::receiver::{Behaviour, Receiver, verifies};
use peerbro_tests::{Db, TestApp, drop_test_database, on_both, test_settings};
use serde_json::{Value, json};

const REGISTER: &str = "mutation($n: String!) { registerCitizen(input: { name: $n, municipality: \"Helsingør\", consents: [] }) { citizen { id } } }";
const ERASE: &str =
    "mutation($id: ID!) { eraseCitizen(input: { citizenId: $id }) { citizen { erasedAt } } }";
const NAME: &str =
    "query($id: ID!) { citizen(id: $id, purpose: ADMINISTRATION) { name erasedAt } }";
const FIND: &str =
    "query($n: String!) { citizens(purpose: ADMINISTRATION, name: $n) { nodes { id name } } }";

async fn register(app: &TestApp, admin: &str, name: &str) -> Value {
    app.gql_ok(Some(admin), REGISTER, json!({ "n": name }))
        .await["registerCitizen"]["citizen"]["id"]
        .clone()
}

fn keys(env: &[(String, String)], command: &str) -> Value {
    let (ok, out, err) = cli(env, &["keys", command, "--json"]);
    assert!(ok, "keys {command}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// Moves the moment the rotation to `epoch` finished back to `at`.
fn finished_at(path: &std::path::Path, epoch: i64, at: chrono::DateTime<Utc>) {
    let mut file: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let entry = file["epochs"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e["epoch"] == epoch)
        .unwrap();
    entry["completed_at"] = json!(at.to_rfc3339());
    std::fs::write(path, serde_json::to_vec(&file).unwrap()).unwrap();
}

/// Writes the live database's tenant keys (as wrapped now) over the backup's.
async fn transplant_tenant_keys(app: &TestApp, backup: &peerbro_api::Settings) {
    let pg = app.settings.database_admin_url.is_some();
    let (id, key) = if pg {
        ("tenant_id::text", "encode(wrapped_key, 'hex')")
    } else {
        ("hex(tenant_id)", "hex(wrapped_key)")
    };
    let rows = app
        .owner_texts(&format!(
            "SELECT {id} || ' ' || {key} || ' ' || epoch AS v FROM tenant_keys"
        ))
        .await;
    let url = backup
        .database_admin_url
        .clone()
        .unwrap_or_else(|| backup.database_url.clone());
    let conn = sea_orm::Database::connect(url).await.unwrap();
    for row in rows {
        let [tenant, wrapped, epoch] = row.split(' ').collect::<Vec<_>>()[..] else {
            panic!("{row}");
        };
        let sql = if pg {
            format!(
                "UPDATE tenant_keys SET wrapped_key = '\\x{wrapped}'::bytea, epoch = {epoch} \
                 WHERE tenant_id = '{tenant}'"
            )
        } else {
            format!(
                "UPDATE tenant_keys SET wrapped_key = X'{wrapped}', epoch = {epoch} \
                 WHERE hex(tenant_id) = '{tenant}'"
            )
        };
        let done = sea_orm::ConnectionTrait::execute_unprepared(&conn, &sql)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1, "{sql}");
    }
    conn.close().await.ok();
}

async fn erasure_reaches_backups_once_the_window_has_passed(db: Db) {
    let receiver = Receiver::start(Behaviour::FailFirst(0)).await;
    let mut settings = test_settings(&db).await;
    settings.webhook_allow_private_targets = true;
    settings.webhook_allow_http = true;
    settings.webhook_poll_interval_ms = 100;
    let app = TestApp::spawn_with(settings).await;
    let admin = app.admin("helsingor").await;
    // A webhook endpoint whose secret is sealed under the tenant key before the rotation.
    let secret = app
        .gql_ok(
            Some(&admin),
            "mutation($u: String!) { createWebhookEndpoint(input: { url: $u, eventTypes: [REFERRAL_SUBMITTED] }) { secret } }",
            json!({ "u": format!("{}/hook", receiver.url) }),
        )
        .await["createWebhookEndpoint"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let erased_name = format!("Ada Sikkerhedskopi {run}");
    let kept_name = format!("Bent Bliverher {run}");
    let erased = register(&app, &admin, &erased_name).await;
    let kept = register(&app, &admin, &kept_name).await;

    // The backup, taken before the erasure.
    let backup = app.backup_copy().await;
    app.gql_ok(Some(&admin), ERASE, json!({ "id": erased }))
        .await;

    let env = environment(&app.settings);
    let rotated = keys(&env, "rotate");
    assert_eq!(rotated["epoch"], 2, "{rotated}");
    let helsingor = rotated["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tenant"] == "helsingor")
        .unwrap();
    assert_eq!(helsingor["rotated"], true);
    assert!(helsingor["subject_keys"].as_u64().unwrap() >= 1);
    assert_eq!(helsingor["webhook_endpoints"], 1);
    assert!(helsingor["users"].as_u64().unwrap() >= 4, "{helsingor}");
    // The webhook secret was re-sealed: an event after the rotation is signed with it. The
    // users' logins were re-sealed and their address index recomputed: the referrer is found
    // by address.
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    app.gql_ok(
        Some(&referrer),
        "mutation { submitReferral(input: { newCitizen: { name: \"Efter Rotation\", municipality: \"Helsingør\" }, reason: \"Ønsker en peer\", consentEvidence: WRITTEN }) { referral { id } } }",
        json!({}),
    )
    .await;
    let received = receiver
        .wait_until(std::time::Duration::from_secs(30), |r| !r.is_empty())
        .await;
    assert!(
        verifies(&secret, &received[0]),
        "signed with the re-sealed secret"
    );
    // The running server follows the other process's rotation: the kept citizen opens and
    // is found by name (the index was recomputed); the erased one stays erased.
    let found = app
        .gql_ok(Some(&admin), FIND, json!({ "n": kept_name.to_uppercase() }))
        .await;
    assert_eq!(found["citizens"]["nodes"][0]["id"], kept, "{found}");
    assert_eq!(found["citizens"]["nodes"][0]["name"], kept_name.as_str());
    let gone = app
        .gql_ok(Some(&admin), NAME, json!({ "id": erased }))
        .await;
    assert!(gone["citizen"]["name"].is_null() && !gone["citizen"]["erasedAt"].is_null());

    // Within the window the old epoch is kept, and the backup still opens the erased citizen.
    let retired = keys(&env, "retire");
    assert_eq!(retired["destroyed"], json!([]), "{retired}");
    let restored = TestApp::spawn_with(backup.clone()).await;
    let restored_admin = restored.admin("helsingor").await;
    let read = restored
        .gql_ok(Some(&restored_admin), NAME, json!({ "id": erased }))
        .await;
    assert_eq!(read["citizen"]["name"], erased_name.as_str(), "the control");
    restored.halt().await;

    // The window passes: one minute short of it the epoch is still kept; one minute past it,
    // destroyed.
    let window = Duration::days(i64::from(app.settings.backup_retention_days));
    let keyring = app.settings.keyring_path().unwrap();
    finished_at(&keyring, 2, Utc::now() - window + Duration::minutes(1));
    let retired = keys(&env, "retire");
    assert_eq!(retired["destroyed"], json!([]), "{retired}");
    finished_at(&keyring, 2, Utc::now() - window - Duration::minutes(1));
    let retired = keys(&env, "retire");
    assert_eq!(retired["destroyed"], json!([1]), "{retired}");

    // The backup, with the master key and every key the operator still holds, opens no one.
    let status = keys(&environment(&backup), "status");
    for tenant in status["tenants"].as_array().unwrap() {
        if tenant["has_key"] == true {
            assert_eq!(tenant["epoch"], 1, "{status}");
            assert_eq!(tenant["opens"], false, "{status}");
        }
    }
    let Err(refused) = Application::build(&backup).await else {
        panic!("the backup is refused");
    };
    assert!(refused.to_string().contains("do not open"), "{refused}");
    // Nor does the tenant key the operator still holds (the live one, under the live epoch)
    // open what the backup holds: it is a new key, and the erased citizen's key was never
    // wrapped under it. Planted into the backup, it lets the server start — and read no one.
    transplant_tenant_keys(&app, &backup).await;
    let restored = TestApp::spawn_with(backup.clone()).await;
    // Found by id: the backup's addresses are sealed and indexed under its old tenant key.
    let admin_id = app.user_id("helsingor", "admin@helsingor.demo").await;
    let restored_admin = restored.token_for("helsingor", admin_id).await;
    for (who, name) in [(&erased, &erased_name), (&kept, &kept_name)] {
        let (_, body) = restored
            .gql(Some(&restored_admin), NAME, json!({ "id": who }))
            .await;
        assert!(!body.to_string().contains(name.as_str()), "{body}");
        assert!(
            body["errors"][0]["extensions"]["code"].is_string(),
            "{body}"
        );
    }
    restored.halt().await;
    // The live database opens everyone it holds.
    let status = keys(&env, "status");
    assert!(
        status["tenants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["opens"] == true),
        "{status}"
    );
    let read = app.gql_ok(Some(&admin), NAME, json!({ "id": kept })).await;
    assert_eq!(read["citizen"]["name"], kept_name.as_str());

    drop_test_database(&backup).await;
    app.stop().await;
    receiver.stop().await;
}

on_both!(erasure_reaches_backups_once_the_window_has_passed);
