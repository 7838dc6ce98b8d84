//! The `referralStatusChanged` and `referralSubmitted` subscriptions over WebSocket
//! (graphql-transport-ws): who may subscribe, each subscriber hears only what they may see,
//! and nested objects (offers, organisations) resolve in events as in queries.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use peerbro_tests::{Db, TestApp, on_both, test_settings, uuid_of};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;

const SUBSCRIBE: &str = "subscription($id: ID) { referralStatusChanged(referralId: $id) { previousState state referral { id state feedback outcome requestedOffer { title } } } }";
const SUBMIT: &str =
    "mutation($input: SubmitReferralInput!) { submitReferral(input: $input) { referral { id } } }";
const MOVE: &str =
    "mutation($input: MoveReferralInput!) { moveReferral(input: $input) { referral { id } } }";

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What the server sent: a protocol message, or the end of the connection (with its close
/// frame's code and reason, when it sent one).
enum Frame {
    Text(Value),
    Closed(Option<(u16, String)>),
}

/// A client connection whose messages a task of its own reads as they come, answering the
/// server's pings at once as a real client does (the server drops a client silent for 10 s,
/// and a test may spend that long on HTTP requests on a loaded machine).
pub(crate) struct Socket {
    sink: Arc<Mutex<futures_util::stream::SplitSink<Ws, Message>>>,
    rx: mpsc::UnboundedReceiver<Frame>,
}

pub(crate) async fn open(app: &TestApp) -> Socket {
    let url = format!("{}/graphql", app.address.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (sink, mut stream) = tokio_tungstenite::connect_async(request)
        .await
        .unwrap()
        .0
        .split();
    let sink = Arc::new(Mutex::new(sink));
    let (tx, rx) = mpsc::unbounded_channel();
    let pong = sink.clone();
    tokio::spawn(async move {
        loop {
            let frame = match stream.next().await {
                Some(Ok(Message::Text(text))) => {
                    let Ok(message) = serde_json::from_str::<Value>(&text) else {
                        continue;
                    };
                    if message["type"] == "ping" {
                        let answer = Message::text(json!({ "type": "pong" }).to_string());
                        let _ = pong.lock().await.send(answer).await;
                        continue;
                    }
                    Frame::Text(message)
                }
                Some(Ok(Message::Close(frame))) => {
                    Frame::Closed(frame.map(|f| (u16::from(f.code), f.reason.to_string())))
                }
                Some(Err(_)) | None => Frame::Closed(None),
                Some(Ok(_)) => continue,
            };
            let closed = matches!(frame, Frame::Closed(_));
            if tx.send(frame).is_err() || closed {
                return;
            }
        }
    });
    Socket { sink, rx }
}

pub(crate) async fn send(ws: &mut Socket, message: Value) {
    ws.sink
        .lock()
        .await
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
}

/// The next protocol message (pings are answered by the reader), or `None` when the server
/// closes the connection or nothing comes within `wait`.
pub(crate) async fn next(ws: &mut Socket, wait: Duration) -> Option<Value> {
    match tokio::time::timeout(wait, ws.rx.recv()).await.ok()?? {
        Frame::Text(message) => Some(message),
        Frame::Closed(_) => None,
    }
}

/// Connects with `token` and subscribes to `referralStatusChanged` (narrowed to `referral`).
async fn subscribe(app: &TestApp, token: &str, referral: Option<&str>) -> Socket {
    start(app, token, SUBSCRIBE, json!({ "id": referral })).await
}

async fn change(ws: &mut Socket) -> Value {
    let message = next(ws, Duration::from_secs(20))
        .await
        .expect("a change arrives");
    assert_eq!(message["type"], "next", "{message}");
    assert!(message["payload"].get("errors").is_none(), "{message}");
    message["payload"]["data"]["referralStatusChanged"].clone()
}

async fn submit(app: &TestApp, token: &str, municipality: &str) -> String {
    let data = app
        .gql_ok(
            Some(token),
            SUBMIT,
            json!({ "input": {
                "newCitizen": { "name": "Live Borger", "municipality": municipality },
                "consentEvidence": "VERBAL_TO_REFERRER",
            }}),
        )
        .await;
    data["submitReferral"]["referral"]["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn subscribers_hear_the_changes_they_may_see_and_nothing_else(db: Db) {
    let mut settings = test_settings(&db).await;
    settings.webhook_poll_interval_ms = 100;
    let app = TestApp::spawn_with(settings).await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let other_referrer = app.token("kobenhavn", "caseworker@kobenhavn.demo").await;
    let other_coordinator = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;

    let mut referrer_ws = subscribe(&app, &referrer, None).await;
    let mut coordinator_ws = subscribe(&app, &coordinator, None).await;
    let mut other_ws = subscribe(&app, &other_referrer, None).await;

    let id = submit(&app, &referrer, "Helsingør").await;
    // Narrowed to one referral: hears only that one.
    let mut narrowed_ws = subscribe(&app, &coordinator, Some(&id)).await;
    let decoy = submit(&app, &referrer, "Helsingør").await;
    app.gql_ok(
        Some(&coordinator),
        MOVE,
        json!({ "input": { "referralId": decoy, "action": "DECLINE", "declineReason": "OUTSIDE_TARGET_GROUP" } }),
    )
    .await;
    app.gql_ok(
        Some(&coordinator),
        MOVE,
        json!({ "input": { "referralId": id, "action": "ACCEPT", "feedback": "Vi finder en peer" } }),
    )
    .await;

    let first = change(&mut referrer_ws).await;
    assert_eq!(first["referral"]["id"], decoy.as_str());
    assert_eq!(first["state"], "DECLINED");
    let second = change(&mut referrer_ws).await;
    assert_eq!(second["referral"]["id"], id.as_str());
    assert_eq!(second["previousState"], "SUBMITTED");
    assert_eq!(second["state"], "ACCEPTED");
    assert_eq!(second["referral"]["feedback"], "Vi finder en peer");
    assert_eq!(
        change(&mut coordinator_ws).await["referral"]["id"],
        decoy.as_str()
    );
    assert_eq!(
        change(&mut coordinator_ws).await["referral"]["id"],
        id.as_str()
    );
    assert_eq!(
        change(&mut narrowed_ws).await["referral"]["id"],
        id.as_str()
    );

    // The other tenant's referrer heard nothing of this: the first change they hear is one of
    // their own tenant's.
    let own = submit(&app, &other_referrer, "København").await;
    app.gql_ok(
        Some(&other_coordinator),
        MOVE,
        json!({ "input": { "referralId": own, "action": "ACCEPT" } }),
    )
    .await;
    assert_eq!(change(&mut other_ws).await["referral"]["id"], own.as_str());

    // A peer may not follow referrals (an anonymous or forged connection is refused: see
    // failures_close_with_the_protocols_codes).
    let peer = app.token("helsingor", "peer@helsingor.demo").await;
    let mut peer_ws = subscribe(&app, &peer, None).await;
    let refused = next(&mut peer_ws, Duration::from_secs(10)).await.unwrap();
    assert!(
        refused.to_string().contains("FORBIDDEN"),
        "a peer is refused: {refused}"
    );
    app.stop().await;
}
on_both!(subscribers_hear_the_changes_they_may_see_and_nothing_else);

/// Narrowing to a referral that does not exist, or that the caller may not see (another
/// tenant's), is refused at once with `NOT_FOUND`; one the caller may see is followed.
async fn following_a_referral_the_caller_cannot_see_is_refused(db: Db) {
    let app = TestApp::spawn(&db).await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let other = app.token("kobenhavn", "caseworker@kobenhavn.demo").await;
    let own = submit(&app, &referrer, "Helsingør").await;
    let theirs = submit(&app, &other, "København").await;
    let mut answers = Vec::new();
    for id in [uuid::Uuid::now_v7().to_string(), theirs] {
        let mut ws = subscribe(&app, &referrer, Some(&id)).await;
        let answer = next(&mut ws, Duration::from_secs(10)).await;
        let end = next(&mut ws, Duration::from_secs(10)).await;
        answers.push((id, answer, end));
    }
    // The caller's own referral is followed: no answer until it changes.
    let mut ws = subscribe(&app, &referrer, Some(&own)).await;
    let own_answer = next(&mut ws, Duration::from_millis(500)).await;
    // Stopped before asserting, so that a broken rule fails at once.
    app.stop().await;
    for (id, answer, end) in answers {
        // An execution error: one result carrying it, then the subscription is complete.
        let answer = answer.unwrap_or_else(|| panic!("{id}: refused at once, not followed"));
        assert_eq!(answer["type"], "next", "{id}: {answer}");
        assert_eq!(
            answer["payload"]["errors"][0]["extensions"]["code"], "NOT_FOUND",
            "{answer}"
        );
        assert_eq!(end.expect("complete")["type"], "complete");
    }
    assert!(own_answer.is_none(), "{own_answer:?}");
}
on_both!(following_a_referral_the_caller_cannot_see_is_refused);

/// The close frame the server ends the connection with (other messages skipped), or `None`
/// when it ends without one or not within `wait`.
pub(crate) async fn close_frame(ws: &mut Socket, wait: Duration) -> Option<(u16, String)> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, ws.rx.recv())
            .await
            .ok()??
        {
            Frame::Closed(frame) => return frame,
            Frame::Text(_) => {}
        }
    }
}

