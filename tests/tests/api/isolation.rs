//! Tenant isolation: a user of tenant A reaches B's rows by id, in lists and by mutation, and
//! every answer is as if B's rows did not exist.

use peerbro_tests::{Db, StatusCode, TestApp, on_both, uuid_of};
use serde_json::{Value, json};

async fn org_ids(app: &TestApp, token: &str) -> Vec<String> {
    let data = app
        .gql_ok(
            Some(token),
            "{ organisations(first: 100) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    data["organisations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn user_ids(app: &TestApp, token: &str) -> Vec<String> {
    let data = app
        .gql_ok(
            Some(token),
            "{ users(first: 100) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    data["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn another_tenants_rows_do_not_exist_for_a_tenant_admin(db: Db) {
    let app = TestApp::spawn(&db).await;
    let a = app.admin("helsingor").await;
    let b = app.admin("kobenhavn").await;
    let a_orgs = org_ids(&app, &a).await;
    let b_orgs = org_ids(&app, &b).await;
    assert_eq!(a_orgs.len(), 5);
    assert_eq!(b_orgs.len(), 5);
    assert!(a_orgs.iter().all(|id| !b_orgs.contains(id)));
    let b_org = b_orgs[0].clone();

    // Read by id: GraphQL and REST.
    let code = app
        .gql_code(
            Some(&a),
            "query($id: ID!) { organisation(id: $id) { name } }",
            json!({ "id": b_org }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    let res = app
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/organisations/{}", uuid_of(&b_org)),
        )
        .bearer_auth(&a)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "NOT_FOUND");

    // Lists: REST shows only A's.
    let res: Value = app
        .request(reqwest::Method::GET, "/api/v1/organisations?limit=100")
        .bearer_auth(&a)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed: Vec<&str> = res["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 5);
    assert!(!listed.contains(&b_org.as_str()));

    // Mutations: rename B's organisation through both APIs.
    let code = app
        .gql_code(
            Some(&a),
            "mutation($id: ID!) { updateOrganisation(input: { organisationId: $id, name: \"Overtaget\" }) { organisation { id } } }",
            json!({ "id": b_org }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    let res = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/organisations/{}", uuid_of(&b_org)),
        )
        .bearer_auth(&a)
        .json(&json!({ "name": "Overtaget" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // Users: B's users are not listed, not readable, and their roles cannot be changed.
    let b_users = user_ids(&app, &b).await;
    let a_users = user_ids(&app, &a).await;
    assert!(a_users.iter().all(|id| !b_users.contains(id)));
    let b_user = b_users[0].clone();
    for query in [
        "query($id: ID!) { user(id: $id) { email } }",
        "mutation($id: ID!) { grantRole(input: { userId: $id, role: TENANT_ADMIN }) { user { id } } }",
        "mutation($id: ID!) { revokeRole(input: { userId: $id, role: TENANT_ADMIN }) { user { id } } }",
    ] {
        assert_eq!(
            app.gql_code(Some(&a), query, json!({ "id": b_user })).await,
            "NOT_FOUND",
            "{query}"
        );
    }
    // Inviting into B's organisation.
    let code = app
        .gql_code(
            Some(&a),
            "mutation($org: ID!) { inviteUser(input: { email: \"x@y.dk\", displayName: \"X\", roles: [PEER], organisationId: $org }) { user { id } } }",
            json!({ "org": b_org }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");

    // B sees its rows unchanged.
    let data = app
        .gql_ok(
            Some(&b),
            "query($id: ID!) { organisation(id: $id) { name } }",
            json!({ "id": b_org }),
        )
        .await;
    assert_ne!(data["organisation"]["name"], "Overtaget");
    let data = app
        .gql_ok(
            Some(&b),
            "{ users(first: 100) { edges { node { email roles } } } }",
            json!({}),
        )
        .await;
    let admins = data["users"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["node"]["roles"]
                .as_array()
                .unwrap()
                .contains(&json!("TENANT_ADMIN"))
        })
        .count();
    assert_eq!(admins, 1);
    assert_eq!(data["users"]["edges"].as_array().unwrap().len(), 4);
    app.stop().await;
}

on_both!(another_tenants_rows_do_not_exist_for_a_tenant_admin);
