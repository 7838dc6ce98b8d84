//! Users' e-mail addresses and display names are sealed under the tenant's key and found by a
//! keyed index (issue 13, ADR 0038): a dump holds no address and no name of any user — staff,
//! peer or citizen — while the API shows them, finds a user by address, and refuses a taken
//! address. Addresses stored in clear before migration 31 are sealed at the next start.

use peerbro_tests::{Db, TestApp, on_both, uuid_of};
use serde_json::json;

const INVITE: &str = "mutation($email: String!, $name: String!) { inviteUser(input: { \
    email: $email, displayName: $name, roles: [PEER] }) { user { id email displayName } } }";
const USER: &str = "query($id: ID!) { user(id: $id) { email displayName } }";

fn holds(dump: &[u8], needle: &str) -> bool {
    dump.windows(needle.len()).any(|w| w == needle.as_bytes())
}

async fn logins_are_sealed_and_found_by_address(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
    let email = format!("lone.login.{run}@example.dk");
    let name = format!("Lone Login {run}");
    let invited = app
        .gql_ok(
            Some(&admin),
            INVITE,
            json!({ "email": email.to_uppercase(), "name": name }),
        )
        .await;
    let id = invited["inviteUser"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(invited["inviteUser"]["user"]["email"], email.as_str());

    // The API shows the address and the name; a dump holds neither, nor any seeded address.
    let seen = app.gql_ok(Some(&admin), USER, json!({ "id": id })).await;
    assert_eq!(seen["user"]["email"], email.as_str());
    assert_eq!(seen["user"]["displayName"], name.as_str());
    let dump = app.dump().await;
    for needle in [
        email.as_str(),
        name.as_str(),
        "@helsingor.demo",
        "@kobenhavn.demo",
    ] {
        assert!(!holds(&dump, needle), "the dump holds {needle}");
    }

    // Found by its address (the index), in any case; a taken address is refused.
    let token = app.token("helsingor", &email.to_uppercase()).await;
    let me = app
        .gql_ok(Some(&token), "{ me { id email } }", json!({}))
        .await;
    assert_eq!(me["me"]["email"], email.as_str());
    assert_eq!(
        app.gql_code(
            Some(&admin),
            INVITE,
            json!({ "email": email, "name": "Another Person" })
        )
        .await,
        "CONFLICT"
    );
    // The same address is free in another partnership: the index is keyed per tenant.
    let other = app.admin("kobenhavn").await;
    app.gql_ok(
        Some(&other),
        INVITE,
        json!({ "email": email, "name": "Same Address" }),
    )
    .await;

    // As a server before migration 31 would have left the row: in clear, nothing sealed.
    let row = app.id_sql(&uuid_of(&id));
    assert_eq!(
        app.owner_execute(&format!(
            "UPDATE users SET email = '{email}', display_name = '{name}', email_sealed = NULL, \
             display_name_sealed = NULL, email_index = NULL WHERE id = {row}"
        ))
        .await,
        1
    );
    assert!(holds(&app.dump().await, &email), "control: in clear now");
    let seen = app.gql_ok(Some(&admin), USER, json!({ "id": id })).await;
    assert_eq!(seen["user"]["email"], email.as_str(), "read from clear");

    // The next start seals it: gone from the dump, shown and found as before.
    let mut settings = app.halt().await;
    settings.demo_seed = Some(false);
    let app = TestApp::spawn_with(settings).await;
    let dump = app.dump().await;
    assert!(!holds(&dump, &email), "the address is sealed");
    assert!(!holds(&dump, &name), "the name is sealed");
    let admin = app.admin("helsingor").await;
    let seen = app.gql_ok(Some(&admin), USER, json!({ "id": id })).await;
    assert_eq!(seen["user"]["displayName"], name.as_str());
    let token = app.token("helsingor", &email).await;
    let me = app.gql_ok(Some(&token), "{ me { id } }", json!({})).await;
    assert_eq!(me["me"]["id"], id.as_str());
    assert_eq!(
        app.gql_code(
            Some(&admin),
            INVITE,
            json!({ "email": email, "name": "Another Person" })
        )
        .await,
        "CONFLICT",
        "the sealed address is indexed and still taken"
    );
    app.stop().await;
}

on_both!(logins_are_sealed_and_found_by_address);
