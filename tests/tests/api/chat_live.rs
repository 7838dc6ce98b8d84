//! The chat live over graphql-ws (issue 14, ADR 0046): a citizen's socket needs no token, only
//! a live chat session; the citizen and the peer each hear every message once and in order,
//! the take, the other side typing and the end; a peer on duty hears the queue change. On
//! PostgreSQL a second server on the same database relays between a citizen on one and a peer
//! on the other (each server follows `peerbro_chat` on its own connection).

use std::collections::BTreeMap;
use std::time::Duration;

use peerbro_tests::{Db, TestApp, on_both, on_postgres};
use serde_json::{Value, json};

use crate::chat::{B64, DUTY, HOURS, SEND, START, TAKE, chat_offer, every_day, key};
use crate::subscriptions::{Socket, close_frame, next, open, send, start_with};
use base64::Engine as _;

const EVENTS: &str = "subscription($c: ChatRef!) { chatEvents(conversation: $c) { conversation { state keyEpoch peerKey end } messages { seq side ciphertext } typing } }";
const QUEUE_CHANGES: &str =
    "subscription($o: ID!) { chatQueueChanges(offerId: $o) { conversationId position } }";
const TYPING: &str =
    "mutation($c: ChatRef!) { chatTyping(input: { conversation: $c }) { relayed } }";
const END: &str =
    "mutation($c: ChatRef!) { endChat(input: { conversation: $c }) { conversation { state } } }";
const WAIT: Duration = Duration::from_secs(20);

/// The next event's payload data of subscription `field`; `None` when it completed.
async fn event(ws: &mut Socket, field: &str) -> Option<Value> {
    let message = next(ws, WAIT).await.expect("a message arrives");
    match message["type"].as_str() {
        Some("next") => {
            assert!(message["payload"].get("errors").is_none(), "{message}");
            Some(message["payload"]["data"][field].clone())
        }
        Some("complete") => None,
        _ => panic!("unexpected: {message}"),
    }
}

/// Reads events until `wanted` messages have arrived; every seq must come once, in order.
async fn messages(ws: &mut Socket, wanted: usize) -> BTreeMap<i64, String> {
    let mut seen = BTreeMap::new();
    let mut last = 0;
    while seen.len() < wanted {
        let e = event(ws, "chatEvents").await.expect("more events");
        for m in e["messages"].as_array().unwrap() {
            let seq = m["seq"].as_i64().unwrap();
            assert!(seq > last, "in order, once: {seq} after {last}");
            last = seq;
            seen.insert(seq, m["ciphertext"].as_str().unwrap().to_owned());
        }
    }
    seen
}

struct Started {
    offer: String,
    session: String,
    conversation: String,
    peer: String,
}

