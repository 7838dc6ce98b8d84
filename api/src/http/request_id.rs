//! Gives every request an id (the caller's `x-request-id` when it is a short token, otherwise
//! a new UUID), returns it in the response and opens a span for the request. The span records
//! the matched route pattern, never the raw path or query, which may carry personal data.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage as _};
use tracing::Instrument as _;

/// The request id, in the request's extensions.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

const HEADER: HeaderName = HeaderName::from_static("x-request-id");

fn acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The middleware.
///
/// # Errors
/// Whatever the inner service returns.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(&HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map_or_else(|| uuid::Uuid::new_v4().simple().to_string(), str::to_owned);
    req.extensions_mut().insert(RequestId(id.clone()));
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let span = tracing::info_span!(
        "http.request",
        request_id = %id,
        http.method = %req.method(),
        http.route = %route,
        http.status = tracing::field::Empty,
    );
    let started = std::time::Instant::now();
    let answer = next.call(req).instrument(span.clone()).await;
    let status = match &answer {
        Ok(res) => res.status().as_u16(),
        Err(err) => err.as_response_error().status_code().as_u16(),
    };
    span.record("http.status", status);
    span.in_scope(|| {
        tracing::info!(
            status,
            latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "request"
        );
    });
    let value = HeaderValue::from_str(&id).ok();
    match answer {
        Ok(mut res) => {
            if let Some(value) = value {
                res.headers_mut().insert(HEADER, value);
            }
            Ok(res)
        }
        Err(mut err) => {
            if let Some(value) = value {
                err.add_response_mapper(move |mut res| {
                    res.headers_mut().insert(HEADER, value.clone());
                    res
                });
            }
            Err(err)
        }
    }
}
