//! Users and roles: invite, grant, revoke, the last admin, who may see whom.

use peerbro_tests::{Db, TestApp, on_both, uuid_of};
use serde_json::json;

const INVITE: &str = "mutation($email: String!, $org: ID) { inviteUser(input: { \
    email: $email, displayName: \"Mette Mortensen\", roles: [PEER], organisationId: $org }) { user { \
    id email roles organisation { name } } } }";

async fn a_tenant_admin_invites_users_and_changes_their_roles(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let orgs = app
        .gql_ok(
            Some(&admin),
            "{ organisations(first: 1, kind: NGO) { edges { node { id name } } } }",
            json!({}),
        )
        .await;
    let org = orgs["organisations"]["edges"][0]["node"].clone();
    let data = app
        .gql_ok(
            Some(&admin),
            INVITE,
            json!({ "email": "Mette@Example.DK", "org": org["id"] }),
        )
        .await;
    let user = &data["inviteUser"]["user"];
    assert_eq!(user["email"], "mette@example.dk");
    assert_eq!(user["roles"], json!(["PEER"]));
    assert_eq!(user["organisation"]["name"], org["name"]);
    let id = user["id"].as_str().unwrap().to_owned();

    assert_eq!(
        app.gql_code(Some(&admin), INVITE, json!({ "email": "mette@example.dk" }))
            .await,
        "CONFLICT"
    );
    assert_eq!(
        app.gql_code(Some(&admin), INVITE, json!({ "email": "not-an-email" }))
            .await,
        "VALIDATION"
    );

    let grant = "mutation($id: ID!, $role: Role!) { grantRole(input: { userId: $id, role: $role }) { user { roles } } }";
    let revoke = "mutation($id: ID!, $role: Role!) { revokeRole(input: { userId: $id, role: $role }) { user { roles } } }";
    let data = app
        .gql_ok(
            Some(&admin),
            grant,
            json!({ "id": id, "role": "COORDINATOR" }),
        )
        .await;
    assert_eq!(
        data["grantRole"]["user"]["roles"],
        json!(["COORDINATOR", "PEER"])
    );
    let data = app
        .gql_ok(
            Some(&admin),
            grant,
            json!({ "id": id, "role": "COORDINATOR" }),
        )
        .await;
    assert_eq!(
        data["grantRole"]["user"]["roles"],
        json!(["COORDINATOR", "PEER"]),
        "granting twice is harmless"
    );
    let data = app
        .gql_ok(Some(&admin), revoke, json!({ "id": id, "role": "PEER" }))
        .await;
    assert_eq!(data["revokeRole"]["user"]["roles"], json!(["COORDINATOR"]));

    // The last admin keeps the admin role; with a second admin, the first may step down.
    let me = app
        .user_id("helsingor", "admin@helsingor.demo")
        .await
        .to_string();
    assert_eq!(
        app.gql_code(
            Some(&admin),
            revoke,
            json!({ "id": me, "role": "TENANT_ADMIN" })
        )
        .await,
        "CONFLICT"
    );
    app.gql_ok(
        Some(&admin),
        grant,
        json!({ "id": id, "role": "TENANT_ADMIN" }),
    )
    .await;
    app.gql_ok(
        Some(&admin),
        revoke,
        json!({ "id": me, "role": "TENANT_ADMIN" }),
    )
    .await;
    // The old admin's token no longer carries admin powers.
    assert_eq!(
        app.gql_code(Some(&admin), INVITE, json!({ "email": "ny@example.dk" }))
            .await,
        "FORBIDDEN"
    );
    app.stop().await;
}

async fn only_admins_and_coordinators_list_users_and_everyone_reads_themself(db: Db) {
    let app = TestApp::spawn(&db).await;
    let list = "{ users(first: 10) { edges { node { email organisation { kind } } } } }";
    for (who, allowed) in [
        ("admin", true),
        ("coordinator", true),
        ("caseworker", false),
        ("peer", false),
    ] {
        let token = app
            .token("helsingor", &format!("{who}@helsingor.demo"))
            .await;
        if allowed {
            let data = app.gql_ok(Some(&token), list, json!({})).await;
            let edges = data["users"]["edges"].as_array().unwrap();
            assert_eq!(edges.len(), 4, "{who}");
            assert!(
                edges
                    .iter()
                    .all(|e| e["node"]["organisation"]["kind"].is_string())
            );
        } else {
            assert_eq!(
                app.gql_code(Some(&token), list, json!({})).await,
                "FORBIDDEN",
                "{who}"
            );
            let own = app
                .user_id("helsingor", &format!("{who}@helsingor.demo"))
                .await
                .to_string();
            let data = app
                .gql_ok(
                    Some(&token),
                    "query($id: ID!) { user(id: $id) { email } }",
                    json!({ "id": own }),
                )
                .await;
            assert_eq!(data["user"]["email"], format!("{who}@helsingor.demo"));
            let other = app
                .user_id("helsingor", "admin@helsingor.demo")
                .await
                .to_string();
            assert_eq!(
                app.gql_code(
                    Some(&token),
                    "query($id: ID!) { user(id: $id) { email } }",
                    json!({ "id": other })
                )
                .await,
                "FORBIDDEN"
            );
            assert_eq!(
                app.gql_code(Some(&token), INVITE, json!({ "email": "a@b.dk" }))
                    .await,
                "FORBIDDEN"
            );
        }
    }
    app.stop().await;
}

