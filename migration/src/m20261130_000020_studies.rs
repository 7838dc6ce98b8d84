//! Research studies (issue 12): a tenant's studies, the researchers scoped to each, and the
//! citizens' consents to a specific study under a version of its information sheet. A study's
//! pseudonym key is a subject key (`subject_keys`, subject = the study), sealed under the
//! tenant key like any other.

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
                    .table(Alias::new("studies"))
                    .col(col("tenant_id").uuid().not_null())
                    .col(col("id").uuid().not_null())
                    .col(col("title").string_len(200).not_null())
                    .col(col("starts_on").date().not_null())
                    .col(col("ends_on").date().not_null())
                    .col(col("protocol_reference").string_len(100).not_null())
                    .col(col("ethics_reference").string_len(100).not_null())
                    .col(col("data_controller").string_len(200).not_null())
                    .col(col("information_sheet_version").integer().not_null())
                    .col(col("created_at").timestamp_with_time_zone().not_null())
                    .primary_key(&mut pk(&["tenant_id", "id"]))
                    .foreign_key(&mut fk(&["tenant_id"], "tenants", &["id"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("study_researchers"))
                    .col(col("tenant_id").uuid().not_null())
                    .col(col("study_id").uuid().not_null())
                    .col(col("user_id").uuid().not_null())
                    .primary_key(&mut pk(&["tenant_id", "study_id", "user_id"]))
                    .foreign_key(&mut fk(
                        &["tenant_id", "study_id"],
                        "studies",
                        &["tenant_id", "id"],
                    ))
                    .foreign_key(&mut fk(
                        &["tenant_id", "user_id"],
                        "users",
                        &["tenant_id", "id"],
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("study_consents"))
                    .col(col("tenant_id").uuid().not_null())
                    .col(col("id").uuid().not_null())
                    .col(col("study_id").uuid().not_null())
                    .col(col("citizen_id").uuid().not_null())
                    .col(col("given").boolean().not_null())
                    .col(col("information_sheet_version").integer().not_null())
                    .col(col("at").timestamp_with_time_zone().not_null())
                    .col(col("recorded_by").uuid().null())
                    .primary_key(&mut pk(&["tenant_id", "id"]))
                    .foreign_key(&mut fk(
                        &["tenant_id", "study_id"],
                        "studies",
                        &["tenant_id", "id"],
                    ))
                    .foreign_key(&mut fk(
                        &["tenant_id", "citizen_id"],
                        "citizens",
                        &["tenant_id", "id"],
                    ))
                    .foreign_key(&mut fk(
                        &["tenant_id", "recorded_by"],
                        "users",
                        &["tenant_id", "id"],
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, table, cols) in [
            (
                "study_researchers_user",
                "study_researchers",
                &["tenant_id", "user_id"][..],
            ),
            (
                "study_consents_study_citizen",
                "study_consents",
                &["tenant_id", "study_id", "citizen_id"][..],
            ),
            (
                "study_consents_citizen",
                "study_consents",
                &["tenant_id", "citizen_id"][..],
            ),
            (
                "study_consents_recorded_by",
                "study_consents",
                &["tenant_id", "recorded_by"][..],
            ),
        ] {
            manager
                .create_index(index(name, table, cols, false))
                .await?;
        }
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            for table in ["studies", "study_researchers", "study_consents"] {
                protect_tenant_table(manager, table).await?;
            }
        }
        Ok(())
    }
}
