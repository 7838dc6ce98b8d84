//! Tenancy adapters: tenants, organisations, users and their roles.

mod accounts;
pub(crate) mod logins;
mod organisations;
mod tenants;
mod user_rows;
mod users;

pub(crate) use self::accounts::close_account;
pub use self::organisations::SeaOrganisationRepository;
pub use self::tenants::SeaTenantRepository;
pub use self::users::SeaUserRepository;
