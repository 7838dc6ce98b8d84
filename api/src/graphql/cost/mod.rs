//! What a GraphQL document costs, decided before it is validated or executed.
//!
//! async-graphql's own depth and complexity rules walk the document with every fragment
//! spread expanded in place and do not count `__typename`, so a document of a few hundred
//! bytes whose fragments each spread the previous one twice expands to millions of fields:
//! validating and executing it burns seconds of CPU. Here the parsed document is measured
//! once, each fragment's cost computed once and reused wherever it is spread (memoised), so the
//! analysis is linear in the size of the document while the figures it produces are those of
//! the fully expanded document. A document over any limit is refused with `VALIDATION` before
//! async-graphql looks at it.
//!
//! The figures, each with its own limit:
//! - **depth**: the deepest field nesting;
//! - **nodes**: fields in the expanded document, `__typename` and introspection included;
//! - **aliases** and **fragment spreads** in the expanded document;
//! - **cost**: every field costs its weight plus its children's cost, times the number of
//!   items it may return: a paged field (`first`/`last`) its page size (the given one, else
//!   the default), any other list an estimate; a read of personal data (a field that states an
//!   access `purpose`, or a peer's or citizen's own record) weighs more than other fields.

//!
//! `model.rs` reads the schema's SDL into what costing needs, `analysis.rs` walks a document,
//! `extension.rs` refuses documents over the limits (called by the HTTP handler, and as an
//! async-graphql extension on the WebSocket).

mod analysis;
mod extension;
mod limits;
mod model;

pub use analysis::{CostError, analyse, operation_label};
pub use extension::CostLimit;
pub use limits::{Cost, CostLimits, LIST_ESTIMATE, MAX_FRAGMENTS, PERSONAL_WEIGHT};
pub use model::CostModel;

#[cfg(test)]
mod tests;
