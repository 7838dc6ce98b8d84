//! What the token endpoint answers (`POST /api/v1/oauth/token`): a token, or an error in
//! the OAuth JSON shape (RFC 6749 §5.2), for both of its grants.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

/// The token type the exchange issues, and the only one that may be requested.
pub(super) const ACCESS_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:access_token";

/// A token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// The bearer JWT.
    access_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    /// Seconds until it expires.
    expires_in: u64,
    /// What was issued (token exchange only):
    /// `urn:ietf:params:oauth:token-type:access_token`.
    #[serde(skip_serializing_if = "Option::is_none")]
    issued_token_type: Option<&'static str>,
}

impl TokenResponse {
    /// A bearer token, from the exchange when `exchanged`.
    pub(super) const fn bearer(access_token: String, expires_in: u64, exchanged: bool) -> Self {
        Self {
            access_token,
            token_type: "Bearer",
            expires_in,
            issued_token_type: if exchanged {
                Some(ACCESS_TOKEN_TYPE)
            } else {
                None
            },
        }
    }
}

pub(super) fn oauth_error(status: StatusCode, error: &str, description: &str) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.insert_header((header::CACHE_CONTROL, "no-store"));
    if status == StatusCode::UNAUTHORIZED {
        res.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"peerbro\""));
    }
    res.json(json!({ "error": error, "error_description": description }))
}

/// 503 with `Retry-After`, in the OAuth shape (`temporarily_unavailable`).
pub(super) fn unavailable(why: &str) -> HttpResponse {
    let mut res = oauth_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily_unavailable",
        why,
    );
    res.headers_mut().insert(
        header::RETRY_AFTER,
        header::HeaderValue::from(peerbro_domain::error::UNAVAILABLE_RETRY_AFTER_SECONDS),
    );
    res
}