/// Failures close the socket with the codes graphql-transport-ws defines: 4403 for a refused
/// `connection_init` (no token, a forged one), 4401 for a subscription before the
/// acknowledgement, 4400 for a message that is not the protocol's, 4429 for a second
/// `connection_init`.
async fn failures_close_with_the_protocols_codes(db: Db) {
    let app = TestApp::spawn(&db).await;
    let caseworker = app.token("helsingor", "caseworker@helsingor.demo").await;
    let wait = Duration::from_secs(10);
    for payload in [json!({}), json!({ "Authorization": "Bearer not-a-token" })] {
        let mut ws = open(&app).await;
        send(
            &mut ws,
            json!({ "type": "connection_init", "payload": payload }),
        )
        .await;
        let (code, reason) = close_frame(&mut ws, wait).await.expect("a close frame");
        assert_eq!(code, 4403, "{payload}: {reason}");
    }
    let mut early = open(&app).await;
    send(
        &mut early,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": SUBSCRIBE } }),
    )
    .await;
    assert_eq!(
        close_frame(&mut early, wait)
            .await
            .expect("a close frame")
            .0,
        4401
    );
    let mut garbled = open(&app).await;
    garbled
        .sink
        .lock()
        .await
        .send(Message::text("not json"))
        .await
        .unwrap();
    assert_eq!(
        close_frame(&mut garbled, wait)
            .await
            .expect("a close frame")
            .0,
        4400
    );
    let mut twice = subscribe(&app, &caseworker, None).await;
    send(
        &mut twice,
        json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {caseworker}") } }),
    )
    .await;
    assert_eq!(
        close_frame(&mut twice, wait)
            .await
            .expect("a close frame")
            .0,
        4429
    );
    // Without a GraphQL sub-protocol the upgrade is refused with a problem.
    let plain = reqwest::Client::new()
        .get(format!("{}/graphql", app.address))
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 400);
    app.stop().await;
}
on_both!(failures_close_with_the_protocols_codes);

