//! Recovery instruments in GraphQL (issue 12): the tenant's questionnaires, each item with its
//! CHIME dimension; tenant admins add instruments they hold the rights to.

mod mutation;
mod query;
mod types;

pub use mutation::*;
pub use query::*;
