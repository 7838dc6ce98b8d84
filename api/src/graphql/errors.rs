//! Domain errors to GraphQL errors, by whitelist, with `extensions.code`.

use std::sync::Arc;

use async_graphql::{Error, ErrorExtensions as _, Response};
use peerbro_domain::DomainError;

/// Maps a domain error. `INTERNAL` carries a generic message; the cause goes to the log.
pub fn to_gql(err: DomainError) -> Error {
    if let DomainError::Unknown(cause) = &err {
        tracing::error!(error = format!("{cause:#}"), "internal error");
    }
    map_ref(&err)
}

/// The mapping itself, on a borrowed error (shared batch errors are mapped once per field).
fn map_ref(err: &DomainError) -> Error {
    let code = err.code();
    let retry_after = err.retry_after_seconds();
    let field = match err {
        DomainError::Validation { field, .. } => Some(field.clone()),
        _ => None,
    };
    let reason = match err {
        DomainError::Conflict(c) => Some(c.reason()),
        _ => None,
    };
    let message = match err {
        DomainError::Unknown(_) => "internal error".to_owned(),
        other => other.to_string(),
    };
    Error::new(message).extend_with(move |_, e| {
        e.set("code", code);
        if let Some(field) = &field {
            e.set("field", field.clone());
        }
        if let Some(reason) = reason {
            e.set("reason", reason);
        }
        if let Some(seconds) = retry_after {
            e.set("retryAfterSeconds", seconds);
        }
    })
}

/// Why a DataLoader batch failed: the domain error itself, shared by every key of the batch
/// (loaders need a `Clone` error), so that each field answers with the batch's real code —
/// `UNAVAILABLE` when the database is down, never a borrowed `FORBIDDEN` or `INTERNAL`.
#[derive(Clone, Debug)]
pub struct LoadError(Arc<DomainError>);

impl From<DomainError> for LoadError {
    fn from(err: DomainError) -> Self {
        if let DomainError::Unknown(cause) = &err {
            tracing::error!(error = format!("{cause:#}"), "batch load failed");
        }
        Self(Arc::new(err))
    }
}

impl From<LoadError> for Error {
    fn from(err: LoadError) -> Self {
        map_ref(&err.0)
    }
}

/// Every error the client caused before a resolver ran (syntax, unknown fields, wrong
/// variable types, depth or complexity limits) has no code yet: it gets `VALIDATION`.
#[must_use]
pub fn with_codes(mut response: Response) -> Response {
    for error in &mut response.errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|ext| ext.get("code").is_some());
        if !has_code {
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("code", "VALIDATION");
        }
    }
    response
}

/// `Result` for resolvers, mapping domain errors.
pub trait GqlResultExt<T> {
    /// Maps the error.
    ///
    /// # Errors
    /// The mapped error.
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GqlResultExt<T> for Result<T, DomainError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(to_gql)
    }
}

/// The service `S` and the request context that the handler attached to this request.
///
/// # Errors
/// `INTERNAL` when either is missing (a wiring mistake, never the client's).
pub fn request_data<'a, S: std::any::Any + Send + Sync>(
    ctx: &'a async_graphql::Context<'_>,
) -> async_graphql::Result<(&'a S, &'a peerbro_domain::RequestContext)> {
    match (
        ctx.data::<S>(),
        ctx.data::<peerbro_domain::RequestContext>(),
    ) {
        (Ok(svc), Ok(rc)) => Ok((svc, rc)),
        _ => Err(to_gql(DomainError::Unknown(anyhow::anyhow!(
            "request data missing from the GraphQL context"
        )))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(err: &Error) -> String {
        err.extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    #[test]
    fn a_failed_batch_keeps_its_code_for_every_field() {
        // A pool timeout in a DataLoader used to read as FORBIDDEN.
        let batch = LoadError::from(DomainError::Unavailable("busy"));
        for _ in 0..2 {
            let err = Error::from(batch.clone());
            assert_eq!(code(&err), "\"UNAVAILABLE\"");
            assert!(
                err.extensions
                    .as_ref()
                    .unwrap()
                    .get("retryAfterSeconds")
                    .is_some()
            );
        }
        let err = Error::from(LoadError::from(DomainError::Forbidden("no")));
        assert_eq!(code(&err), "\"FORBIDDEN\"");
        let err = Error::from(LoadError::from(DomainError::Unknown(anyhow::anyhow!("x"))));
        assert_eq!(code(&err), "\"INTERNAL\"");
        assert_eq!(err.message, "internal error");
    }
}
