//! A tenant's recovery instruments (issue 12, ADR 0030): one row per key and version, the
//! scale labels and the items (text and CHIME dimension) as JSON text.

use sea_orm_migration::prelude::*;

use crate::ddl::{col, fk, index, pk};
use crate::postgres::protect_tenant_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("instruments"))
                    .col(col("tenant_id").uuid().not_null())
                    .col(col("id").uuid().not_null())
                    .col(col("key").string_len(63).not_null())
                    .col(col("version").integer().not_null())
                    .col(col("title").string_len(300).not_null())
                    .col(col("respondent").string_len(10).not_null())
                    .col(col("scale").text().not_null())
                    .col(col("items").text().not_null())
                    .col(col("created_at").timestamp_with_time_zone().not_null())
                    .primary_key(&mut pk(&["tenant_id", "id"]))
                    .foreign_key(&mut fk(&["tenant_id"], "tenants", &["id"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "instruments_tenant_key_version",
                "instruments",
                &["tenant_id", "key", "version"],
                true,
            ))
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            protect_tenant_table(manager, "instruments").await?;
        }
        Ok(())
    }
}
