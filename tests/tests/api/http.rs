//! Health, request ids, CORS, OpenAPI and GraphiQL.

use peerbro_tests::{Db, StatusCode, TestApp, on_both, test_settings};
use reqwest::Method;
use serde_json::Value;

async fn health_readiness_and_request_ids(db: Db) {
    let app = TestApp::spawn(&db).await;
    let res = app.request(Method::GET, "/healthz").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().contains_key("x-request-id"));
    let res = app.request(Method::GET, "/readyz").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let res = app
        .request(Method::GET, "/healthz")
        .header("x-request-id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["x-request-id"],
        "abc-123",
        "a caller's id is kept"
    );
    let res = app
        .request(Method::GET, "/healthz")
        .header("x-request-id", "<script>")
        .send()
        .await
        .unwrap();
    assert_ne!(
        res.headers()["x-request-id"],
        "<script>",
        "an unsafe id is replaced"
    );
    app.stop().await;
}

async fn cors_allows_only_configured_origins(db: Db) {
    let mut settings = test_settings(&db).await;
    settings.cors_allowed_origins = vec!["https://app.peerbro.example".to_owned()];
    let app = TestApp::spawn_with(settings).await;
    let preflight = |origin: &'static str| {
        app.request(Method::OPTIONS, "/graphql")
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let res = preflight("https://app.peerbro.example").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://app.peerbro.example"
    );
    let res = preflight("https://evil.example").await.unwrap();
    assert!(!res.headers().contains_key("access-control-allow-origin"));
    app.stop().await;
}

async fn the_openapi_document_and_graphiql_are_served(db: Db) {
    let app = TestApp::spawn(&db).await;
    let doc: Value = app
        .request(Method::GET, "/api/v1/openapi.json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in ["/api/v1/organisations", "/api/v1/organisations/{id}"] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // What OpenAPI validators require, and what every operation can answer under load.
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap();
            assert!(ids.insert(id.to_owned()), "{id} is not unique");
            for (status, response) in op["responses"].as_object().unwrap() {
                assert!(
                    response["description"]
                        .as_str()
                        .is_some_and(|d| !d.is_empty()),
                    "{method} {path} {status} has no description"
                );
            }
            for status in ["400", "429", "503"] {
                assert!(
                    op["responses"][status].is_object(),
                    "{method} {path} {status}"
                );
            }
            assert!(
                op["responses"]["503"]["headers"]["Retry-After"].is_object(),
                "{method} {path}"
            );
        }
    }

    // Coded values are enums, so that generated clients keep them.
    let status = &doc["components"]["schemas"]["ReferralStatus"]["properties"];
    for (field, some) in [
        ("state", "DECLINED"),
        ("fhirTaskStatus", "completed"),
        ("outcome", "GOAL_REACHED"),
        ("declineReason", "NO_CAPACITY"),
    ] {
        let values: Vec<&str> = status[field]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{field} is an enum: {}", status[field]))
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(values.contains(&some), "{field}: {values:?}");
    }
    validate_with_a_standard_validator(&doc);

    let page = app.request(Method::GET, "/graphql").send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("/graphql/assets/graphiql.min.js"));
    for attribute in ["src=\"", "href=\""] {
        for value in html.split(attribute).skip(1) {
            assert!(
                value.starts_with('/'),
                "no asset is loaded from another host: {attribute}{}",
                &value[..value.len().min(40)]
            );
        }
    }
    // No placeholder token (it made the schema load fail with 401), and subscriptions have
    // their WebSocket address.
    assert!(html.contains("defaultHeaders: '{}'"));
    assert!(html.contains("subscriptionUrl"));
    for asset in [
        "graphiql.min.js",
        "graphiql.min.css",
        "react.production.min.js",
        "react-dom.production.min.js",
    ] {
        let res = app
            .request(Method::GET, &format!("/graphql/assets/{asset}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{asset}");
    }
    app.stop().await;
}

/// A REST path asked with a method it does not answer is 405 with `Allow`; an unknown path
/// is 404; a request without a token is 401 before its body is looked at.
async fn rest_answers_405_401_and_404_as_http_means_them(db: Db) {
    let app = TestApp::spawn(&db).await;
    let token = app.admin("helsingor").await;
    for (method, path, allow) in [
        (Method::TRACE, "/api/v1/organisations", "GET, POST"),
        (
            Method::DELETE,
            "/api/v1/organisations/01a22c09-73d6-710b-a54e-4624e4eb33ef",
            "GET, PATCH",
        ),
        (Method::PUT, "/api/v1/offers", "GET"),
        (Method::GET, "/api/v1/oauth/token", "POST"),
    ] {
        let res = app
            .request(method.clone(), path)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert_eq!(res.headers()["allow"], allow, "{method} {path}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["code"], "METHOD_NOT_ALLOWED");
    }
    let res = app
        .request(Method::GET, "/api/v1/nothing-here")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // No token, a body that would be refused: the missing token is what the client hears.
    for (method, path) in [
        (Method::POST, "/api/v1/organisations"),
        (Method::POST, "/api/v1/referrals"),
        (Method::GET, "/api/v1/offers?limit=0"),
    ] {
        let res = app
            .request(method.clone(), path)
            .header("idempotency-key", "a b")
            .json(&serde_json::json!({ "name": "", "kind": "NGO" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["code"], "UNAUTHENTICATED", "{method} {path}");
    }
    app.stop().await;
}

on_both!(
    rest_answers_405_401_and_404_as_http_means_them,
    health_readiness_and_request_ids,
    cors_allows_only_configured_origins,
    the_openapi_document_and_graphiql_are_served,
);

/// Runs `openapi-spec-validator` (PyPI) on the document: required in CI (`.ci/run` installs
/// it), skipped with a note elsewhere when it is not installed.
fn validate_with_a_standard_validator(doc: &Value) {
    let file = std::env::temp_dir().join(format!("peerbro-openapi-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&file, serde_json::to_vec(doc).unwrap()).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output();
    std::fs::remove_file(&file).ok();
    let installed = out.as_ref().is_ok_and(|o| {
        !String::from_utf8_lossy(&o.stderr).contains("No module named openapi_spec_validator")
    });
    if !installed {
        assert!(
            std::env::var("CI").is_err(),
            "CI must validate the OpenAPI document: pip install openapi-spec-validator"
        );
        eprintln!("openapi-spec-validator is not installed: the standard validation is skipped");
        return;
    }
    let out = out.unwrap();
    assert!(
        out.status.success(),
        "openapi-spec-validator refuses the document: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
