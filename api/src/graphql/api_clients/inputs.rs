//! Input objects of this context's GraphQL API.

use async_graphql::{ID, InputObject, SimpleObject};

use super::types::ApiClient;

/// A new API client.
#[derive(InputObject)]
pub struct RegisterApiClientInput {
    /// The organisation it refers for.
    pub(crate) organisation_id: ID,
    /// A name for the admins (1 to 100 characters).
    pub(crate) name: String,
}

/// Names an API client (`rotateApiClientSecret`, `revokeApiClient`).
#[derive(InputObject)]
pub struct ApiClientRefInput {
    /// The client.
    pub(crate) api_client_id: ID,
}

/// `revokeApiClient`'s answer.
#[derive(SimpleObject)]
pub struct ApiClientPayload {
    /// The client as it now is.
    pub(crate) api_client: ApiClient,
}
