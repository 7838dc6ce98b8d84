//! The anonymous chat's rate limits (issue 14, ADR 0046), black-box on both databases, each at
//! the limit and one past it: conversations started per address, and a citizen's messages
//! and typing per session. A refusal is `RATE_LIMITED` with HTTP 429 and `Retry-After`, and
//! changes nothing; another session, and the peer, are not held back by it; a forged session
//! does not use up the real one's allowance.

use base64::Engine as _;
use peerbro_tests::{Db, TestApp, on_both, test_settings};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::chat::{B64, DUTY, HOURS, QUEUE, READ, SEND, START, TAKE, chat_offer, every_day, key};

const TYPING: &str =
    "mutation($c: ChatRef!) { chatTyping(input: { conversation: $c }) { relayed } }";

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

async fn start(app: &TestApp, offer: &str, byte: u8) -> (StatusCode, Value) {
    app.gql(
        None,
        START,
        json!({ "t": "helsingor", "o": offer, "k": key(byte) }),
    )
    .await
}

async fn starts_and_sessions_are_limited(db: Db) {
    let mut settings = test_settings(&db).await;
    settings.chat_starts_per_hour = 3;
    settings.chat_session_per_minute = 4;
    let app = TestApp::spawn_with(settings).await;
    let admin = app.admin("helsingor").await;
    let offer = chat_offer(&app, &admin).await;
    app.gql_ok(Some(&admin), HOURS, json!({ "o": offer, "h": every_day() }))
        .await;
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    app.gql_ok(Some(&peer), DUTY, json!({ "o": offer, "on": true }))
        .await;

    // Three starts from one address; the fourth is refused and queues nothing.
    let mut sessions = Vec::new();
    for n in 1..=3 {
        let (status, body) = start(&app, &offer, n).await;
        assert_eq!(status, StatusCode::OK, "start {n}: {body}");
        let started = &body["data"]["startChat"];
        sessions.push((
            started["session"].as_str().unwrap().to_owned(),
            started["conversation"]["id"].as_str().unwrap().to_owned(),
        ));
    }
    let (status, body) = start(&app, &offer, 4).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(code(&body), "RATE_LIMITED", "{body}");
    assert!(
        body["errors"][0]["extensions"]["retryAfterSeconds"]
            .as_u64()
            .is_some_and(|s| (1..=1200).contains(&s)),
        "{body}"
    );
    let queue = app.gql_ok(Some(&peer), QUEUE, json!({ "o": offer })).await;
    assert_eq!(queue["chatQueue"].as_array().unwrap().len(), 3, "{queue}");

    // The peer takes the first two conversations.
    for (_, id) in &sessions[..2] {
        app.gql_ok(Some(&peer), TAKE, json!({ "c": id, "k": key(9) }))
            .await;
    }
    let (first, first_id) = &sessions[0];
    let citizen = json!({ "session": first });
    let cipher = B64.encode([7u8; 64]);
    // Four in a minute: three messages and a typing signal; the fifth is refused.
    for n in 0..3 {
        let (status, body) = app
            .gql(None, SEND, json!({ "c": citizen, "e": 1, "x": cipher }))
            .await;
        assert_eq!(status, StatusCode::OK, "message {n}: {body}");
    }
    app.gql_ok(None, TYPING, json!({ "c": citizen })).await;
    let (status, body) = app
        .gql(None, SEND, json!({ "c": citizen, "e": 1, "x": cipher }))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(code(&body), "RATE_LIMITED", "{body}");
    let (status, body) = app.gql(None, TYPING, json!({ "c": citizen })).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED")
    );
    let read = app
        .gql_ok(
            Some(&peer),
            READ,
            json!({ "c": { "id": first_id }, "a": 0 }),
        )
        .await;
    assert_eq!(
        read["chatMessages"].as_array().unwrap().len(),
        3,
        "the refused message was not stored: {read}"
    );

    // Another session is not held back, nor is the peer in the limited one.
    let (second, _) = &sessions[1];
    app.gql_ok(
        None,
        SEND,
        json!({ "c": { "session": second }, "e": 1, "x": cipher }),
    )
    .await;
    for _ in 0..5 {
        app.gql_ok(
            Some(&peer),
            SEND,
            json!({ "c": { "id": first_id }, "e": 1, "x": cipher }),
        )
        .await;
    }

    // A forged session for the second conversation (its secret's last byte changed) is
    // NOT_FOUND, then limited on its own: it does not use up the real session's allowance.
    let mut forged = B64.decode(second.trim_start_matches("v1.")).unwrap();
    *forged.last_mut().unwrap() ^= 1;
    let forged = format!("v1.{}", B64.encode(forged));
    for n in 1..=6 {
        let (_, body) = app
            .gql(
                None,
                SEND,
                json!({ "c": { "session": forged }, "e": 1, "x": cipher }),
            )
            .await;
        let expected = if n <= 4 { "NOT_FOUND" } else { "RATE_LIMITED" };
        assert_eq!(code(&body), expected, "forged attempt {n}: {body}");
    }
    app.gql_ok(
        None,
        SEND,
        json!({ "c": { "session": second }, "e": 1, "x": cipher }),
    )
    .await;
    app.stop().await;
}

on_both!(starts_and_sessions_are_limited);
