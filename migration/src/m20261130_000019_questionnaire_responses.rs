//! Answered questionnaires (issue 12): one row per course of support (a match or a course
//! place) and measurement point, the answers sealed with the citizen's key; and the tenant's
//! outcome settings (follow-up days, disclosure threshold, the citizen instrument's key).

use sea_orm_migration::prelude::*;

use crate::ddl::{col, fk, index, pk};
use crate::postgres::protect_tenant_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = "questionnaire_responses";
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(table))
                    .col(col("tenant_id").uuid().not_null())
                    .col(col("id").uuid().not_null())
                    .col(col("citizen_id").uuid().not_null())
                    .col(col("support_kind").string_len(10).not_null())
                    .col(col("support_id").uuid().not_null())
                    .col(col("offer_id").uuid().null())
                    .col(col("offer_type").string_len(20).not_null())
                    .col(col("point").string_len(12).not_null())
                    .col(col("mode").string_len(16).not_null())
                    .col(col("instrument_id").uuid().not_null())
                    .col(col("answers_sealed").binary().null())
                    .col(col("answered_at").timestamp_with_time_zone().not_null())
                    .col(col("entered_by").uuid().null())
                    .primary_key(&mut pk(&["tenant_id", "id"]))
                    .foreign_key(&mut fk(&["tenant_id"], "tenants", &["id"]))
                    .foreign_key(&mut fk(
                        &["tenant_id", "citizen_id"],
                        "citizens",
                        &["tenant_id", "id"],
                    ))
                    .foreign_key(&mut fk(
                        &["tenant_id", "instrument_id"],
                        "instruments",
                        &["tenant_id", "id"],
                    ))
                    .foreign_key(&mut fk(
                        &["tenant_id", "offer_id"],
                        "offers",
                        &["tenant_id", "id"],
                    ))
                    .foreign_key(&mut fk(
                        &["tenant_id", "entered_by"],
                        "users",
                        &["tenant_id", "id"],
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            (
                "questionnaire_responses_support_point",
                &["tenant_id", "support_kind", "support_id", "point"][..],
                true,
            ),
            (
                "questionnaire_responses_citizen",
                &["tenant_id", "citizen_id"][..],
                false,
            ),
            (
                "questionnaire_responses_instrument",
                &["tenant_id", "instrument_id"][..],
                false,
            ),
            (
                "questionnaire_responses_offer",
                &["tenant_id", "offer_id"][..],
                false,
            ),
            (
                "questionnaire_responses_entered_by",
                &["tenant_id", "entered_by"][..],
                false,
            ),
        ] {
            manager
                .create_index(index(name, table, cols, unique))
                .await?;
        }
        for column in [
            col("follow_up_days").integer().null().to_owned(),
            col("disclosure_threshold").integer().null().to_owned(),
            col("citizen_instrument_key")
                .string_len(63)
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("tenant_settings"))
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            protect_tenant_table(manager, table).await?;
        }
        Ok(())
    }
}
