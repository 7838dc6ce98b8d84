//! Organisations through GraphQL and REST: create, conflict, update, who may, and paging.

use peerbro_tests::{Db, StatusCode, TestApp, on_both};
use serde_json::{Value, json};

const CREATE: &str = "mutation($name: String!, $kind: OrganisationKind!) { \
    createOrganisation(input: { name: $name, kind: $kind }) { organisation { id name kind createdAt } } }";

async fn a_tenant_admin_manages_organisations_and_others_may_only_read(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let data = app
        .gql_ok(
            Some(&admin),
            CREATE,
            json!({ "name": "  Hørsholm Bostøtte ", "kind": "BOSTOTTE_TEAM" }),
        )
        .await;
    let org = &data["createOrganisation"]["organisation"];
    assert_eq!(org["name"], "Hørsholm Bostøtte", "names are trimmed");
    assert_eq!(org["kind"], "BOSTOTTE_TEAM");
    let id = org["id"].as_str().unwrap().to_owned();

    let code = app
        .gql_code(
            Some(&admin),
            CREATE,
            json!({ "name": "Hørsholm Bostøtte", "kind": "NGO" }),
        )
        .await;
    assert_eq!(code, "CONFLICT", "names are unique in the tenant");
    // …but only in the tenant: kobenhavn may use the same name.
    let other = app.admin("kobenhavn").await;
    app.gql_ok(
        Some(&other),
        CREATE,
        json!({ "name": "Hørsholm Bostøtte", "kind": "NGO" }),
    )
    .await;

    let update = "mutation($id: ID!, $name: String, $kind: OrganisationKind) { \
        updateOrganisation(input: { organisationId: $id, name: $name, kind: $kind }) { organisation { name kind updatedAt } } }";
    let data = app
        .gql_ok(Some(&admin), update, json!({ "id": id, "kind": "OTHER" }))
        .await;
    assert_eq!(
        data["updateOrganisation"]["organisation"]["name"],
        "Hørsholm Bostøtte"
    );
    assert_eq!(data["updateOrganisation"]["organisation"]["kind"], "OTHER");
    assert_eq!(
        app.gql_code(Some(&admin), update, json!({ "id": id }))
            .await,
        "VALIDATION"
    );
    assert_eq!(
        app.gql_code(
            Some(&admin),
            update,
            json!({ "id": id, "name": "SIND Helsingør" })
        )
        .await,
        "CONFLICT"
    );

    for who in ["coordinator", "caseworker", "peer"] {
        let token = app
            .token("helsingor", &format!("{who}@helsingor.demo"))
            .await;
        assert_eq!(
            app.gql_code(Some(&token), CREATE, json!({ "name": "Ny", "kind": "NGO" }))
                .await,
            "FORBIDDEN",
            "{who}"
        );
        let data = app
            .gql_ok(
                Some(&token),
                "query($id: ID!) { organisation(id: $id) { kind } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(data["organisation"]["kind"], "OTHER", "{who} may read");
    }
    assert_eq!(
        app.gql_code(None, CREATE, json!({ "name": "Ny", "kind": "NGO" }))
            .await,
        "UNAUTHENTICATED"
    );
    app.stop().await;
}

async fn organisations_page_forwards_and_backwards_without_gaps(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    for i in 0..7 {
        app.gql_ok(
            Some(&admin),
            CREATE,
            json!({ "name": format!("Gruppe {i:02}"), "kind": "OTHER" }),
        )
        .await;
    }
    let query = "query($first: Int, $after: String, $last: Int, $before: String, $kind: OrganisationKind) { \
        organisations(first: $first, after: $after, last: $last, before: $before, kind: $kind) { \
        edges { cursor node { name } } \
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }";
    let names = |data: &Value| -> Vec<String> {
        data["organisations"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut forward = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let data = app
            .gql_ok(Some(&admin), query, json!({ "first": 5, "after": after }))
            .await;
        forward.extend(names(&data));
        let info = &data["organisations"]["pageInfo"];
        if !info["hasNextPage"].as_bool().unwrap() {
            break;
        }
        after = info["endCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(forward.len(), 12);
    let mut unique = forward.clone();
    unique.dedup();
    assert_eq!(unique.len(), 12, "no duplicates across pages");

    let mut backward = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let data = app
            .gql_ok(Some(&admin), query, json!({ "last": 5, "before": before }))
            .await;
        let mut page = names(&data);
        page.extend(backward);
        backward = page;
        let info = &data["organisations"]["pageInfo"];
        if !info["hasPreviousPage"].as_bool().unwrap() {
            break;
        }
        before = info["startCursor"].as_str().map(str::to_owned);
    }
    assert_eq!(backward, forward, "paging back gives the same order");

    let data = app
        .gql_ok(
            Some(&admin),
            query,
            json!({ "first": 100, "kind": "OTHER" }),
        )
        .await;
    assert_eq!(names(&data).len(), 7);

    for (vars, why) in [
        (json!({ "first": 0 }), "first 0"),
        (json!({ "first": 101 }), "first 101"),
        (json!({ "first": 1, "last": 1 }), "both directions"),
        (json!({ "after": "not-a-cursor" }), "bad cursor"),
    ] {
        assert_eq!(
            app.gql_code(Some(&admin), query, vars).await,
            "VALIDATION",
            "{why}"
        );
    }
    app.stop().await;
}

async fn partners_page_organisations_over_rest(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let res = app
        .request(reqwest::Method::POST, "/api/v1/organisations")
        .bearer_auth(&admin)
        .json(&json!({ "name": "Fontænehuset", "kind": "NGO" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = res.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/organisations/{}", created["id"].as_str().unwrap())
    );
    let got: Value = app
        .request(reqwest::Method::GET, &location)
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(got["name"], "Fontænehuset");

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/organisations?limit=4&cursor={c}"),
            None => "/api/v1/organisations?limit=4".to_owned(),
        };
        let page: Value = app
            .request(reqwest::Method::GET, &path)
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["name"].clone()),
        );
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 6);

    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    let res = app
        .request(reqwest::Method::POST, "/api/v1/organisations")
        .bearer_auth(&peer)
        .json(&json!({ "name": "Nej", "kind": "NGO" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app
        .request(reqwest::Method::POST, "/api/v1/organisations")
        .bearer_auth(&admin)
        .json(&json!({ "name": "Fontænehuset", "kind": "NGO" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "CONFLICT");
    app.stop().await;
}

on_both!(
    a_tenant_admin_manages_organisations_and_others_may_only_read,
    organisations_page_forwards_and_backwards_without_gaps,
    partners_page_organisations_over_rest,
);
