//! Tenancy adapters: tenants, organisations, users and their roles.

mod organisations;
mod tenants;
mod users;

pub use self::organisations::SeaOrganisationRepository;
pub use self::tenants::SeaTenantRepository;
pub use self::users::SeaUserRepository;
