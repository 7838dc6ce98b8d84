//! The cost check: measures a document before async-graphql validates it, refuses one over the
//! limits, and labels the operation for metrics. The HTTP handler calls [`CostLimit::check`]
//! itself; the WebSocket's schema runs it as an async-graphql extension.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::{Request, ServerError, ServerResult};

use super::analysis::{CostError, analyse, operation_label};
use super::limits::{CostLimits, MAX_FRAGMENTS};
use super::model::CostModel;

/// The extension that refuses documents over the limits, before parsing checks and
/// validation.
#[derive(Clone, Debug)]
pub struct CostLimit {
    model: Arc<CostModel>,
    limits: CostLimits,
}

impl CostLimit {
    /// The extension for `model` and `limits`.
    #[must_use]
    pub fn new(model: Arc<CostModel>, limits: CostLimits) -> Self {
        Self { model, limits }
    }

    /// Measures `request`'s document (parsed here once and kept with the request, which
    /// async-graphql then uses as is) and refuses it when it is over a limit; else answers the
    /// operation's label for metrics. The HTTP handler calls this before it executes a request
    /// on a schema without the extension, so that no per-field extension hook runs (ADR 0013).
    ///
    /// # Errors
    /// A `VALIDATION` error naming the limit, or the document's syntax error.
    pub fn check(&self, request: &mut Request) -> ServerResult<String> {
        let operation = request.operation_name.clone();
        let variables = std::mem::take(&mut request.variables);
        let measured = self.measure(request, &variables, operation.as_deref());
        request.variables = variables;
        measured
    }

    fn measure(
        &self,
        request: &mut Request,
        variables: &async_graphql::Variables,
        operation: Option<&str>,
    ) -> ServerResult<String> {
        let doc = request.parsed_query()?;
        let cost = analyse(&self.model, doc, variables, self.limits.depth).map_err(|e| {
            let message = match e {
                CostError::FragmentCycle(name) => {
                    format!("fragment {name} spreads itself")
                }
                CostError::UnknownFragment(name) => format!("unknown fragment {name}"),
                CostError::TooManyFragments(n) => format!(
                    "the document defines {n} fragments, more than the {MAX_FRAGMENTS} allowed"
                ),
                CostError::TooDeep(depth) => {
                    return refused(
                        format!(
                            "the query is nested deeper than {} levels \
                             (PEERBRO_GRAPHQL_MAX_DEPTH)",
                            self.limits.depth
                        ),
                        Some(("depth", depth, self.limits.depth)),
                    );
                }
            };
            refused(message, None)
        })?;
        if let Some((what, figure, max)) = cost.exceeds(&self.limits) {
            return Err(refused(
                format!(
                    "the query is too expensive: {figure} {what} where at most {max} are allowed; \
                     ask for fewer items or fields, or split it"
                ),
                Some((what, figure, max)),
            ));
        }
        Ok(operation_label(&self.model, doc, operation))
    }
}

impl ExtensionFactory for CostLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CostLimitExtension {
            limit: self.clone(),
        })
    }
}

/// The extension of one request.
struct CostLimitExtension {
    limit: CostLimit,
}

fn refused(message: String, limit: Option<(&'static str, u64, u64)>) -> ServerError {
    let mut err = ServerError::new(message, None);
    let mut ext = async_graphql::ErrorExtensionValues::default();
    ext.set("code", "VALIDATION");
    if let Some((what, figure, max)) = limit {
        ext.set("limit", what);
        ext.set("figure", figure);
        ext.set("max", max);
    }
    err.extensions = Some(ext);
    err
}

#[async_trait::async_trait]
impl Extension for CostLimitExtension {
    /// Runs before async-graphql parses the document: its own recursion check (run right after
    /// parsing) expands fragments without memoising them, so the document must be measured —
    /// and refused — before that.
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        self.limit.check(&mut request)?;
        next.run(ctx, request).await
    }
}
