//! The chat's statistics without identity (issue 14, ADR 0046), black-box on both databases:
//! contacts, taken and not, blocked, the wait and the duration bands, peers on duty and their
//! hours, per month and offer — surviving the deletion of the conversations they count;
//! coordinators only; the month span's limit at and past it; other partnerships see nothing.
//! The months asked for surround the server's clock, whatever day the test runs.

use base64::Engine as _;
use chrono::{Datelike as _, Months, Utc};
use peerbro_tests::{Db, TestApp, on_both};
use serde_json::{Value, json};

use crate::chat::{
    B64, DUTY, END, HOURS, SEND, TAKE, chat_offer, every_day, invite_peer, key, start_chat,
};

const STATS: &str = "query($f: String!, $t: String!, $o: ID) { chatStatistics(fromMonth: $f, toMonth: $t, offerId: $o) { month offerId contacts taken notTaken blocked medianWaitSeconds p90WaitSeconds durationBands { fromMinutes toMinutes conversations } peersOnDuty dutyHours } }";

fn code(body: &Value) -> (&str, &str) {
    let ext = &body["errors"][0]["extensions"];
    (
        ext["code"].as_str().unwrap_or_default(),
        ext["field"].as_str().unwrap_or_default(),
    )
}

fn month(offset: i32) -> String {
    let today = Utc::now().date_naive().with_day(1).unwrap();
    let moved = if offset < 0 {
        today - Months::new(offset.unsigned_abs())
    } else {
        today + Months::new(offset.unsigned_abs())
    };
    moved.format("%Y-%m").to_string()
}

/// Every month's figure `field`, summed.
fn total(stats: &Value, field: &str) -> u64 {
    stats["chatStatistics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m[field].as_u64().unwrap())
        .sum()
}

async fn conversation(
    app: &TestApp,
    offer: &str,
    peer: &str,
    byte: u8,
    take: bool,
) -> (String, String) {
    let (session, id) = start_chat(app, offer, byte).await;
    if take {
        app.gql_ok(Some(peer), TAKE, json!({ "c": id, "k": key(9) }))
            .await;
        app.gql_ok(
            None,
            SEND,
            json!({ "c": { "session": session }, "e": 1, "x": B64.encode([1u8; 40]) }),
        )
        .await;
    }
    (session, id)
}

async fn the_chat_is_counted_without_identity(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let offer = chat_offer(&app, &admin).await;
    app.gql_ok(Some(&admin), HOURS, json!({ "o": offer, "h": every_day() }))
        .await;
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    let (_, colleague) = invite_peer(&app, &admin, "vagt.to@example.dk").await;
    for token in [&peer, &colleague] {
        app.gql_ok(Some(token), DUTY, json!({ "o": offer, "on": true }))
            .await;
    }

    // Three conversations: one blocked by the peer (and deleted), one the citizen leaves after
    // talking, one the citizen leaves while waiting.
    let (_, blocked) = conversation(&app, &offer, &peer, 1, true).await;
    app.gql_ok(
        Some(&peer),
        END,
        json!({ "c": { "id": blocked }, "b": true, "d": true }),
    )
    .await;
    for (byte, take) in [(2, true), (3, false)] {
        let (session, _) = conversation(&app, &offer, &peer, byte, take).await;
        app.gql_ok(
            None,
            END,
            json!({ "c": { "session": session }, "b": false, "d": false }),
        )
        .await;
    }
    // The peer goes off duty (a period); the colleague stays on (none yet).
    app.gql_ok(Some(&peer), DUTY, json!({ "o": offer, "on": false }))
        .await;

    let span = json!({ "f": month(-1), "t": month(1), "o": offer });
    let stats = app.gql_ok(Some(&coordinator), STATS, span.clone()).await;
    assert_eq!(total(&stats, "contacts"), 3, "{stats}");
    assert_eq!(total(&stats, "taken"), 2, "{stats}");
    assert_eq!(total(&stats, "notTaken"), 1, "{stats}");
    assert_eq!(total(&stats, "blocked"), 1, "{stats}");
    assert_eq!(total(&stats, "peersOnDuty"), 1, "{stats}");
    let months = stats["chatStatistics"].as_array().unwrap();
    let busy = months
        .iter()
        .find(|m| m["contacts"].as_u64() > Some(0))
        .unwrap();
    assert_eq!(busy["offerId"], offer.as_str());
    assert!(busy["medianWaitSeconds"].as_i64().is_some(), "{busy}");
    let bands = busy["durationBands"].as_array().unwrap();
    assert_eq!(bands.len(), 5);
    assert_eq!(
        bands[0],
        json!({ "fromMinutes": 0, "toMinutes": 5, "conversations": 2 })
    );
    assert_eq!(bands[4]["toMinutes"], Value::Null);
    assert!(!stats.to_string().contains("key") && !stats.to_string().contains("session"));

    // Roles, the span's limit at and past it, bad months; another partnership sees nothing.
    let (_, body) = app.gql(Some(&peer), STATS, span.clone()).await;
    assert_eq!(code(&body).0, "FORBIDDEN", "{body}");
    let at_limit = app
        .gql_ok(
            Some(&admin),
            STATS,
            json!({ "f": month(-23), "t": month(0) }),
        )
        .await;
    assert_eq!(total(&at_limit, "contacts"), 3, "{at_limit}");
    let (_, body) = app
        .gql(
            Some(&admin),
            STATS,
            json!({ "f": month(-24), "t": month(0) }),
        )
        .await;
    assert_eq!(code(&body), ("VALIDATION", "toMonth"), "{body}");
    for bad in ["2026-13", "26-11", "2026-1", "november", "2026-11-01"] {
        let (_, body) = app
            .gql(Some(&admin), STATS, json!({ "f": bad, "t": month(0) }))
            .await;
        assert_eq!(code(&body), ("VALIDATION", "fromMonth"), "{body}");
    }
    let other = app.admin("kobenhavn").await;
    let theirs = app
        .gql_ok(
            Some(&other),
            STATS,
            json!({ "f": month(-1), "t": month(1) }),
        )
        .await;
    assert_eq!(theirs["chatStatistics"], json!([]), "{theirs}");
    app.stop().await;
}

on_both!(the_chat_is_counted_without_identity);
