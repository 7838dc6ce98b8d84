//! HTTP plumbing shared by GraphQL and REST: request ids, the auth extractor, problem+json
//! errors and the health endpoints.

pub mod auth;
pub mod health;
pub mod problem;
pub mod request_id;
