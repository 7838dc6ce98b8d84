//! Tenancy in GraphQL: the caller, their tenant, organisations and users.

mod inputs;
mod mutation;
mod query;
mod types;

pub use mutation::*;
pub use query::*;
pub use types::*;
