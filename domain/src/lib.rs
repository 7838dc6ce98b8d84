//! The peerbro domain: entities, value objects, rules, use cases, the authorization policy and
//! the ports (traits) that adapters implement.
//!
//! This crate depends on no web, GraphQL or ORM crate: `cargo tree -p peerbro-domain` shows it.

pub mod authz;
pub mod context;
pub mod error;
pub mod ids;
pub mod page;
pub mod people;
pub mod privacy;
pub mod referral;
pub mod tenancy;

pub use context::{Actor, RequestContext, Role};
pub use error::{DomainError, DomainResult};
