//! One client cannot starve the rest: a caller past their rate gets 429 `RATE_LIMITED` with
//! `Retry-After` while other callers, in the same tenant or another, are served; callers
//! without a valid token are limited by address; the token endpoint per client and address.

use futures_util::future::join_all;
use peerbro_tests::{Db, StatusCode, TestApp, on_both, test_settings};
use serde_json::{Value, json};

const SMALL: &str = "{ tenant { slug } }";

async fn limited_app(db: &Db) -> TestApp {
    let mut settings = test_settings(db).await;
    settings.rate_limit_per_second = 2;
    settings.rate_limit_burst = 10;
    settings.rate_limit_anonymous_per_second = 2;
    settings.rate_limit_anonymous_burst = 10;
    settings.rate_limit_token_per_minute = 3;
    TestApp::spawn_with(settings).await
}

/// Sends `n` requests at once; returns the statuses, and the bodies and `Retry-After` of the
/// 429s.
async fn flood(app: &TestApp, token: Option<&str>, n: usize) -> (Vec<u16>, Vec<(Value, String)>) {
    let answers = join_all((0..n).map(|_| async {
        let mut req = app
            .request(reqwest::Method::POST, "/graphql")
            .json(&json!({ "query": SMALL }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let retry = res
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, res.json::<Value>().await.unwrap(), retry)
    }))
    .await;
    let statuses = answers.iter().map(|(s, _, _)| *s).collect();
    let limited = answers
        .into_iter()
        .filter(|(s, _, _)| *s == 429)
        .map(|(_, body, retry)| (body, retry))
        .collect();
    (statuses, limited)
}

async fn a_flooding_caller_gets_429_and_everyone_else_is_served(db: Db) {
    let app = limited_app(&db).await;
    let flooder = app.token("helsingor", "coordinator@helsingor.demo").await;
    let (statuses, limited) = flood(&app, Some(&flooder), 60).await;
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 429),
        "{statuses:?}"
    );
    let served = statuses.iter().filter(|s| **s == 200).count();
    assert!(
        (10..=30).contains(&served),
        "the burst and little more: {served}"
    );
    assert!(!limited.is_empty());
    for (body, retry) in &limited {
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "RATE_LIMITED",
            "{body}"
        );
        let seconds: u64 = retry.parse().unwrap();
        assert!(seconds >= 1);
        assert_eq!(
            body["errors"][0]["extensions"]["retryAfterSeconds"],
            seconds
        );
    }
    // The same caller on REST: problem+json.
    let answers = join_all((0..20).map(|_| async {
        app.request(reqwest::Method::GET, "/api/v1/organisations")
            .bearer_auth(&flooder)
            .send()
            .await
            .unwrap()
    }))
    .await;
    let refused: Vec<_> = answers
        .into_iter()
        .filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert!(!refused.is_empty());
    for res in refused {
        assert!(res.headers().contains_key("retry-after"));
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["code"], "RATE_LIMITED");
    }

    // Everyone else is served: another user of the same tenant, and another tenant.
    for token in [app.admin("helsingor").await, app.admin("kobenhavn").await] {
        let data = app.gql_ok(Some(&token), SMALL, json!({})).await;
        assert!(data["tenant"]["slug"].is_string());
    }
    app.stop().await;
}

async fn callers_without_a_valid_token_are_limited_by_address(db: Db) {
    let app = limited_app(&db).await;
    let (statuses, limited) = flood(&app, None, 40).await;
    let served = statuses.iter().filter(|s| **s == 200).count();
    assert!((10..=30).contains(&served), "{statuses:?}");
    assert!(
        limited
            .iter()
            .all(|(b, _)| b["errors"][0]["extensions"]["code"] == "RATE_LIMITED")
    );
    // Refused tokens count against the address too: 401 while it lasts, then 429.
    let app = limited_app(&db).await;
    let (statuses, _) = flood(&app, Some("not-a-token"), 40).await;
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&401) && statuses.contains(&429),
        "{statuses:?}"
    );
    // A valid token is limited as its caller, not by the address.
    let admin = app.admin("helsingor").await;
    app.gql_ok(Some(&admin), SMALL, json!({})).await;
    app.stop().await;
}

async fn the_token_endpoint_is_limited_per_client_and_address(db: Db) {
    let app = limited_app(&db).await;
    let admin = app.admin("helsingor").await;
    let (_, client_id) = app.register_api_client(&admin).await;
    let ask = |id: String, secret: &'static str| {
        let app = &app;
        async move {
            let answer = app.client_token(&id, secret).await;
            (answer.status, answer.retry_after, answer.body)
        }
    };
    // Three wrong secrets a minute for the client: then 429, wrong secret or not.
    for _ in 0..3 {
        let (status, _, body) = ask(client_id.clone(), "wrong").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    let (status, retry, body) = ask(client_id.clone(), "wrong").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(retry.is_some());
    assert_eq!(body["error"], "temporarily_unavailable");
    assert_eq!(body["code"], "RATE_LIMITED");
    // Other client ids from the same address: nine a minute in all (four used), then 429
    // whatever the client id.
    let mut statuses = Vec::new();
    for i in 0..7 {
        statuses.push(ask(format!("guess-{i}"), "wrong").await.0);
    }
    assert_eq!(
        statuses,
        [
            vec![StatusCode::UNAUTHORIZED; 5],
            vec![StatusCode::TOO_MANY_REQUESTS; 2]
        ]
        .concat()
    );
    app.stop().await;
}

on_both!(
    a_flooding_caller_gets_429_and_everyone_else_is_served,
    callers_without_a_valid_token_are_limited_by_address,
    the_token_endpoint_is_limited_per_client_and_address,
);
