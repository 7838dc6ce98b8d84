//! Key epochs (issue 13, ADR 0043): a tenant key is wrapped under a key-encryption key of the
//! keyring (outside the database), named by `epoch`; null means wrapped under the master key,
//! as every tenant key was before this migration, until the first rotation. `rotated_at` says
//! when the tenant key was last replaced.
//!
//! On PostgreSQL the application role may now change the wrapping of a key — and nothing else
//! of a key row: rotation re-wraps every live subject key under the new tenant key. Deleting a
//! tenant key stays refused.

use sea_orm_migration::prelude::*;

use crate::APP_ROLE;
use crate::ddl::col;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("tenant_keys"))
                    .add_column(col("epoch").integer().null().to_owned())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("tenant_keys"))
                    .add_column(
                        col("rotated_at")
                            .timestamp_with_time_zone()
                            .null()
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "GRANT UPDATE (wrapped_key, epoch, rotated_at) ON tenant_keys TO {APP_ROLE};
                     GRANT UPDATE (wrapped_key) ON subject_keys TO {APP_ROLE};"
                ))
                .await?;
        }
        Ok(())
    }
}
