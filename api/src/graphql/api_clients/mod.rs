//! Partner API clients in GraphQL, for tenant admins: register a client for an organisation,
//! rotate its secret, revoke it. The secret is shown only when it is made.

mod inputs;
mod mutation;
mod query;
mod types;

pub use mutation::*;
pub use query::*;
pub(crate) use types::ApiClient;
