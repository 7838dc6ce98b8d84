//! Tenancy: tenants (municipality partnerships), their organisations, users and roles.

pub mod model;
pub mod ports;
pub mod service;

#[cfg(test)]
mod fakes;

pub use model::*;
pub use ports::*;
pub use service::TenancyService;
