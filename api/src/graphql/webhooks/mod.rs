//! Webhooks in GraphQL, for tenant admins: endpoints per event type, secrets shown once (at
//! registration and rotation), and the delivery log with every attempt.

mod inputs;
mod mutation;
mod query;
mod types;

pub use mutation::*;
pub use query::*;
pub use types::*;
