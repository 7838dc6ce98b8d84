//! Tenancy adapters: tenants, organisations, users and their roles.

mod accounts;
mod organisations;
mod tenants;
mod users;

pub(crate) use self::accounts::close_account;
pub use self::organisations::SeaOrganisationRepository;
pub use self::tenants::SeaTenantRepository;
pub use self::users::SeaUserRepository;
