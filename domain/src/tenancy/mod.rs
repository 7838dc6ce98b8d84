//! Tenancy: tenants (municipality partnerships), their organisations, users and roles.

pub mod api_clients;
pub mod identity;
pub mod model;
pub mod ports;
pub mod service;
pub mod subject;

#[cfg(test)]
mod fakes;

pub use api_clients::{
    ApiClient, ApiClientRepository, ApiClientService, StoredCredentials, client_id, parse_client_id,
};
pub use identity::TenantMembership;
pub use model::*;
pub use ports::*;
pub use service::TenancyService;
pub use subject::IdpSubject;
