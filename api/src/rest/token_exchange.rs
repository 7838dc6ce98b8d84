//! The token exchange grant of `POST /api/v1/oauth/token` (RFC 8693, ADR 0028): a person's
//! current token (`subject_token`) for a token of another partnership they belong to
//! (`audience` = its slug). No client authentication: the subject token is the credential.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpMessage as _, HttpRequest, HttpResponse};
use peerbro_domain::DomainError;
use peerbro_domain::tenancy::TenantSlug;

use super::oauth_answers::{ACCESS_TOKEN_TYPE, TokenResponse, oauth_error, unavailable};
use crate::auth::exchange::ExchangeError;
use crate::state::AppState;

/// The grant type.
pub(super) const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// The subject token types taken: our tokens are JWT access tokens.
const SUBJECT_TOKEN_TYPES: [&str; 2] = [ACCESS_TOKEN_TYPE, "urn:ietf:params:oauth:token-type:jwt"];

/// The exchange's form parameters.
#[derive(Debug, Default)]
pub(super) struct ExchangeForm {
    subject_token: Option<String>,
    subject_token_type: Option<String>,
    audience: Option<String>,
    requested_token_type: Option<String>,
}

impl ExchangeForm {
    /// Where the parameter `name` goes, if it is one of the exchange's.
    pub(super) const fn slot(&mut self, name: &str) -> Option<&mut Option<String>> {
        match name.as_bytes() {
            b"subject_token" => Some(&mut self.subject_token),
            b"subject_token_type" => Some(&mut self.subject_token_type),
            b"audience" => Some(&mut self.audience),
            b"requested_token_type" => Some(&mut self.requested_token_type),
            _ => None,
        }
    }
}

fn bad(description: &str) -> HttpResponse {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_request", description)
}

/// Answers one token exchange.
pub(super) async fn exchange(
    req: &HttpRequest,
    state: &AppState,
    form: ExchangeForm,
) -> HttpResponse {
    let Some(subject_token) = form.subject_token.filter(|t| !t.is_empty()) else {
        return bad("subject_token is required");
    };
    match form.subject_token_type.as_deref() {
        Some(t) if SUBJECT_TOKEN_TYPES.contains(&t) => {}
        Some(_) => return bad("subject_token_type must be an access token or a JWT"),
        None => return bad("subject_token_type is required"),
    }
    if form
        .requested_token_type
        .as_deref()
        .is_some_and(|t| t != ACCESS_TOKEN_TYPE)
    {
        return bad("only an access token can be requested");
    }
    let Some(audience) = form.audience else {
        return bad("audience (the partnership's slug) is required");
    };
    let Ok(audience) = TenantSlug::parse(&audience) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_target",
            "no partnership of this person has that slug",
        );
    };
    let request_id = req
        .extensions()
        .get::<crate::http::request_id::RequestId>()
        .map_or_else(|| "unknown".to_owned(), |r| r.0.clone());
    match state
        .auth
        .exchange(&subject_token, &audience, &request_id)
        .await
    {
        Ok(exchanged) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(TokenResponse::bearer(
                exchanged.access_token,
                exchanged.expires_in,
                true,
            )),
        Err(ExchangeError::InvalidSubject(why)) => bad(why),
        Err(ExchangeError::NoMembership) => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_target",
            "no partnership of this person has that slug",
        ),
        Err(ExchangeError::CannotMint) => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "this server does not sign user tokens: exchange the token at the identity provider",
        ),
        Err(ExchangeError::Lookup(DomainError::Unavailable(why))) => unavailable(why),
        Err(ExchangeError::Lookup(err)) => {
            tracing::error!(error = %err, "token exchange look-up failed");
            oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "internal error",
            )
        }
        Err(ExchangeError::Signing(err)) => {
            tracing::error!(
                error = format!("{err:#}"),
                "signing an exchanged token failed"
            );
            oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "internal error",
            )
        }
    }
}
