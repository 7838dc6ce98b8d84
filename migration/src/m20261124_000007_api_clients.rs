//! Partner API clients: bound to one organisation, acting through a service user; only hashes
//! of their secrets are stored.

use sea_orm_migration::prelude::*;

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
                    .table(Alias::new("api_clients"))
                    .col(col("tenant_id").uuid().not_null())
                    .col(col("id").uuid().not_null())
                    .col(col("user_id").uuid().not_null())
                    .col(col("organisation_id").uuid().not_null())
                    .col(col("name").string_len(100).not_null())
                    .col(col("secret_hash").string_len(64).null())
                    .col(col("previous_secret_hash").string_len(64).null())
                    .col(
                        col("previous_secret_until")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(col("secret_rotated_at").timestamp_with_time_zone().null())
                    .col(col("created_by").uuid().null())
                    .col(col("created_at").timestamp_with_time_zone().not_null())
                    .col(col("revoked_at").timestamp_with_time_zone().null())
                    .primary_key(&mut pk(&["tenant_id", "id"]))
                    .foreign_key(&mut fk(
                        &["tenant_id", "user_id"],
                        "users",
                        &["tenant_id", "id"],
                    ))
                    .foreign_key(&mut fk(
                        &["tenant_id", "organisation_id"],
                        "organisations",
                        &["tenant_id", "id"],
                    ))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            protect_tenant_table(manager, "api_clients").await?;
        }
        Ok(())
    }
}
