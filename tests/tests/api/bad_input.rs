//! Bad input gets a clear 4xx and a typed code, never a 5xx, and changes nothing.

use peerbro_tests::{Db, StatusCode, TestApp, on_both};
use reqwest::Method;
use serde_json::{Value, json};

async fn org_count(app: &TestApp, token: &str) -> usize {
    let data = app
        .gql_ok(
            Some(token),
            "{ organisations(first: 100) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    data["organisations"]["edges"].as_array().unwrap().len()
}

async fn malformed_graphql_requests_get_validation_errors(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let before = org_count(&app, &admin).await;
    let post = |body: String, content_type: &'static str| {
        app.request(Method::POST, "/graphql")
            .bearer_auth(&admin)
            .header("content-type", content_type)
            .body(body)
            .send()
    };

    for (body, why) in [
        ("{ not json".to_owned(), "malformed JSON"),
        ("[1, 2]".to_owned(), "not an object"),
        (r#"{"query": 42}"#.to_owned(), "query of the wrong type"),
    ] {
        let res = post(body, "application/json").await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{why}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "VALIDATION",
            "{why}"
        );
    }
    let res = post("{}".to_owned(), "text/plain").await.unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let huge = format!(
        r#"{{"query": "{{ me {{ email }} }}", "x": "{}"}}"#,
        "a".repeat(2 * 1024 * 1024)
    );
    let res = post(huge, "application/json").await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let create = "mutation($name: String!, $kind: OrganisationKind!) { createOrganisation(input: { name: $name, kind: $kind }) { organisation { id } } }";
    for (query, vars, why) in [
        ("{ me { nosuchfield } }", json!({}), "unknown field"),
        ("{ me { email ", json!({}), "syntax error"),
        (
            create,
            json!({ "name": 7, "kind": "NGO" }),
            "variable of the wrong type",
        ),
        (
            create,
            json!({ "name": "X", "kind": "CASTLE" }),
            "unknown enum value",
        ),
        (create, json!({ "name": "X" }), "missing variable"),
        (create, json!({ "name": "", "kind": "NGO" }), "empty name"),
        (
            create,
            json!({ "name": "x".repeat(201), "kind": "NGO" }),
            "name too long",
        ),
        (
            "mutation { createOrganisation(input: { name: \"X\", kind: NGO, extra: 1 }) { organisation { id } } }",
            json!({}),
            "unknown input field",
        ),
        (
            "query($id: ID!) { organisation(id: $id) { id } }",
            json!({ "id": "not-a-uuid" }),
            "bad id",
        ),
        (
            "{ organisations(first: 100000) { edges { node { id } } } }",
            json!({}),
            "page too large",
        ),
    ] {
        let (status, body) = app.gql(Some(&admin), query, vars).await;
        assert!(
            status.is_success() || status.is_client_error(),
            "{why}: {status}"
        );
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "VALIDATION",
            "{why}: {body}"
        );
    }

    // Depth limit: a query nested deeper than allowed is refused by the depth limit itself,
    // before it is validated (each limit at and past its value: query_cost.rs).
    let deep = format!(
        "{{ __schema {{ queryType {{ {}name{} }} }} }}",
        "ofType { ".repeat(40),
        " }".repeat(40)
    );
    let (_, body) = app.gql(Some(&admin), &deep, json!({})).await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "VALIDATION",
        "{body}"
    );
    assert_eq!(body["errors"][0]["extensions"]["limit"], "depth", "{body}");

    assert_eq!(org_count(&app, &admin).await, before, "nothing changed");
    app.stop().await;
}

