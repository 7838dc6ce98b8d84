//! Audited reads no longer wait for the tenant's chain (issue 10, ADR 0019): a read's look-up
//! entries are written to `audit_pending` in the read's own transaction, with no lock, and a
//! sealer moves them into `audit_entries` — numbered and hash-chained — within seconds.
//! The application role may insert, read and delete pending entries (the sealer deletes what
//! it has sealed); sealed entries stay insert-only.

use sea_orm_migration::prelude::*;

use crate::APP_ROLE;
use crate::ddl::{col, fk, pk};
use crate::postgres::protect_tenant_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("audit_pending"))
                    .col(col("tenant_id").uuid().not_null())
                    .col(col("id").uuid().not_null())
                    .col(col("at").timestamp_with_time_zone().not_null())
                    .col(col("actor_id").uuid().null())
                    .col(col("actor_roles").string_len(200).not_null())
                    .col(col("action").string_len(20).not_null())
                    .col(col("subject_kind").string_len(20).not_null())
                    .col(col("subject_id").uuid().not_null())
                    .col(col("purpose").string_len(40).not_null())
                    .primary_key(&mut pk(&["tenant_id", "id"]))
                    .foreign_key(&mut fk(&["tenant_id"], "tenants", &["id"]))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            protect_tenant_table(manager, "audit_pending").await?;
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "REVOKE UPDATE, TRUNCATE ON audit_pending FROM {APP_ROLE};"
                ))
                .await?;
        }
        Ok(())
    }
}
