//! peerbro persistence: sea-orm adapters that implement the domain's ports.
//!
//! Every query runs in a transaction opened for exactly one tenant ([`db::Database::begin`]) and
//! filters by `tenant_id`; on PostgreSQL the same transaction sets `app.tenant_id` for row-level
//! security, so a forgotten filter still cannot leak another tenant's rows.

mod audit;
mod callers;
mod chat_wakeups;
mod citizens;
mod crypto;
mod db;
mod entities;
mod errors;
mod keyring;
mod legacy;
mod outbox;
mod pg_channel;
mod repositories;
mod sealed_text;
mod settings;
#[cfg(feature = "testing")]
pub mod testing;
mod unit_of_work;
mod vault;

pub use audit::{AuditSealer, SeaAuditLog};
pub use chat_wakeups::{CHAT_CHANNEL, ChatWake, ChatWakeups};
pub use crypto::XChaCha;
pub use db::{Backend, Batch, Database, PoolSettings, PoolStats, ReadScope, Readiness};
pub use keyring::{EpochStatus, KeptEpoch, Keyring, plan_retirement};
pub use legacy::seal_clear_text;
pub use outbox::OutboxHints;
pub use repositories::{
    KeyRotation, SeaApiClientRepository, SeaChatStore, SeaCitizenRepository, SeaConsentTexts,
    SeaInstrumentRepository, SeaOfferRepository, SeaOrganisationRepository, SeaPeerRepository,
    SeaPeerResponseRepository, SeaReferralRepository, SeaReportSource, SeaResponseRepository,
    SeaRetentionStore, SeaStudyRepository, SeaSubjectExports, SeaTenantRepository,
    SeaUserRepository, SeaWebhookRepository, TenantKeyState, TenantRotation,
};
pub use unit_of_work::SeaTransactions;
pub use vault::Vault;