async fn start_one(app: &TestApp) -> Started {
    let admin = app.admin("helsingor").await;
    let offer = chat_offer(app, &admin).await;
    app.gql_ok(Some(&admin), HOURS, json!({ "o": offer, "h": every_day() }))
        .await;
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    app.gql_ok(Some(&peer), DUTY, json!({ "o": offer, "on": true }))
        .await;
    let started = app
        .gql_ok(
            None,
            START,
            json!({ "t": "helsingor", "o": offer, "k": key(1) }),
        )
        .await;
    Started {
        offer,
        session: started["startChat"]["session"].as_str().unwrap().to_owned(),
        conversation: started["startChat"]["conversation"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        peer,
    }
}

/// The citizen on `citizen_app`, the peer on `peer_app` (the same server, or another one on
/// the same database): every message both ways arrives once, and the end reaches both.
async fn converse(citizen_app: &TestApp, peer_app: &TestApp, s: &Started) {
    let citizen_ref = json!({ "session": s.session });
    let peer_ref = json!({ "id": s.conversation });
    let mut queue = start_with(
        peer_app,
        json!({ "Authorization": format!("Bearer {}", s.peer) }),
        QUEUE_CHANGES,
        json!({ "o": s.offer }),
    )
    .await;
    let waiting = event(&mut queue, "chatQueueChanges").await.unwrap();
    assert_eq!(waiting.as_array().unwrap().len(), 1, "{waiting}");
    let mut citizen = start_with(
        citizen_app,
        json!({ "chatSession": s.session }),
        EVENTS,
        json!({ "c": citizen_ref }),
    )
    .await;
    let first = event(&mut citizen, "chatEvents").await.unwrap();
    assert_eq!(first["conversation"]["state"], "WAITING", "{first}");

    peer_app
        .gql_ok(
            Some(&s.peer),
            TAKE,
            json!({ "c": s.conversation, "k": key(2) }),
        )
        .await;
    let taken = event(&mut citizen, "chatEvents").await.unwrap();
    assert_eq!(taken["conversation"]["state"], "ACTIVE", "{taken}");
    assert_eq!(taken["conversation"]["peerKey"], key(2));
    let emptied = event(&mut queue, "chatQueueChanges").await.unwrap();
    assert_eq!(emptied, json!([]), "the queue changed");

    let mut peer = start_with(
        peer_app,
        json!({ "Authorization": format!("Bearer {}", s.peer) }),
        EVENTS,
        json!({ "c": peer_ref }),
    )
    .await;
    let first = event(&mut peer, "chatEvents").await.unwrap();
    assert_eq!(first["conversation"]["state"], "ACTIVE");

    // Messages both ways, written on either server: each arrives once, in order.
    let mut sent = BTreeMap::new();
    for i in 0..6u8 {
        let text = B64.encode([i; 17]);
        let (app, token, reference) = if i % 2 == 0 {
            (citizen_app, None, &citizen_ref)
        } else {
            (peer_app, Some(s.peer.as_str()), &peer_ref)
        };
        let data = app
            .gql_ok(token, SEND, json!({ "c": reference, "e": 1, "x": text }))
            .await;
        sent.insert(
            data["sendChatMessage"]["message"]["seq"].as_i64().unwrap(),
            text,
        );
    }
    assert_eq!(
        messages(&mut peer, 6).await,
        sent,
        "the peer hears all, once"
    );
    assert_eq!(
        messages(&mut citizen, 6).await,
        sent,
        "the citizen hears all, once"
    );

    // Typing reaches the other side; nothing is stored for it.
    citizen_app
        .gql_ok(None, TYPING, json!({ "c": citizen_ref }))
        .await;
    let typing = event(&mut peer, "chatEvents").await.unwrap();
    assert_eq!(typing["typing"], "CITIZEN", "{typing}");
    assert_eq!(typing["messages"], json!([]));

    // The end reaches both, and both streams complete.
    peer_app
        .gql_ok(Some(&s.peer), END, json!({ "c": peer_ref }))
        .await;
    for ws in [&mut citizen, &mut peer] {
        let mut ended = event(ws, "chatEvents").await.unwrap();
        while ended["typing"].is_string() {
            ended = event(ws, "chatEvents").await.unwrap();
        }
        assert_eq!(ended["conversation"]["state"], "ENDED", "{ended}");
        assert_eq!(ended["conversation"]["end"], "PEER_ENDED");
        assert!(
            event(ws, "chatEvents").await.is_none(),
            "the stream completes"
        );
    }
}

async fn the_conversation_is_live_on_both_sides(db: Db) {
    let app = TestApp::spawn(&db).await;
    let started = start_one(&app).await;

    // Without a token, only a live session opens a socket; it follows nothing else.
    for init in [json!({}), json!({ "chatSession": "v1.AAAA" })] {
        let mut ws = open(&app).await;
        send(
            &mut ws,
            json!({ "type": "connection_init", "payload": init }),
        )
        .await;
        let (code, _) = close_frame(&mut ws, WAIT).await.expect("refused");
        assert_eq!(code, 4403, "{init}");
    }
    let mut other = start_with(
        &app,
        json!({ "chatSession": started.session }),
        "subscription { referralSubmitted { at } }",
        json!({}),
    )
    .await;
    let refused = next(&mut other, WAIT).await.unwrap();
    assert_eq!(
        refused["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{refused}"
    );

    converse(&app, &app, &started).await;
    app.stop().await;
}

on_both!(the_conversation_is_live_on_both_sides);

async fn a_citizen_and_a_peer_on_two_servers(db: Db) {
    // No poll within the test: what the other server writes arrives by its notification only.
    let mut settings = peerbro_tests::test_settings(&db).await;
    settings.chat_poll_seconds = 3600;
    let a = TestApp::spawn_with(settings).await;
    let mut settings = a.settings.clone();
    settings.demo_seed = Some(false);
    let b = TestApp::spawn_with(settings).await;
    let started = start_one(&a).await;
    converse(&a, &b, &started).await;
    b.halt().await;
    a.stop().await;
}

on_postgres!(a_citizen_and_a_peer_on_two_servers);
