//! `POST /api/v1/oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4) for
//! partner API clients, and the token exchange (RFC 8693) by which a person gets a token for
//! another partnership they belong to (`super::token_exchange`). A client authenticates with
//! HTTP Basic (`client_secret_basic`) or with `client_id` and `client_secret` in the form body
//! (`client_secret_post`) and gets a short-lived bearer JWT acting as a referrer of its
//! organisation. Errors use the RFC's own JSON shape (`error`, `error_description`), as OAuth
//! client libraries expect.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, post, web};
use base64::Engine as _;
use peerbro_domain::DomainError;
use serde_json::json;
use utoipa::ToSchema;

use super::oauth_answers::{TokenResponse, oauth_error, unavailable};
use crate::state::AppState;

/// The form fields of a token request (documentation only; the body is parsed by hand to
/// answer with OAuth errors).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct TokenRequest {
    /// `client_credentials`, or `urn:ietf:params:oauth:grant-type:token-exchange`.
    #[schema(pattern = "^(client_credentials|urn:ietf:params:oauth:grant-type:token-exchange)$")]
    grant_type: String,
    /// The client id (client credentials, unless sent with HTTP Basic).
    client_id: Option<String>,
    /// The client secret (client credentials, unless sent with HTTP Basic).
    client_secret: Option<String>,
    /// The caller's current token (token exchange).
    subject_token: Option<String>,
    /// `urn:ietf:params:oauth:token-type:access_token` or `…:jwt` (token exchange).
    #[schema(pattern = "^urn:ietf:params:oauth:token-type:(access_token|jwt)$")]
    subject_token_type: Option<String>,
    /// The slug of the partnership to get a token for (token exchange).
    #[schema(pattern = "^[a-z0-9][a-z0-9-]{1,62}$")]
    audience: Option<String>,
    /// Only `urn:ietf:params:oauth:token-type:access_token` (token exchange; the default).
    requested_token_type: Option<String>,
}

/// 429 with `Retry-After`, in the token endpoint's OAuth shape (`temporarily_unavailable`,
/// RFC 6749 §4.1.2.1) and with the API's `code`.
fn slow_down(retry_after: u64) -> HttpResponse {
    HttpResponse::TooManyRequests()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::RETRY_AFTER, retry_after))
        .json(json!({
            "error": "temporarily_unavailable",
            "error_description": format!(
                "too many token requests from this client or address; retry in {retry_after} s"
            ),
            "code": "RATE_LIMITED",
            "retryAfterSeconds": retry_after,
        }))
}

fn basic_credentials(req: &HttpRequest) -> Option<Result<(String, String), ()>> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let parsed = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
            let (id, secret) = text.split_once(':')?;
            // RFC 6749 §2.3.1: both are form-urlencoded before Basic encoding.
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            Some((decode(id)?, decode(secret)?))
        });
    Some(parsed.ok_or(()))
}

/// Exchange client credentials for a token, or a person's token for one of another
/// partnership they belong to (RFC 8693: `subject_token`, `audience` = the partnership's slug).
#[utoipa::path(
    post,
    path = "/api/v1/oauth/token",
    tag = "oauth",
    security(()),
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "A bearer token", body = TokenResponse),
        (status = 400, description = "`invalid_request` (also an unusable `subject_token`), \
                                      `unsupported_grant_type`, or `invalid_target`: the person \
                                      is no active member of the `audience`"),
        (status = 401, description = "`invalid_client`: unknown, revoked or wrong secret"),
        (status = 429, description = "Too many token requests for this client id or from this \
                                      address (`temporarily_unavailable`)",
         headers(("Retry-After" = u64, description = "Seconds after which a retry may succeed"))),
        (status = 503, description = "The database is unavailable (`temporarily_unavailable`)",
         headers(("Retry-After" = u64, description = "Seconds after which a retry may succeed"))),
    )
)]
#[post("/oauth/token")]
pub async fn token(req: HttpRequest, body: web::Bytes, state: web::Data<AppState>) -> HttpResponse {
    if let Err(retry_after) = state
        .limits
        .token_address(state.limits.client_address(&req))
    {
        return slow_down(retry_after);
    }
    let form_body = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_body {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "send the token request as application/x-www-form-urlencoded",
        );
    }
    let mut grant_type = None;
    let mut form_id = None;
    let mut form_secret = None;
    let mut exchange = super::token_exchange::ExchangeForm::default();
    for (key, value) in url::form_urlencoded::parse(&body) {
        let slot = match key.as_ref() {
            "grant_type" => &mut grant_type,
            "client_id" => &mut form_id,
            "client_secret" => &mut form_secret,
            other => match exchange.slot(other) {
                Some(slot) => slot,
                None => continue,
            },
        };
        if slot.replace(value.into_owned()).is_some() {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "a parameter is repeated",
            );
        }
    }
    match grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(super::token_exchange::GRANT_TYPE) => {
            return super::token_exchange::exchange(&req, &state, exchange).await;
        }
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "client_credentials and urn:ietf:params:oauth:grant-type:token-exchange are \
                 supported",
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            );
        }
    }
    let (client_id, secret) = match (basic_credentials(&req), form_id, form_secret) {
        (Some(Ok(credentials)), None, None) => credentials,
        (None, Some(id), Some(secret)) => (id, secret),
        (Some(Err(())), _, _) => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "the Basic credentials do not parse",
            );
        }
        (Some(_), _, _) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "use one client authentication method, not both",
            );
        }
        _ => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client authentication is required",
            );
        }
    };
    if let Err(retry_after) = state.limits.token_client(&client_id) {
        return slow_down(retry_after);
    }
    match state
        .services
        .api_clients
        .exchange(&client_id, &secret)
        .await
    {
        Ok((tenant, client)) => {
            let ttl = state.api_client_token_ttl_seconds;
            match state.auth.mint_for_client(tenant, client.id, ttl) {
                Ok(access_token) => HttpResponse::Ok()
                    .insert_header((header::CACHE_CONTROL, "no-store"))
                    .json(TokenResponse::bearer(access_token, ttl, false)),
                Err(err) => {
                    tracing::error!(error = format!("{err:#}"), "issuing a client token failed");
                    oauth_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "server_error",
                        "internal error",
                    )
                }
            }
        }
        Err(DomainError::Unauthenticated) => oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client, revoked client or wrong secret",
        ),
        Err(DomainError::Unavailable(why)) => unavailable(why),
        Err(err) => {
            tracing::error!(error = %err, "checking client credentials failed");
            oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "internal error",
            )
        }
    }
}