const DEACTIVATE: &str = "mutation($id: ID!) { deactivateUser(input: { userId: $id }) { user { id deactivatedAt roles } } }";
const REACTIVATE: &str = "mutation($id: ID!) { reactivateUser(input: { userId: $id }) { user { id deactivatedAt roles } } }";

/// A tenant admin deactivates a user: the user's token is refused at once (401
/// `UNAUTHENTICATED`), their roles stay, and reactivating lets the same token in again. No one
/// else may, an admin may not deactivate themself, and another tenant's user is not found.
async fn a_tenant_admin_deactivates_and_reactivates_a_user(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let caseworker = app.token("helsingor", "caseworker@helsingor.demo").await;
    let id = app.user_id("helsingor", "caseworker@helsingor.demo").await;
    let me = "{ me { email } }";
    app.gql_ok(Some(&caseworker), me, json!({})).await;
    let off = app
        .gql_ok(Some(&admin), DEACTIVATE, json!({ "id": id }))
        .await;
    let user = &off["deactivateUser"]["user"];
    assert!(user["deactivatedAt"].is_string(), "{off}");
    assert_eq!(user["roles"], json!(["REFERRER"]), "roles stay");
    let (status, body) = app.gql(Some(&caseworker), me, json!({})).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let rest = app.get("/api/v1/referrals", Some(&caseworker)).await;
    assert_eq!(rest.status, 401, "{rest:?}");
    // Listed as deactivated; deactivating again keeps the first instant.
    let again = app
        .gql_ok(Some(&admin), DEACTIVATE, json!({ "id": id }))
        .await;
    assert_eq!(
        again["deactivateUser"]["user"]["deactivatedAt"],
        user["deactivatedAt"]
    );
    let listed = app
        .gql_ok(
            Some(&admin),
            "{ users(first: 100) { edges { node { id deactivatedAt } } } }",
            json!({}),
        )
        .await;
    let row = listed["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| uuid_of(e["node"]["id"].as_str().unwrap()) == id.to_string())
        .unwrap()
        .clone();
    assert_eq!(row["node"]["deactivatedAt"], user["deactivatedAt"]);
    let on = app
        .gql_ok(Some(&admin), REACTIVATE, json!({ "id": id }))
        .await;
    assert!(
        on["reactivateUser"]["user"]["deactivatedAt"].is_null(),
        "{on}"
    );
    app.gql_ok(Some(&caseworker), me, json!({})).await;

    // Who may: tenant admins only; not oneself; not across tenants; a bad id is VALIDATION.
    let admin_id = app.user_id("helsingor", "admin@helsingor.demo").await;
    assert_eq!(
        app.gql_code(Some(&admin), DEACTIVATE, json!({ "id": admin_id }))
            .await,
        "VALIDATION"
    );
    for email in [
        "coordinator@helsingor.demo",
        "caseworker@helsingor.demo",
        "peer@helsingor.demo",
    ] {
        let token = app.token("helsingor", email).await;
        for mutation in [DEACTIVATE, REACTIVATE] {
            assert_eq!(
                app.gql_code(Some(&token), mutation, json!({ "id": admin_id }))
                    .await,
                "FORBIDDEN",
                "{email}"
            );
        }
    }
    assert_eq!(
        app.gql_code(None, DEACTIVATE, json!({ "id": id })).await,
        "UNAUTHENTICATED"
    );
    let other_admin = app.admin("kobenhavn").await;
    for mutation in [DEACTIVATE, REACTIVATE] {
        assert_eq!(
            app.gql_code(Some(&other_admin), mutation, json!({ "id": id }))
                .await,
            "NOT_FOUND"
        );
    }
    assert_eq!(
        app.gql_code(Some(&admin), DEACTIVATE, json!({ "id": "not-an-id" }))
            .await,
        "VALIDATION"
    );
    // Nothing of that changed the case-worker.
    app.gql_ok(Some(&caseworker), me, json!({})).await;
    app.stop().await;
}

on_both!(
    a_tenant_admin_invites_users_and_changes_their_roles,
    only_admins_and_coordinators_list_users_and_everyone_reads_themself,
    a_tenant_admin_deactivates_and_reactivates_a_user,
);
