//! The chat's retention (issue 14, ADR 0046), black-box on both databases: `chatDays` within
//! its limits (at them and one past); a run deletes conversations that ended more than
//! `chatDays` ago with their ciphertext — for the peer and for the citizen's session they are
//! then `NOT_FOUND` — while a newer ended one, a long-open one and the statistics' contacts
//! stay; the dry run says the same and changes nothing; other partnerships are untouched.
//! Time passes by moving the rows' dates back.

use base64::Engine as _;
use chrono::{Duration, Utc};
use peerbro_tests::process::environment;
use peerbro_tests::{Db, TestApp, on_both, uuid_of};
use serde_json::{Value, json};

use crate::chat::{
    B64, DUTY, END, HOURS, READ, SEND, TAKE, chat_offer, every_day, key, start_chat,
};
use crate::retention::{of, report};

const SET: &str = "mutation($d: Int) { setRetentionSettings(input: { closedReferralDays: 730, inactiveCitizenDays: 1825, chatDays: $d }) { settings { chatDays auditDays } } }";

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

async fn count(app: &TestApp, sql: &str) -> String {
    app.owner_texts(sql).await.pop().unwrap_or_default()
}

async fn ended_chats_are_deleted_after_the_partnerships_days(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;

    // Limits at the limit and one past; left out, kept.
    for bad in [0, 366] {
        let (_, body) = app.gql(Some(&admin), SET, json!({ "d": bad })).await;
        assert_eq!(code(&body), "VALIDATION", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "chatDays");
    }
    for good in [1, 365, 30] {
        let set = app.gql_ok(Some(&admin), SET, json!({ "d": good })).await;
        assert_eq!(set["setRetentionSettings"]["settings"]["chatDays"], good);
    }
    let kept = app.gql_ok(Some(&admin), SET, json!({})).await;
    assert_eq!(kept["setRetentionSettings"]["settings"]["chatDays"], 30);

    // Three conversations: two end (one long ago, one recently), one stays open for long.
    let offer = chat_offer(&app, &admin).await;
    app.gql_ok(Some(&admin), HOURS, json!({ "o": offer, "h": every_day() }))
        .await;
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    app.gql_ok(Some(&peer), DUTY, json!({ "o": offer, "on": true }))
        .await;
    let cipher = B64.encode([5u8; 48]);
    let mut chats = Vec::new();
    for n in 1..=3u8 {
        let (session, id) = start_chat(&app, &offer, n).await;
        app.gql_ok(Some(&peer), TAKE, json!({ "c": id, "k": key(9) }))
            .await;
        for (token, side) in [
            (None, json!({ "session": session })),
            (Some(peer.as_str()), json!({ "id": id })),
        ] {
            app.gql_ok(token, SEND, json!({ "c": side, "e": 1, "x": cipher }))
                .await;
        }
        if n < 3 {
            app.gql_ok(
                Some(&peer),
                END,
                json!({ "c": { "id": id }, "b": false, "d": false }),
            )
            .await;
        }
        chats.push((session, id));
    }
    let at = |days: i64| {
        (Utc::now() - Duration::days(days)).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    };
    for (n, (column, days)) in [("ended_at", 31), ("ended_at", 29), ("opened_at", 90)]
        .into_iter()
        .enumerate()
    {
        let id = app.id_sql(&uuid_of(&chats[n].1));
        let moved = app
            .owner_execute(&format!(
                "UPDATE chat_conversations SET {column} = '{}' WHERE id = {id}",
                at(days)
            ))
            .await;
        assert_eq!(moved, 1);
    }
    let contacts = "SELECT CAST(COUNT(*) AS TEXT) AS v FROM chat_contacts";
    let messages = "SELECT CAST(COUNT(*) AS TEXT) AS v FROM chat_messages";
    assert_eq!(count(&app, contacts).await, "2");
    assert_eq!(count(&app, messages).await, "6");

    // The dry run counts the one that ended 31 days ago and changes nothing.
    let env = environment(&app.settings);
    let dry = report(&env, true);
    assert_eq!(of(&dry, "helsingor")["chatConversations"], 1, "{dry}");
    assert_eq!(of(&dry, "kobenhavn")["chatConversations"], 0, "{dry}");
    assert_eq!(count(&app, messages).await, "6");

    // The run deletes it with its messages; the rest and the contacts stay.
    let done = report(&env, false);
    assert_eq!(of(&done, "helsingor")["chatConversations"], 1, "{done}");
    assert_eq!(count(&app, messages).await, "4");
    assert_eq!(count(&app, contacts).await, "2", "the statistics survive");
    let (gone_session, gone_id) = &chats[0];
    for (token, c) in [
        (Some(peer.as_str()), json!({ "id": gone_id })),
        (None, json!({ "session": gone_session })),
    ] {
        let (_, body) = app.gql(token, READ, json!({ "c": c, "a": 0 })).await;
        assert_eq!(code(&body), "NOT_FOUND", "{body}");
    }
    for (session, id) in &chats[1..] {
        let read = app
            .gql_ok(None, READ, json!({ "c": { "session": session }, "a": 0 }))
            .await;
        assert_eq!(read["chatMessages"].as_array().unwrap().len(), 2, "{id}");
    }
    let again = report(&env, false);
    assert_eq!(of(&again, "helsingor")["chatConversations"], 0, "{again}");
    app.stop().await;
}

on_both!(ended_chats_are_deleted_after_the_partnerships_days);
