//! Input objects of this context's GraphQL API.

use async_graphql::{ID, InputObject};

/// A new API client.
#[derive(InputObject)]
pub struct RegisterApiClientInput {
    /// The organisation it refers for.
    pub(crate) organisation_id: ID,
    /// A name for the admins (1 to 100 characters).
    pub(crate) name: String,
}
