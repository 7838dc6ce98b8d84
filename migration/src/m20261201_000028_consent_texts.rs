//! Consent text versions (issue 13, ADR 0044): the partnership's wording of each consent
//! purpose, versioned and never changed once published; each consent record names the version
//! in force when it was recorded (null before this migration, or with no text published).

use sea_orm_migration::prelude::*;

use crate::APP_ROLE;
use crate::ddl::{col, fk, index, pk};
use crate::postgres::protect_tenant_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = "consent_texts";
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(table))
                    .col(col("tenant_id").uuid().not_null())
                    .col(col("purpose").string_len(40).not_null())
                    .col(col("version").integer().not_null())
                    .col(col("body").text().not_null())
                    .col(col("published_at").timestamp_with_time_zone().not_null())
                    .col(col("published_by").uuid().null())
                    .primary_key(&mut pk(&["tenant_id", "purpose", "version"]))
                    .foreign_key(&mut fk(&["tenant_id"], "tenants", &["id"]))
                    .foreign_key(&mut fk(
                        &["tenant_id", "published_by"],
                        "users",
                        &["tenant_id", "id"],
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "consent_texts_published_by",
                table,
                &["tenant_id", "published_by"],
                false,
            ))
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("consents"))
                    .add_column(col("text_version").integer().null().to_owned())
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            protect_tenant_table(manager, table).await?;
            // Published texts are append-only, like the consents that name them.
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {APP_ROLE};"
                ))
                .await?;
        }
        Ok(())
    }
}
