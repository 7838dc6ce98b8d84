//! Erasing a self-registered citizen closes and scrubs their own account too (issue 13): their
//! token is refused at once, the e-mail, display name and identity-provider link are gone from
//! the database, and the account cannot be reactivated into a working login under their name.

use peerbro_tests::{Db, TestApp, on_both};
use serde_json::json;

const ERASE: &str =
    "mutation($id: ID!) { eraseCitizen(input: { citizenId: $id }) { citizen { name erasedAt } } }";

async fn erasing_a_self_registered_citizen_closes_their_account(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let email = "slettes.selv@example.dk";
    let user = app
        .gql_ok(
            Some(&admin),
            "mutation($e: String!) { inviteUser(input: { email: $e, displayName: \"Vibeke Slettesen\", roles: [CITIZEN], idpSubject: \"idp|vibeke-slettesen\" }) { user { id } } }",
            json!({ "e": email }),
        )
        .await["inviteUser"]["user"]["id"]
        .clone();
    let token = app
        .token_naming("helsingor", email, Some("idp|vibeke-slettesen"))
        .await;
    let citizen = app
        .gql_ok(
            Some(&token),
            "mutation { registerSelf(input: { name: \"Vibeke Slettesen\", municipality: \"Helsingør\" }) { citizen { id } } }",
            json!({}),
        )
        .await["registerSelf"]["citizen"]["id"]
        .clone();
    assert_eq!(
        app.gql_ok(Some(&token), "{ me { email } }", json!({}))
            .await["me"]["email"],
        email
    );
    let dump = app.dump().await;
    let holds =
        |dump: &[u8], needle: &str| dump.windows(needle.len()).any(|w| w == needle.as_bytes());
    for there in [email, "idp|vibeke-slettesen"] {
        assert!(holds(&dump, there), "{there} is in the dump (control)");
    }

    let erased = app
        .gql_ok(Some(&admin), ERASE, json!({ "id": citizen }))
        .await;
    assert!(erased["eraseCitizen"]["citizen"]["name"].is_null());

    // The login is closed at once.
    let (status, body) = app.gql(Some(&token), "{ me { email } }", json!({})).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    // Listed as a closed account with nothing of them left.
    let listed = app
        .gql_ok(
            Some(&admin),
            "query($id: ID!) { node(id: $id) { ... on User { email displayName deactivatedAt } } }",
            json!({ "id": user }),
        )
        .await;
    let node = &listed["node"];
    assert!(node["deactivatedAt"].is_string(), "{listed}");
    assert_eq!(node["displayName"], "Slettet");
    assert!(
        node["email"].as_str().unwrap().ends_with("@erased.invalid"),
        "{listed}"
    );
    let dump = app.dump().await;
    for gone in [email, "Vibeke Slettesen", "idp|vibeke-slettesen"] {
        assert!(!holds(&dump, gone), "{gone} is still in the database");
    }
}

on_both!(erasing_a_self_registered_citizen_closes_their_account);
