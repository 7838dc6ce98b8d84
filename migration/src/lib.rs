//! The peerbro schema as sea-orm migrations: the same tables on PostgreSQL and SQLite.
//!
//! Every tenant table carries `tenant_id NOT NULL` as the first column of its primary key, of
//! every unique constraint and of every foreign key, so that the schema can later be
//! distributed by tenant (Citus). On PostgreSQL each tenant table also gets row-level security,
//! ENABLEd and FORCEd, with one policy whose `USING` and `WITH CHECK` compare `tenant_id` with
//! the transaction's `app.tenant_id` setting; the server connects as [`APP_ROLE`], which owns
//! nothing and cannot bypass the policies.

pub use sea_orm_migration::prelude::*;

mod ddl;
pub mod inventory;
mod m20261124_000001_tenancy;
mod m20261124_000002_people_privacy;
mod m20261124_000003_peers;
mod m20261124_000004_referrals;
mod m20261124_000005_outbox;
mod m20261124_000006_webhooks;
mod m20261124_000007_api_clients;
mod m20261124_000008_offers;
mod m20261129_000009_attempts_in_flight;
mod m20261129_000010_foreign_key_indexes;
mod m20261129_000011_audit_pending;
mod m20261130_000012_user_deactivation;
mod m20261130_000013_offer_open_access;
mod m20261130_000014_planned_meetings;
mod m20261130_000015_cancelled_sessions;
mod m20261130_000016_case_references;
mod m20261130_000017_user_idp_subjects;
mod m20261130_000018_instruments;
mod m20261130_000019_questionnaire_responses;
mod m20261130_000020_studies;
mod m20261130_000021_national_view;
mod m20261130_000022_peer_responses;
mod m20261130_000023_keyed_fingerprints;
mod m20261130_000024_legal_holds;
mod m20261130_000025_sealed_free_text;
mod m20261130_000026_retention;
mod m20261201_000027_key_epochs;
mod m20261201_000028_consent_texts;
mod m20261201_000029_retention_categories;
mod m20261201_000030_audit_checkpoints;
mod m20261201_000031_sealed_logins;
mod m20261201_000032_chat;
mod m20261201_000033_chat_retention;
mod m20261201_000034_chat_duty_periods;
pub mod postgres;

/// The PostgreSQL role the server connects as. It is created (without a password, `LOGIN`,
/// `NOSUPERUSER`, `NOBYPASSRLS`) by the first migration if it does not exist; operators give it
/// a password with `ALTER ROLE`.
pub const APP_ROLE: &str = "peerbro_app";

/// Every table that holds tenant data; each must have a forced row-level security policy.
pub const TENANT_TABLES: &[&str] = &[
    "organisations",
    "users",
    "memberships",
    "tenant_keys",
    "subject_keys",
    "citizens",
    "consents",
    "audit_entries",
    "audit_pending",
    "peer_workers",
    "peer_screenings",
    "peer_certificates",
    "peer_trainings",
    "peer_transitions",
    "peer_employments",
    "supervision_sessions",
    "supervision_attendees",
    "placements",
    "tenant_settings",
    "referrals",
    "referral_transitions",
    "outbox_events",
    "webhook_endpoints",
    "webhook_deliveries",
    "webhook_attempts",
    "api_clients",
    "offers",
    "offer_facilitators",
    "course_sessions",
    "enrolments",
    "attendance",
    "cafe_visits",
    "meetings",
    "instruments",
    "questionnaire_responses",
    "studies",
    "study_researchers",
    "study_consents",
    "peer_responses",
    "legal_holds",
    "consent_texts",
    "audit_checkpoints",
    "chat_hours",
    "chat_duty",
    "chat_conversations",
    "chat_messages",
    "chat_contacts",
    "chat_duty_periods",
];

/// Applies the migrations in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_tenancy::Migration),
            Box::new(m20261124_000002_people_privacy::Migration),
            Box::new(m20261124_000003_peers::Migration),
            Box::new(m20261124_000004_referrals::Migration),
            Box::new(m20261124_000005_outbox::Migration),
            Box::new(m20261124_000006_webhooks::Migration),
            Box::new(m20261124_000007_api_clients::Migration),
            Box::new(m20261124_000008_offers::Migration),
            Box::new(m20261129_000009_attempts_in_flight::Migration),
            Box::new(m20261129_000010_foreign_key_indexes::Migration),
            Box::new(m20261129_000011_audit_pending::Migration),
            Box::new(m20261130_000012_user_deactivation::Migration),
            Box::new(m20261130_000013_offer_open_access::Migration),
            Box::new(m20261130_000014_planned_meetings::Migration),
            Box::new(m20261130_000015_cancelled_sessions::Migration),
            Box::new(m20261130_000016_case_references::Migration),
            Box::new(m20261130_000017_user_idp_subjects::Migration),
            Box::new(m20261130_000018_instruments::Migration),
            Box::new(m20261130_000019_questionnaire_responses::Migration),
            Box::new(m20261130_000020_studies::Migration),
            Box::new(m20261130_000021_national_view::Migration),
            Box::new(m20261130_000022_peer_responses::Migration),
            Box::new(m20261130_000023_keyed_fingerprints::Migration),
            Box::new(m20261130_000024_legal_holds::Migration),
            Box::new(m20261130_000025_sealed_free_text::Migration),
            Box::new(m20261130_000026_retention::Migration),
            Box::new(m20261201_000027_key_epochs::Migration),
            Box::new(m20261201_000028_consent_texts::Migration),
            Box::new(m20261201_000029_retention_categories::Migration),
            Box::new(m20261201_000030_audit_checkpoints::Migration),
            Box::new(m20261201_000031_sealed_logins::Migration),
            Box::new(m20261201_000032_chat::Migration),
            Box::new(m20261201_000033_chat_retention::Migration),
            Box::new(m20261201_000034_chat_duty_periods::Migration),
        ]
    }
}
