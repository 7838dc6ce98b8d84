//! The request context as an actix extractor: verifies the bearer token (if any), applies the
//! caller's rate limit, and resolves the caller's membership once per request.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage as _, HttpRequest, web};
use peerbro_domain::RequestContext;

use crate::auth::AuthError;
use crate::http::problem::ApiError;
use crate::http::rate_limit::Caller;
use crate::http::request_id::RequestId;
use crate::state::AppState;

/// The caller, resolved from the `Authorization` header.
#[derive(Debug)]
pub struct Ctx(pub RequestContext);

/// Resolves the request context of `req`. The order keeps floods cheap: the token's signature
/// is checked (CPU only), then the caller's rate limit, and only then is the caller looked up
/// in the database. Requests without a valid token are limited by address.
///
/// # Errors
/// `UNAUTHENTICATED` (401) for a bad token; `RATE_LIMITED` (429); `UNAVAILABLE` (503) when
/// the look-up cannot be made; `INTERNAL` when it fails otherwise.
pub async fn resolve(req: &HttpRequest) -> Result<RequestContext, ApiError> {
    let state = req.app_data::<web::Data<AppState>>().ok_or_else(|| {
        ApiError::from(peerbro_domain::DomainError::Unknown(anyhow::anyhow!(
            "state missing"
        )))
    })?;
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map_or_else(|| "unknown".to_owned(), |r| r.0.clone());
    let refused = |reason: &'static str| -> ApiError {
        tracing::debug!(reason, "authentication refused");
        match state.limits.anonymous(state.limits.client_address(req)) {
            Err(limited) => limited.into(),
            Ok(()) => ApiError::unauthenticated(),
        }
    };
    let header = match req.headers().get(actix_web::http::header::AUTHORIZATION) {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| refused("authorization header is not text"))?,
        ),
    };
    let Some(header) = header else {
        state.limits.anonymous(state.limits.client_address(req))?;
        return Ok(RequestContext::anonymous(&request_id));
    };
    let verified = match state.auth.verify_header(header) {
        Ok(verified) => verified,
        Err(AuthError::Invalid(reason)) => return Err(refused(reason)),
        Err(AuthError::Lookup(err)) => return Err(err.into()),
    };
    state.limits.caller(&Caller::from(&verified))?;
    match state.auth.resolve(verified, &request_id).await {
        Ok(ctx) => Ok(ctx),
        Err(AuthError::Invalid(reason)) => Err(refused(reason)),
        Err(AuthError::Lookup(err)) => Err(err.into()),
    }
}

impl FromRequest for Ctx {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        // Every REST resource needs a caller: without one the answer is 401 before the body
        // or any header is looked at, so that a client learns first what it must fix first.
        Box::pin(async move {
            let ctx = resolve(&req).await?;
            if ctx.actor().is_none() {
                return Err(ApiError::unauthenticated());
            }
            Ok(Ctx(ctx))
        })
    }
}
