//! Legal holds (issue 13): one row per held person (a citizen now; peers later), with the
//! reason as a code; erasure is refused while a row exists.

use sea_orm_migration::prelude::*;

use crate::ddl::{col, fk, index, pk};
use crate::postgres::protect_tenant_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = "legal_holds";
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(table))
                    .col(col("tenant_id").uuid().not_null())
                    .col(col("subject_id").uuid().not_null())
                    .col(col("subject_kind").string_len(20).not_null())
                    .col(col("reason").string_len(20).not_null())
                    .col(col("placed_at").timestamp_with_time_zone().not_null())
                    .col(col("placed_by").uuid().null())
                    .primary_key(&mut pk(&["tenant_id", "subject_id"]))
                    .foreign_key(&mut fk(&["tenant_id"], "tenants", &["id"]))
                    .foreign_key(&mut fk(
                        &["tenant_id", "placed_by"],
                        "users",
                        &["tenant_id", "id"],
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "legal_holds_placed_by",
                table,
                &["tenant_id", "placed_by"],
                false,
            ))
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            protect_tenant_table(manager, table).await?;
        }
        Ok(())
    }
}
