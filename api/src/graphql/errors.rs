//! Domain errors to GraphQL errors, by whitelist, with `extensions.code`.

use async_graphql::{Error, ErrorExtensions as _, Response};
use peerbro_domain::DomainError;

/// Maps a domain error. `INTERNAL` carries a generic message; the cause goes to the log.
pub fn to_gql(err: DomainError) -> Error {
    let code = err.code();
    match err {
        DomainError::Unknown(cause) => {
            tracing::error!(error = format!("{cause:#}"), "internal error");
            Error::new("internal error").extend_with(|_, e| e.set("code", code))
        }
        DomainError::Validation { ref field, .. } => {
            let field = field.clone();
            Error::new(err.to_string()).extend_with(move |_, e| {
                e.set("code", code);
                e.set("field", field.clone());
            })
        }
        other => Error::new(other.to_string()).extend_with(|_, e| e.set("code", code)),
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
