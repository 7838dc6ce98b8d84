//! Webhooks: tenant admins register endpoints per event type; every event written to the
//! transactional outbox is fanned out to the endpoints that want it and delivered by a
//! background worker, signed with the Standard Webhooks scheme and retried with exponential
//! backoff under one stable `webhook-id`.

pub mod dispatcher;
pub mod model;
pub mod ports;
pub mod service;
#[cfg(test)]
mod service_tests;

pub use dispatcher::*;
pub use model::*;
pub use ports::*;
pub use service::*;
