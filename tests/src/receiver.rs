//! A webhook receiver for tests: a real HTTP server on loopback that records every request
//! and answers as told, and a signature check written from the Standard Webhooks
//! specification (not with the server's code, so that a shared mistake cannot pass).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    /// The request path.
    pub path: String,
    /// `webhook-id`.
    pub id: String,
    /// `webhook-timestamp`.
    pub timestamp: String,
    /// `webhook-signature`.
    pub signature: String,
    /// The body.
    pub body: String,
    /// What the receiver answered (0 when it hung up instead).
    pub answered: u16,
}

impl Received {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("webhook body is JSON")
    }
}

/// How the receiver answers.
#[derive(Clone, Copy, Debug)]
pub enum Behaviour {
    /// 500 for the first `n` requests of each `webhook-id`, then 204.
    FailFirst(usize),
    /// The first request of each `webhook-id` gets no answer for this long; later ones 204.
    HangFirst(Duration),
}

#[derive(Default)]
struct Log {
    received: Vec<Received>,
    per_id: HashMap<String, usize>,
}

struct Shared {
    behaviour: Behaviour,
    log: Mutex<Log>,
}

async fn handle(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let id = header("webhook-id");
    let (seen, index) = {
        let mut log = shared.log.lock().expect("log lock");
        let seen = {
            let n = log.per_id.entry(id.clone()).or_default();
            *n += 1;
            *n
        };
        log.received.push(Received {
            path: req.path().to_owned(),
            id: id.clone(),
            timestamp: header("webhook-timestamp"),
            signature: header("webhook-signature"),
            body: String::from_utf8_lossy(&body).into_owned(),
            answered: 0,
        });
        (seen, log.received.len() - 1)
    };
    let status = match shared.behaviour {
        Behaviour::FailFirst(n) if seen <= n => 500,
        Behaviour::HangFirst(wait) if seen == 1 => {
            tokio::time::sleep(wait).await;
            return HttpResponse::NoContent().finish();
        }
        _ => 204,
    };
    shared.log.lock().expect("log lock").received[index].answered = status;
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("status")).finish()
}

/// A running receiver.
pub struct Receiver {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    shared: web::Data<Shared>,
    handle: ServerHandle,
}

impl Receiver {
    /// Starts a receiver on a free loopback port.
    pub async fn start(behaviour: Behaviour) -> Self {
        let shared = web::Data::new(Shared {
            behaviour,
            log: Mutex::new(Log::default()),
        });
        let data = shared.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(handle))
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(0)
        .bind(("127.0.0.1", 0))
        .expect("receiver binds");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}"),
            shared,
            handle,
        }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.log.lock().expect("log lock").received.clone()
    }

    /// Waits (up to `timeout`) until `done` holds for what was received; panics with the log
    /// otherwise.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the receiver did not get what was expected in {timeout:?}; it got {received:#?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the receiver.
    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}

/// Whether one of the signatures in `r` verifies with `secret`, following the specification:
/// the key is the base64 after `whsec_`; the signed content is `id.timestamp.body`; the
/// header holds space-separated `v1,<base64 HMAC-SHA256>` entries.
pub fn verifies(secret: &str, r: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("secret is base64");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("any key length");
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    r.signature
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .any(|s| s == expected)
}
