//! HTTP plumbing shared by GraphQL and REST: request ids, the request lifecycle (timeouts,
//! metrics, shutdown), rate limits, the auth extractor, problem+json errors, the health
//! endpoints, and GraphQL's HTTP and WebSocket transport.

pub mod auth;
pub mod chat_pages;
pub mod graphql;
pub mod graphql_ws;
pub mod health;
pub mod lifecycle;
pub mod problem;
pub mod rate_limit;
pub mod read_scope;
pub mod request_id;
