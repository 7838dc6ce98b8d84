//! The chat's expiry (issue 14, ADR 0046), black-box on both databases with the server's
//! timer at one second: a conversation left idle for two hours (its dates moved back) ends as
//! `EXPIRED`, and the citizen's session sees it; one still waiting when the offer closes ends
//! the same way; an active, recent conversation goes on through the closing.

use peerbro_tests::{Db, TestApp, on_both, test_settings, uuid_of};
use serde_json::{Value, json};

use crate::chat::{DUTY, HOURS, TAKE, VIEW, chat_offer, every_day, key, start_chat};

/// The conversation as its citizen sees it (a peer sees only the ones they are on).
async fn view(app: &TestApp, session: &str) -> Value {
    app.gql_ok(None, VIEW, json!({ "c": { "session": session } }))
        .await["chatConversation"]
        .clone()
}

/// Waits (up to 20 s) until conversation `id` has ended.
async fn ended(app: &TestApp, session: &str) -> Value {
    for _ in 0..80 {
        let seen = view(app, session).await;
        if seen["state"] == "ENDED" {
            return seen;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    panic!("the conversation did not expire");
}

async fn waiting_after_closing_and_idle_conversations_expire(db: Db) {
    let mut settings = test_settings(&db).await;
    settings.chat_expiry_seconds = 1;
    let app = TestApp::spawn_with(settings).await;
    let admin = app.admin("helsingor").await;
    let offer = chat_offer(&app, &admin).await;
    app.gql_ok(Some(&admin), HOURS, json!({ "o": offer, "h": every_day() }))
        .await;
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    app.gql_ok(Some(&peer), DUTY, json!({ "o": offer, "on": true }))
        .await;
    let (waiting, _) = start_chat(&app, &offer, 1).await;
    let (active_session, active) = start_chat(&app, &offer, 2).await;
    let (idle_session, idle) = start_chat(&app, &offer, 3).await;
    for id in [&active, &idle] {
        app.gql_ok(Some(&peer), TAKE, json!({ "c": id, "k": key(9) }))
            .await;
    }

    // Idle for three hours: it expires; the others do not.
    let id = app.id_sql(&uuid_of(&idle));
    let back = (chrono::Utc::now() - chrono::Duration::hours(3))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    let moved = app
        .owner_execute(&format!(
            "UPDATE chat_conversations SET opened_at = '{back}', taken_at = '{back}' WHERE id = {id}"
        ))
        .await;
    assert_eq!(moved, 1);
    let gone = ended(&app, &idle_session).await;
    assert_eq!(gone["end"], "EXPIRED", "{gone}");
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(view(&app, &waiting).await["state"], "WAITING");
    assert_eq!(view(&app, &active_session).await["state"], "ACTIVE");

    // The offer closes: the waiting one expires, the active one goes on.
    app.gql_ok(Some(&admin), HOURS, json!({ "o": offer, "h": [] }))
        .await;
    let gone = ended(&app, &waiting).await;
    assert_eq!(gone["end"], "EXPIRED", "{gone}");
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(view(&app, &active_session).await["state"], "ACTIVE");
    app.stop().await;
}

on_both!(waiting_after_closing_and_idle_conversations_expire);
