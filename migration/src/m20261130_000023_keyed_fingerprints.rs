//! Idempotency fingerprints become keyed digests (issue 13, ADR 0008): the plain SHA-256
//! fingerprints stored so far could confirm a guessed identity from a dump, and cannot be
//! re-keyed without the request bodies, so they are removed. A retry of a request submitted
//! before this migration, under its old key, is answered `IDEMPOTENCY_KEY_REUSED` rather than
//! replayed — it never silently creates a second referral.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE referrals SET fingerprint = NULL WHERE fingerprint IS NOT NULL",
            )
            .await?;
        Ok(())
    }
}
