//! The anonymous chat's API (issue 14, ADR 0046), black-box on both databases: a citizen with
//! no token starts a conversation and writes in it through the session `startChat` gave;
//! peers on duty see the queue (no content), take, hand over and end; every rule about who
//! may do what, tenant isolation, the opening hours, and that the database holds no session
//! secret. (The browsers' encryption is the pages' work; here the ciphertext is opaque bytes.)

use base64::Engine as _;
use peerbro_tests::{Db, TestApp, on_both, uuid_of};
use serde_json::{Value, json};

pub(crate) const B64: base64::engine::GeneralPurpose =
    base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub(crate) const OFFERS: &str =
    "{ offers(kind: ANONYMOUS_CHAT, first: 10) { edges { node { id } } } }";
pub(crate) const HOURS: &str = "mutation($o: ID!, $h: [ChatSlotInput!]!) { setChatHours(input: { offerId: $o, slots: $h }) { offer { openNow nextOpensAt slots { weekday opens closes } } } }";
pub(crate) const OFFER: &str = "query($t: String!, $o: ID!) { chatOffer(tenant: $t, offerId: $o) { title openNow nextOpensAt } }";
pub(crate) const START: &str = "mutation($t: String!, $o: ID!, $k: String!) { startChat(input: { tenant: $t, offerId: $o, citizenKey: $k }) { session conversation { id state position keyEpoch citizenKey } } }";
pub(crate) const DUTY: &str = "mutation($o: ID!, $on: Boolean!) { setChatDuty(input: { offerId: $o, onDuty: $on }) { onDuty } }";
pub(crate) const QUEUE: &str = "query($o: ID!) { chatQueue(offerId: $o) { conversationId position waitingSeconds handedToYou } }";
pub(crate) const TAKE: &str = "mutation($c: ID!, $k: String!) { takeChat(input: { conversationId: $c, peerKey: $k }) { conversation { state keyEpoch peerKey } } }";
pub(crate) const SEND: &str = "mutation($c: ChatRef!, $e: Int!, $x: String!) { sendChatMessage(input: { conversation: $c, keyEpoch: $e, ciphertext: $x }) { message { seq side keyEpoch } } }";
pub(crate) const READ: &str = "query($c: ChatRef!, $a: Int!) { chatMessages(conversation: $c, after: $a) { seq side ciphertext keyEpoch } }";
pub(crate) const VIEW: &str = "query($c: ChatRef!) { chatConversation(conversation: $c) { state peerKey keyEpoch end position } }";
pub(crate) const HAND: &str = "mutation($c: ID!, $p: ID!) { handOverChat(input: { conversationId: $c, toPeer: $p }) { conversation { state } } }";
pub(crate) const END: &str = "mutation($c: ChatRef!, $b: Boolean!, $d: Boolean!) { endChat(input: { conversation: $c, block: $b, delete: $d }) { conversation { state end } } }";

pub(crate) fn key(byte: u8) -> String {
    B64.encode([byte; 32])
}

pub(crate) fn every_day() -> Value {
    json!(
        [
            "MONDAY",
            "TUESDAY",
            "WEDNESDAY",
            "THURSDAY",
            "FRIDAY",
            "SATURDAY",
            "SUNDAY"
        ]
        .iter()
        .map(|d| json!({ "weekday": d, "opens": "00:00", "closes": "00:00" }))
        .collect::<Vec<_>>()
    )
}

fn code_of(body: &Value) -> (String, String) {
    let ext = &body["errors"][0]["extensions"];
    (
        ext["code"].as_str().unwrap_or_default().to_owned(),
        ext["reason"].as_str().unwrap_or_default().to_owned(),
    )
}

