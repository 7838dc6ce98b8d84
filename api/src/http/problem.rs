//! RFC 9457 `application/problem+json` errors for REST and for errors raised before GraphQL
//! runs. Codes are the same whitelist as GraphQL's `extensions.code`. Internal errors carry a
//! generic message; their cause goes to the log.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use peerbro_domain::DomainError;
use serde::Serialize;
use utoipa::ToSchema;

/// A problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: `code` says what happened.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The HTTP status phrase.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong, for people.
    pub detail: String,
    /// What went wrong, for programs: `NOT_FOUND`, `FORBIDDEN`, `VALIDATION`, `CONFLICT`,
    /// `UNAUTHENTICATED`, `RATE_LIMITED`, `UNAVAILABLE` or `INTERNAL`.
    pub code: &'static str,
    /// The input field at fault, for `VALIDATION`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For `CONFLICT`: which rule the change ran into (`ILLEGAL_TRANSITION`, `DUPLICATE`,
    /// `IDEMPOTENCY_KEY_REUSED`, `CAPACITY`, …), the same as GraphQL's `extensions.reason`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// For `RATE_LIMITED` and `UNAVAILABLE`: seconds after which a retry may succeed (also
    /// sent as the `Retry-After` header).
    #[serde(rename = "retryAfterSeconds", skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

/// An error answered as a problem document.
#[derive(Debug, thiserror::Error)]
#[error("{detail}")]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    field: Option<String>,
    reason: Option<&'static str>,
    retry_after: Option<u64>,
}

impl ApiError {
    /// A problem with an explicit status and code.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            field: None,
            reason: None,
            retry_after: None,
        }
    }

    /// `UNAVAILABLE`, status 503, with a `Retry-After`.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self {
            retry_after: Some(peerbro_domain::error::UNAVAILABLE_RETRY_AFTER_SECONDS),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", detail)
        }
    }

    /// The HTTP status.
    #[must_use]
    pub const fn status(&self) -> StatusCode {
        self.status
    }

    /// The code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        self.code
    }

    /// Seconds after which a retry may succeed.
    #[must_use]
    pub const fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    /// A `VALIDATION` problem with status 400.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "VALIDATION", detail)
    }

    /// `UNAUTHENTICATED`, status 401.
    #[must_use]
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "a valid bearer token is required",
        )
    }

    /// The same problem, naming the input `field` at fault.
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The problem document.
    #[must_use]
    pub fn problem(&self) -> Problem {
        Problem {
            kind: "about:blank",
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code,
            field: self.field.clone(),
            reason: self.reason,
            retry_after_seconds: self.retry_after,
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        let code = err.code();
        let (status, field) = match &err {
            DomainError::NotFound { .. } => (StatusCode::NOT_FOUND, None),
            DomainError::Forbidden(_) => (StatusCode::FORBIDDEN, None),
            DomainError::Validation { field, .. } => (StatusCode::BAD_REQUEST, Some(field.clone())),
            DomainError::Conflict(_) => (StatusCode::CONFLICT, None),
            DomainError::Unauthenticated => (StatusCode::UNAUTHORIZED, None),
            DomainError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, None),
            DomainError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, None),
            DomainError::Unknown(cause) => {
                tracing::error!(error = format!("{cause:#}"), "internal error");
                return Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    code,
                    "internal error; quote the x-request-id header when reporting it",
                );
            }
        };
        Self {
            status,
            code,
            detail: err.to_string(),
            field,
            reason: match &err {
                DomainError::Conflict(c) => Some(c.reason()),
                _ => None,
            },
            retry_after: err.retry_after_seconds(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status)
            .content_type("application/problem+json")
            .json(self.problem());
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        if let Some(seconds) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        res
    }
}

/// Turns query-string errors into 400 problems.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    ApiError::bad_request(format!("the query string is not valid: {err}")).into()
}

/// Turns path errors into 400 problems.
pub fn path_error(err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request(format!("the path is not valid: {err}")).into()
}

/// Answers unknown routes with a 404 problem.
pub async fn not_found() -> HttpResponse {
    ApiError::new(StatusCode::NOT_FOUND, "NOT_FOUND", "no such resource").error_response()
}

/// An error raised before GraphQL ran (authentication, rate limit, database), in GraphQL's
/// shape, with the status and headers REST would send.
pub fn graphql_api_error(err: &ApiError) -> HttpResponse {
    let problem = err.problem();
    let mut extensions = serde_json::json!({ "code": problem.code });
    if let Some(seconds) = problem.retry_after_seconds {
        extensions["retryAfterSeconds"] = serde_json::json!(seconds);
    }
    let mut res = HttpResponse::build(err.status()).json(serde_json::json!({
        "errors": [{ "message": problem.detail, "extensions": extensions }]
    }));
    if err.status() == StatusCode::UNAUTHORIZED {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    }
    if let Some(seconds) = err.retry_after() {
        res.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
    }
    res
}
