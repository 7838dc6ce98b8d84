//! The async-graphql extension: measures every document before async-graphql parses-and-checks
//! it, refuses one over the limits, and labels the operation for metrics.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest,
};
use async_graphql::{Request, ServerError, ServerResult};

use super::analysis::{CostError, analyse, operation_label};
use super::limits::{CostLimits, MAX_FRAGMENTS};
use super::model::CostModel;

/// Where the handler wants the operation's label written (request data).
#[derive(Debug, Default)]
pub struct LabelSlot(pub std::sync::Mutex<Option<String>>);

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
        let limit = &self.limit;
        // Parsed once (by the transport, or here) and kept with the request, which
        // async-graphql then uses as is.
        let variables = std::mem::take(&mut request.variables);
        let operation = request.operation_name.clone();
        let doc = request.parsed_query()?;
        let cost = analyse(&limit.model, doc, &variables, limit.limits.depth).map_err(|e| {
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
                            limit.limits.depth
                        ),
                        Some(("depth", depth, limit.limits.depth)),
                    );
                }
            };
            refused(message, None)
        })?;
        if let Some((what, figure, max)) = cost.exceeds(&limit.limits) {
            return Err(refused(
                format!(
                    "the query is too expensive: {figure} {what} where at most {max} are allowed; \
                     ask for fewer items or fields, or split it"
                ),
                Some((what, figure, max)),
            ));
        }
        let label = operation_label(&limit.model, doc, operation.as_deref());
        request.variables = variables;
        if let Some(slot) = request
            .data
            .get(&std::any::TypeId::of::<Arc<LabelSlot>>())
            .and_then(|d| d.downcast_ref::<Arc<LabelSlot>>())
            && let Ok(mut slot) = slot.0.lock()
        {
            *slot = Some(label);
        }
        next.run(ctx, request).await
    }
}