async fn malformed_rest_requests_get_problem_documents(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let before = org_count(&app, &admin).await;
    let cases: Vec<(Method, &str, Option<&str>, StatusCode, &str)> = vec![
        (
            Method::POST,
            "/api/v1/organisations",
            Some("{ nope"),
            StatusCode::BAD_REQUEST,
            "malformed JSON",
        ),
        (
            Method::POST,
            "/api/v1/organisations",
            Some(r#"{"name": 1, "kind": "NGO"}"#),
            StatusCode::BAD_REQUEST,
            "wrong type",
        ),
        (
            Method::POST,
            "/api/v1/organisations",
            Some(r#"{"name": "X", "kind": "NGO", "evil": true}"#),
            StatusCode::BAD_REQUEST,
            "unknown field",
        ),
        (
            Method::POST,
            "/api/v1/organisations",
            Some(r#"{"name": "X", "kind": "CASTLE"}"#),
            StatusCode::BAD_REQUEST,
            "unknown kind",
        ),
        (
            Method::POST,
            "/api/v1/organisations",
            Some(r#"{"name": "   ", "kind": "NGO"}"#),
            StatusCode::BAD_REQUEST,
            "blank name",
        ),
        (
            Method::PATCH,
            "/api/v1/organisations/not-a-uuid",
            Some(r#"{"name": "X"}"#),
            StatusCode::BAD_REQUEST,
            "bad id",
        ),
        (
            Method::GET,
            "/api/v1/organisations?limit=0",
            None,
            StatusCode::BAD_REQUEST,
            "limit 0",
        ),
        (
            Method::GET,
            "/api/v1/organisations?limit=abc",
            None,
            StatusCode::BAD_REQUEST,
            "limit not a number",
        ),
        (
            Method::GET,
            "/api/v1/organisations?cursor=%%%",
            None,
            StatusCode::BAD_REQUEST,
            "bad cursor",
        ),
        (
            Method::GET,
            "/api/v1/organisations?colour=red",
            None,
            StatusCode::BAD_REQUEST,
            "unknown parameter",
        ),
        (
            Method::GET,
            "/api/v1/nothing-here",
            None,
            StatusCode::NOT_FOUND,
            "unknown route",
        ),
    ];
    for (method, path, body, expected, why) in cases {
        let mut req = app.request(method, path).bearer_auth(&admin);
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), expected, "{why}");
        assert_eq!(
            res.headers()["content-type"].to_str().unwrap(),
            "application/problem+json",
            "{why}"
        );
        let problem: Value = res.json().await.unwrap();
        assert!(
            problem["code"].is_string() && problem["detail"].is_string(),
            "{why}: {problem}"
        );
    }
    // A refused body names the field at fault, as GraphQL's `extensions.field` does, and
    // never repeats the value sent.
    for (body, field, sent) in [
        (r#"{"name": 1, "kind": "NGO"}"#, "name", None),
        (r#"{"kind": "NGO"}"#, "name", None),
        (
            r#"{"name": "X", "kind": "NGO", "hemmelig": true}"#,
            "hemmelig",
            None,
        ),
        (
            r#"{"name": "X", "kind": "Kirsten Hemmelig"}"#,
            "kind",
            Some("Kirsten"),
        ),
        (r#"{"name": "   ", "kind": "NGO"}"#, "name", None),
    ] {
        let res = app
            .request(Method::POST, "/api/v1/organisations")
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body}");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["code"], "VALIDATION", "{body}: {problem}");
        assert_eq!(problem["field"], field, "{body}: {problem}");
        if let Some(sent) = sent {
            assert!(
                !problem.to_string().contains(sent),
                "{body}: the value came back: {problem}"
            );
        }
    }
    let res = app
        .request(Method::POST, "/api/v1/organisations")
        .bearer_auth(&admin)
        .header("content-type", "text/plain")
        .body("name=X")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let res = app
        .request(Method::POST, "/api/v1/organisations")
        .bearer_auth(&admin)
        .json(&json!({ "name": "x".repeat(2 * 1024 * 1024), "kind": "NGO" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(org_count(&app, &admin).await, before, "nothing changed");
    app.stop().await;
}

on_both!(
    malformed_graphql_requests_get_validation_errors,
    malformed_rest_requests_get_problem_documents,
);
