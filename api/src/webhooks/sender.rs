//! Sends one webhook: a JSON POST with the Standard Webhooks headers, signed at the moment of
//! sending. Names are resolved by the guard (so a name that resolves into the hosting network
//! is refused at every attempt), redirects are not followed, no proxy is used, and the
//! response body is never read into the log.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use async_trait::async_trait;
use peerbro_domain::webhooks::{OutgoingWebhook, SendOutcome, WebhookSender};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::guard::NetGuard;
use super::signing::sign;

/// Resolves through the guard.
struct GuardedResolver(NetGuard);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let guard = self.0;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = guard
                .resolve(&host, 0)
                .await
                .map_err(|reason| -> Box<dyn std::error::Error + Send + Sync> { reason.into() })?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// [`WebhookSender`] over reqwest with rustls (ring) and the Mozilla root store.
#[derive(Clone, Debug)]
pub struct HttpSender {
    client: reqwest::Client,
    guard: NetGuard,
}

impl HttpSender {
    /// A sender with `timeout` per attempt.
    ///
    /// # Errors
    /// When the TLS or HTTP client cannot be built.
    pub fn new(guard: NetGuard, timeout: Duration) -> anyhow::Result<Self> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .dns_resolver(GuardedResolver(guard))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("peerbro-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the webhook HTTP client")?;
        Ok(Self { client, guard })
    }
}

fn elapsed_ms(start: Instant) -> u32 {
    u32::try_from(start.elapsed().as_millis()).unwrap_or(u32::MAX)
}

fn failure(start: Instant, reason: &str) -> SendOutcome {
    SendOutcome {
        status_code: None,
        error: Some(reason.to_owned()),
        duration_ms: elapsed_ms(start),
    }
}

fn describe(err: &reqwest::Error) -> &'static str {
    if err.is_timeout() {
        "timeout"
    } else if err.is_connect() {
        "connection failed or target refused"
    } else if err.is_request() {
        "request failed"
    } else {
        "transport error"
    }
}

#[async_trait]
impl WebhookSender for HttpSender {
    async fn send(&self, message: &OutgoingWebhook) -> SendOutcome {
        let start = Instant::now();
        // Checked again at every attempt: configuration may have tightened since registration.
        if self.guard.parse(&message.url).is_err() {
            return failure(start, "target refused by the address policy");
        }
        let timestamp = chrono::Utc::now().timestamp();
        let signature = sign(
            &message.secrets,
            &message.webhook_id,
            timestamp,
            message.body.as_bytes(),
        );
        let response = self
            .client
            .post(&message.url)
            .header("content-type", "application/json")
            .header("webhook-id", &message.webhook_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(message.body.clone())
            .send()
            .await;
        match response {
            Ok(response) => SendOutcome {
                status_code: Some(response.status().as_u16()),
                error: None,
                duration_ms: elapsed_ms(start),
            },
            Err(err) => failure(start, describe(&err)),
        }
    }
}