pub(crate) async fn chat_offer(app: &TestApp, admin: &str) -> String {
    let data = app.gql_ok(Some(admin), OFFERS, json!({})).await;
    data["offers"]["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A citizen starts a conversation on `offer` in Helsingør with the key `key(byte)`: its
/// session and id.
pub(crate) async fn start_chat(app: &TestApp, offer: &str, byte: u8) -> (String, String) {
    let started = app
        .gql_ok(
            None,
            START,
            json!({ "t": "helsingor", "o": offer, "k": key(byte) }),
        )
        .await;
    let text = |v: &Value| v.as_str().unwrap().to_owned();
    (
        text(&started["startChat"]["session"]),
        text(&started["startChat"]["conversation"]["id"]),
    )
}

pub(crate) async fn invite_peer(app: &TestApp, admin: &str, email: &str) -> (String, String) {
    let id = app
        .gql_ok(
            Some(admin),
            "mutation($e: String!) { inviteUser(input: { email: $e, displayName: \"Anden Peer\", roles: [PEER] }) { user { id } } }",
            json!({ "e": email }),
        )
        .await["inviteUser"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (id, app.token("helsingor", email).await)
}

async fn a_whole_conversation_through_the_api(db: Db) {
    let app = TestApp::spawn(&db).await;
    let admin = app.admin("helsingor").await;
    let offer = chat_offer(&app, &admin).await;
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    let (other_id, other) = invite_peer(&app, &admin, "anden.peer@example.dk").await;

    // Closed (no hours): refused, with no next opening; the peer sets no hours.
    let set = app
        .gql_ok(Some(&admin), HOURS, json!({ "o": offer, "h": [] }))
        .await;
    assert_eq!(set["setChatHours"]["offer"]["openNow"], false);
    let (_, body) = app
        .gql(
            None,
            START,
            json!({ "t": "helsingor", "o": offer, "k": key(1) }),
        )
        .await;
    assert_eq!(
        code_of(&body),
        ("CONFLICT".into(), "CHAT_CLOSED".into()),
        "{body}"
    );
    let (_, body) = app
        .gql(Some(&peer), HOURS, json!({ "o": offer, "h": every_day() }))
        .await;
    assert_eq!(code_of(&body).0, "FORBIDDEN", "{body}");
    app.gql_ok(Some(&admin), HOURS, json!({ "o": offer, "h": every_day() }))
        .await;
    let page = app
        .gql_ok(None, OFFER, json!({ "t": "helsingor", "o": offer }))
        .await;
    assert_eq!(page["chatOffer"]["openNow"], true, "{page}");
    let (_, body) = app
        .gql(None, OFFER, json!({ "t": "kobenhavn", "o": offer }))
        .await;
    assert_eq!(code_of(&body).0, "NOT_FOUND", "another partnership's offer");

    // The citizen starts: no token, a key of 32 bytes.
    let (_, body) = app
        .gql(
            None,
            START,
            json!({ "t": "helsingor", "o": offer, "k": B64.encode([1; 31]) }),
        )
        .await;
    assert_eq!(code_of(&body).0, "VALIDATION", "{body}");
    let started = app
        .gql_ok(
            None,
            START,
            json!({ "t": "helsingor", "o": offer, "k": key(1) }),
        )
        .await;
    let session = started["startChat"]["session"].as_str().unwrap().to_owned();
    let conversation = started["startChat"]["conversation"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(started["startChat"]["conversation"]["state"], "WAITING");
    assert_eq!(started["startChat"]["conversation"]["position"], 1);
    let citizen = json!({ "session": session });
    let as_peer = json!({ "id": conversation });

    // A peer not on duty sees no queue and takes nothing; on duty, the queue has no content.
    let (_, body) = app.gql(Some(&peer), QUEUE, json!({ "o": offer })).await;
    assert_eq!(code_of(&body).0, "FORBIDDEN", "{body}");
    let (_, body) = app
        .gql(Some(&peer), TAKE, json!({ "c": conversation, "k": key(2) }))
        .await;
    assert_eq!(code_of(&body).0, "FORBIDDEN", "{body}");
    for token in [&peer, &other] {
        app.gql_ok(Some(token), DUTY, json!({ "o": offer, "on": true }))
            .await;
    }
    let queue = app.gql_ok(Some(&peer), QUEUE, json!({ "o": offer })).await;
    assert_eq!(queue["chatQueue"].as_array().unwrap().len(), 1, "{queue}");
    assert_eq!(
        queue["chatQueue"][0]["conversationId"],
        conversation.as_str()
    );
    let caseworker = app.token("helsingor", "caseworker@helsingor.demo").await;
    let (_, body) = app
        .gql(Some(&caseworker), DUTY, json!({ "o": offer, "on": true }))
        .await;
    assert_eq!(code_of(&body).0, "FORBIDDEN", "only peers go on duty");

    // Nobody to write to yet.
    let (_, body) = app
        .gql(
            None,
            SEND,
            json!({ "c": citizen, "e": 0, "x": B64.encode(b"x") }),
        )
        .await;
    assert_eq!(
        code_of(&body),
        ("CONFLICT".into(), "CHAT_NOT_ACTIVE".into())
    );

    // Taken; messages both ways, each numbered once.
    let taken = app
        .gql_ok(Some(&peer), TAKE, json!({ "c": conversation, "k": key(2) }))
        .await;
    assert_eq!(taken["takeChat"]["conversation"]["keyEpoch"], 1);
    let (_, body) = app
        .gql(
            Some(&other),
            TAKE,
            json!({ "c": conversation, "k": key(3) }),
        )
        .await;
    assert_eq!(code_of(&body).0, "CONFLICT", "taken already: {body}");
    let seen = app.gql_ok(None, VIEW, json!({ "c": citizen })).await;
    assert_eq!(seen["chatConversation"]["peerKey"], key(2));
    let sealed = [B64.encode([7u8; 40]), B64.encode([8u8; 24])];
    let sent = app
        .gql_ok(None, SEND, json!({ "c": citizen, "e": 1, "x": sealed[0] }))
        .await;
    assert_eq!(sent["sendChatMessage"]["message"]["seq"], 1);
    assert_eq!(sent["sendChatMessage"]["message"]["side"], "CITIZEN");
    let sent = app
        .gql_ok(
            Some(&peer),
            SEND,
            json!({ "c": as_peer, "e": 1, "x": sealed[1] }),
        )
        .await;
    assert_eq!(sent["sendChatMessage"]["message"]["side"], "PEER");
    let (_, body) = app
        .gql(
            Some(&other),
            SEND,
            json!({ "c": as_peer, "e": 1, "x": sealed[1] }),
        )
        .await;
    assert_eq!(code_of(&body).0, "FORBIDDEN", "not the peer on it");
    let (_, body) = app
        .gql(Some(&other), READ, json!({ "c": as_peer, "a": 0 }))
        .await;
    assert_eq!(code_of(&body).0, "FORBIDDEN", "nor reads it");
    let read = app
        .gql_ok(None, READ, json!({ "c": citizen, "a": 1 }))
        .await;
    assert_eq!(read["chatMessages"].as_array().unwrap().len(), 1);
    assert_eq!(read["chatMessages"][0]["ciphertext"], sealed[1].as_str());
    let read = app
        .gql_ok(Some(&peer), READ, json!({ "c": as_peer, "a": 0 }))
        .await;
    assert_eq!(read["chatMessages"][0]["ciphertext"], sealed[0].as_str());

    // Too long a message, at the limit and one past it.
    let at_limit = B64.encode(vec![1u8; 8192]);
    app.gql_ok(None, SEND, json!({ "c": citizen, "e": 1, "x": at_limit }))
        .await;
    let (_, body) = app
        .gql(
            None,
            SEND,
            json!({ "c": citizen, "e": 1, "x": B64.encode(vec![1u8; 8193]) }),
        )
        .await;
    assert_eq!(code_of(&body).0, "VALIDATION", "{body}");

    // Another tenant's peer finds nothing; a wrong secret finds nothing.
    let kobenhavn = app.token("kobenhavn", "peer@kobenhavn.demo").await;
    let (_, body) = app
        .gql(Some(&kobenhavn), VIEW, json!({ "c": as_peer }))
        .await;
    assert_eq!(code_of(&body).0, "NOT_FOUND", "{body}");
    let mut forged = B64.decode(session.strip_prefix("v1.").unwrap()).unwrap();
    *forged.last_mut().unwrap() ^= 1;
    let forged = json!({ "session": format!("v1.{}", B64.encode(forged)) });
    let (_, body) = app.gql(None, VIEW, json!({ "c": forged })).await;
    assert_eq!(code_of(&body).0, "NOT_FOUND", "{body}");
    let (_, body) = app
        .gql(None, VIEW, json!({ "c": { "session": "not-a-session" } }))
        .await;
    assert_eq!(code_of(&body).0, "VALIDATION", "{body}");

    // Handed over to a peer on duty, who takes it with a new key: the old epoch is refused.
    app.gql_ok(
        Some(&peer),
        HAND,
        json!({ "c": conversation, "p": other_id }),
    )
    .await;
    let handed = app.gql_ok(Some(&other), QUEUE, json!({ "o": offer })).await;
    assert_eq!(handed["chatQueue"][0]["handedToYou"], true, "{handed}");
    let taken = app
        .gql_ok(
            Some(&other),
            TAKE,
            json!({ "c": conversation, "k": key(4) }),
        )
        .await;
    assert_eq!(taken["takeChat"]["conversation"]["keyEpoch"], 2);
    let (_, body) = app
        .gql(None, SEND, json!({ "c": citizen, "e": 1, "x": sealed[0] }))
        .await;
    assert_eq!(
        code_of(&body),
        ("CONFLICT".into(), "STALE_KEY".into()),
        "{body}"
    );
    app.gql_ok(None, SEND, json!({ "c": citizen, "e": 2, "x": sealed[0] }))
        .await;
    let (_, body) = app
        .gql(
            Some(&peer),
            SEND,
            json!({ "c": as_peer, "e": 2, "x": sealed[1] }),
        )
        .await;
    assert_eq!(code_of(&body).0, "FORBIDDEN", "the first peer is out");

    // The database holds the digest of the session's secret, never the session.
    let dump = app.dump().await;
    let secret = &session[session.len() - 20..];
    assert!(
        !dump.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "the session is not stored"
    );
    assert!(
        app.owner_texts(&format!(
            "SELECT CAST(COUNT(*) AS TEXT) AS v FROM chat_conversations WHERE id = {}",
            app.id_sql(&uuid_of(&conversation))
        ))
        .await
            == ["1"]
    );

    // The citizen cannot block; the peer ends it as blocked; it accepts nothing more.
    let (_, body) = app
        .gql(None, END, json!({ "c": citizen, "b": true, "d": false }))
        .await;
    assert_eq!(code_of(&body).0, "FORBIDDEN", "{body}");
    let ended = app
        .gql_ok(
            Some(&other),
            END,
            json!({ "c": as_peer, "b": true, "d": false }),
        )
        .await;
    assert_eq!(ended["endChat"]["conversation"]["end"], "BLOCKED");
    let (_, body) = app
        .gql(None, SEND, json!({ "c": citizen, "e": 2, "x": sealed[0] }))
        .await;
    assert_eq!(
        code_of(&body),
        ("CONFLICT".into(), "CHAT_NOT_ACTIVE".into())
    );

    // Either side deletes it at once: the ciphertext is gone, the contact counted.
    let count = |table: &str| format!("SELECT CAST(COUNT(*) AS TEXT) AS v FROM {table}");
    assert_eq!(app.owner_texts(&count("chat_messages")).await, ["4"]);
    app.gql_ok(None, END, json!({ "c": citizen, "b": false, "d": true }))
        .await;
    assert_eq!(app.owner_texts(&count("chat_messages")).await, ["0"]);
    assert_eq!(app.owner_texts(&count("chat_contacts")).await, ["1"]);
    app.stop().await;
}

on_both!(a_whole_conversation_through_the_api);
