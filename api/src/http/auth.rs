//! The request context as an actix extractor: verifies the bearer token (if any) and resolves
//! the caller's membership once per request.

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpMessage as _, HttpRequest, web};
use peerbro_domain::RequestContext;

use crate::auth::AuthError;
use crate::http::problem::ApiError;
use crate::http::request_id::RequestId;
use crate::state::AppState;

/// The caller, resolved from the `Authorization` header.
#[derive(Debug)]
pub struct Ctx(pub RequestContext);

/// Resolves the request context of `req`.
///
/// # Errors
/// `UNAUTHENTICATED` (401) for a bad token; `INTERNAL` when the look-up fails.
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
    let header = match req.headers().get(actix_web::http::header::AUTHORIZATION) {
        None => None,
        Some(value) => Some(value.to_str().map_err(|_| ApiError::unauthenticated())?),
    };
    match state.auth.context(header, &request_id).await {
        Ok(ctx) => Ok(ctx),
        Err(AuthError::Invalid(reason)) => {
            tracing::debug!(reason, "authentication refused");
            Err(ApiError::unauthenticated())
        }
        Err(AuthError::Internal(err)) => {
            Err(ApiError::from(peerbro_domain::DomainError::Unknown(err)))
        }
    }
}

impl FromRequest for Ctx {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { resolve(&req).await.map(Ctx) })
    }
}
