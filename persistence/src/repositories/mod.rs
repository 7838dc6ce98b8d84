//! Adapters implementing the domain ports, one file per bounded context.

mod api_clients;
mod chat;
pub(crate) mod erasure;
mod exports;
mod instruments;
mod offers;
mod outcomes;
mod page;
mod peers;
mod people;
mod referrals;
mod reports;
mod research;
mod retention;
mod rotation;
mod rows;
pub(crate) mod tenancy;
mod webhooks;

pub use api_clients::SeaApiClientRepository;
pub use chat::SeaChatStore;
pub use exports::SeaSubjectExports;
pub use instruments::SeaInstrumentRepository;
pub use offers::SeaOfferRepository;
pub use outcomes::{SeaPeerResponseRepository, SeaResponseRepository};
pub(crate) use page::{keyset, total_of};
pub use peers::SeaPeerRepository;
pub use people::{SeaCitizenRepository, SeaConsentTexts};
pub use referrals::SeaReferralRepository;
pub use reports::SeaReportSource;
pub use research::SeaStudyRepository;
pub use retention::SeaRetentionStore;
pub use rotation::{KeyRotation, TenantKeyState, TenantRotation};
pub use tenancy::{SeaOrganisationRepository, SeaTenantRepository, SeaUserRepository};
pub use webhooks::SeaWebhookRepository;
