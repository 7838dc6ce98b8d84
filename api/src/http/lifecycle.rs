//! The life of every request: counted while in flight, measured when answered, answered 503
//! `UNAVAILABLE` when it runs past the request timeout (its work is dropped, so its
//! transaction rolls back), and — if the server stops before it finishes — logged and counted
//! as cut.
//!
//! With the request timeout shorter than the shutdown grace period (the defaults: 25 s and
//! 30 s), every request in flight at SIGTERM ends, one way or the other, before the grace
//! period does; a request still cut is a bug, and the exit status says so.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage as _, HttpResponse};

use crate::http::problem::ApiError;
use crate::http::request_id::RequestId;
use crate::metrics::Metrics;

/// Shared by every worker: the timeout, whether the server is stopping, what was cut.
#[derive(Debug)]
pub struct Lifecycle {
    timeout: Duration,
    stopping: AtomicBool,
    cut: AtomicU64,
    metrics: Arc<Metrics>,
}

impl Lifecycle {
    /// Requests time out after `timeout`.
    #[must_use]
    pub fn new(timeout: Duration, metrics: Arc<Metrics>) -> Self {
        Self {
            timeout,
            stopping: AtomicBool::new(false),
            cut: AtomicU64::new(0),
            metrics,
        }
    }

    /// The server has begun to stop: requests dropped from now on were cut.
    pub fn stopping(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// How many requests were cut.
    #[must_use]
    pub fn cut(&self) -> u64 {
        self.cut.load(Ordering::SeqCst)
    }

    /// Waits until no request is in flight any more (at most `within`): once the server has
    /// stopped, its workers drop what they cut on their own threads, and the count of cut
    /// requests is only final after that.
    pub async fn drained(&self, within: Duration) {
        let started = std::time::Instant::now();
        while self.metrics.in_flight().get() > 0 && started.elapsed() < within {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Counts a request in flight; notices when it is dropped unanswered.
struct InFlight {
    life: Arc<Lifecycle>,
    route: String,
    request_id: String,
    answered: bool,
}

impl InFlight {
    fn new(life: Arc<Lifecycle>, route: String, request_id: String) -> Self {
        life.metrics.in_flight().inc();
        Self {
            life,
            route,
            request_id,
            answered: false,
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.life.metrics.in_flight().dec();
        if !self.answered && self.life.stopping.load(Ordering::SeqCst) {
            self.life.cut.fetch_add(1, Ordering::SeqCst);
            self.life.metrics.cut();
            tracing::error!(
                request_id = %self.request_id,
                http.route = %self.route,
                "request cut unanswered: the shutdown grace period ended before it did"
            );
        }
    }
}

/// The answer to a request that ran out of time, shaped for its API: problem+json, or a
/// GraphQL error document on `/graphql`.
#[derive(Debug, thiserror::Error)]
#[error("request timed out")]
struct TimedOut {
    graphql: bool,
}

const TIMED_OUT: &str = "the request took longer than the server allows; its changes were \
                         rolled back, retry";

impl actix_web::ResponseError for TimedOut {
    fn status_code(&self) -> StatusCode {
        StatusCode::SERVICE_UNAVAILABLE
    }

    fn error_response(&self) -> HttpResponse {
        let api = ApiError::unavailable(TIMED_OUT);
        if self.graphql {
            crate::http::problem::graphql_api_error(&api)
        } else {
            api.error_response()
        }
    }
}

/// The middleware.
///
/// # Errors
/// Whatever the inner service returns.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(life) = req
        .app_data::<actix_web::web::Data<Lifecycle>>()
        .map(|l| l.clone().into_inner())
    else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().as_str().to_owned();
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map_or_else(String::new, |r| r.0.clone());
    let graphql = req.path() == "/graphql";
    let mut guard = InFlight::new(life.clone(), route.clone(), request_id);
    let started = Instant::now();
    let answer = tokio::time::timeout(life.timeout, next.call(req)).await;
    guard.answered = true;
    let seconds = started.elapsed().as_secs_f64();
    let res = match answer {
        Ok(Ok(res)) => res.map_into_boxed_body(),
        Ok(Err(err)) => {
            let status = err.as_response_error().status_code().as_u16();
            life.metrics.request(&route, &method, status, seconds);
            return Err(err);
        }
        Err(_) => {
            tracing::warn!(
                timeout_s = life.timeout.as_secs(),
                "request timed out; its work was dropped"
            );
            life.metrics.request(&route, &method, 503, seconds);
            // Returned as an error: the outer middleware (CORS, request id) adds its headers.
            return Err(TimedOut { graphql }.into());
        }
    };
    life.metrics
        .request(&route, &method, res.status().as_u16(), seconds);
    Ok(res)
}

/// Stops the server gracefully on SIGTERM or SIGINT (in-flight requests finish).
pub(crate) async fn stop_on_signal(
    handle: actix_web::dev::ServerHandle,
    lifecycle: std::sync::Arc<Lifecycle>,
) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::error!("cannot listen for signals");
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: finishing in-flight requests"),
            _ = int.recv() => tracing::info!("SIGINT: finishing in-flight requests"),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    lifecycle.stopping();
    handle.stop(true).await;
}