const SUBMITTED: &str = "subscription { referralSubmitted { at referral { id state contactOverdue reason referrerOrganisation { name } requestedOffer { title } } } }";

/// Connects with `token` and starts `query`; panics unless the connection is acknowledged.
async fn start(app: &TestApp, token: &str, query: &str, variables: Value) -> Socket {
    let init = json!({ "Authorization": format!("Bearer {token}") });
    start_with(app, init, query, variables).await
}

/// Connects with the `connection_init` payload `init` and subscribes to `query`.
pub(crate) async fn start_with(
    app: &TestApp,
    init: Value,
    query: &str,
    variables: Value,
) -> Socket {
    let mut ws = open(app).await;
    send(
        &mut ws,
        json!({ "type": "connection_init", "payload": init }),
    )
    .await;
    let ack = next(&mut ws, Duration::from_secs(10)).await;
    assert_eq!(ack.unwrap()["type"], "connection_ack");
    send(
        &mut ws,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query, "variables": variables } }),
    )
    .await;
    ws
}

/// `referralSubmitted` keeps a coordinator's worklist current: each new referral of their
/// tenant arrives once, as the worklist shows it (organisation and requested offer resolved,
/// no reason), and nothing of another tenant; a referrer or a peer is refused.
async fn coordinators_hear_new_referrals_of_their_tenant(db: Db) {
    let mut settings = test_settings(&db).await;
    settings.webhook_poll_interval_ms = 100;
    let app = TestApp::spawn_with(settings).await;
    let referrer = app.token("helsingor", "caseworker@helsingor.demo").await;
    let coordinator = app.token("helsingor", "coordinator@helsingor.demo").await;
    let admin = app.token("helsingor", "admin@helsingor.demo").await;
    let other_referrer = app.token("kobenhavn", "caseworker@kobenhavn.demo").await;
    let other_coordinator = app.token("kobenhavn", "coordinator@kobenhavn.demo").await;
    let mut mine = start(&app, &coordinator, SUBMITTED, json!({})).await;
    let mut theirs = start(&app, &other_coordinator, SUBMITTED, json!({})).await;
    // An open offer of the tenant, asked for by the referral.
    let offer = app
        .gql_ok(
            Some(&admin),
            "{ offers(first: 50) { edges { node { id title open } } } }",
            json!({}),
        )
        .await["offers"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["open"] == true)
        .map(|e| e["node"].clone())
        .expect("the demo tenant has an open offer");
    let other_id = submit(&app, &other_referrer, "København").await;
    let data = app
        .gql_ok(
            Some(&referrer),
            SUBMIT,
            json!({ "input": {
                "newCitizen": { "name": "Ny Borger", "municipality": "Helsingør" },
                "reason": "Ønsker en peer",
                "offerId": offer["id"],
                "consentEvidence": "VERBAL_TO_REFERRER",
            }}),
        )
        .await;
    let id = data["submitReferral"]["referral"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let heard = next(&mut mine, Duration::from_secs(20))
        .await
        .expect("an event");
    assert_eq!(heard["type"], "next", "{heard}");
    assert!(heard["payload"].get("errors").is_none(), "{heard}");
    let submission = &heard["payload"]["data"]["referralSubmitted"];
    assert_eq!(
        uuid_of(submission["referral"]["id"].as_str().unwrap()),
        uuid_of(&id),
        "{heard}"
    );
    assert_eq!(submission["referral"]["state"], "SUBMITTED");
    assert_eq!(
        submission["referral"]["reason"],
        Value::Null,
        "no reason unaudited"
    );
    assert_eq!(
        submission["referral"]["requestedOffer"]["title"],
        offer["title"]
    );
    assert!(submission["referral"]["referrerOrganisation"]["name"].is_string());
    // Once: nothing more comes for it.
    assert!(next(&mut mine, Duration::from_millis(700)).await.is_none());
    // The other tenant's coordinator heard only their own.
    let heard = next(&mut theirs, Duration::from_secs(20))
        .await
        .expect("an event");
    assert_eq!(
        uuid_of(
            heard["payload"]["data"]["referralSubmitted"]["referral"]["id"]
                .as_str()
                .unwrap()
        ),
        uuid_of(&other_id),
        "{heard}"
    );
    assert!(
        next(&mut theirs, Duration::from_millis(700))
            .await
            .is_none()
    );
    for token in [
        referrer,
        app.token("helsingor", "peer@helsingor.demo").await,
    ] {
        let mut ws = start(&app, &token, SUBMITTED, json!({})).await;
        let refused = next(&mut ws, Duration::from_secs(10)).await.unwrap();
        assert_eq!(
            refused["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN",
            "{refused}"
        );
    }
    app.stop().await;
}
on_both!(coordinators_hear_new_referrals_of_their_tenant);
