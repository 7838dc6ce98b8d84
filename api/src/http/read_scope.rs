//! Runs each REST `GET` in one read transaction (ADR 0018): the caller's look-up and every
//! port call of the handler share it, and it is committed before the answer leaves. When the
//! commit fails the answer is replaced by `503` problem+json, so that nothing read is
//! disclosed without its look-up entry. Other methods keep their use cases' transactions.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError as _};
use peerbro_persistence::ReadScope;

use crate::http::problem::ApiError;

/// The middleware.
///
/// # Errors
/// Whatever the inner service returns.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if req.method() != Method::GET {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let scope = ReadScope::new();
    let answer = scope.run(next.call(req)).await;
    let committed = scope.finish().await;
    match (answer, committed) {
        (Ok(res), Ok(())) => Ok(res.map_into_boxed_body()),
        (Ok(res), Err(err)) => {
            tracing::warn!(error = %err, "the request's read transaction did not commit");
            let problem = ApiError::from(err).error_response();
            Ok(res.into_response(problem))
        }
        (Err(err), _) => Err(err),
    }
}
