//! Adapters implementing the domain ports, one file per bounded context.

mod page;
mod tenancy;

pub use tenancy::{SeaOrganisationRepository, SeaTenantRepository, SeaUserRepository};
