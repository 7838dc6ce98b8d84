//! Webhook endpoints (secrets sealed with the tenant key), deliveries (one per event and
//! endpoint, its id the stable `webhook-id`) and the log of every attempt.

use sea_orm_migration::prelude::*;

use crate::ddl::{col, fk, index, pk};
use crate::postgres::protect_tenant_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 3] = [
    "webhook_endpoints",
    "webhook_deliveries",
    "webhook_attempts",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("webhook_endpoints"))
                    .col(col("tenant_id").uuid().not_null())
                    .col(col("id").uuid().not_null())
                    .col(col("url").string_len(2048).not_null())
                    .col(col("description").string_len(200).null())
                    .col(col("event_types").string_len(400).not_null())
                    .col(col("enabled").boolean().not_null())
                    .col(col("secret_sealed").binary().not_null())
                    .col(col("previous_secret_sealed").binary().null())
                    .col(
                        col("previous_secret_until")
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(col("secret_rotated_at").timestamp_with_time_zone().null())
                    .col(col("created_by").uuid().null())
                    .col(col("created_at").timestamp_with_time_zone().not_null())
                    .primary_key(&mut pk(&["tenant_id", "id"]))
                    .foreign_key(&mut fk(&["tenant_id"], "tenants", &["id"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("webhook_deliveries"))
                    .col(col("tenant_id").uuid().not_null())
                    .col(col("id").uuid().not_null())
                    .col(col("endpoint_id").uuid().not_null())
                    .col(col("event_id").uuid().not_null())
                    .col(col("event_type").string_len(60).not_null())
                    .col(col("payload").text().not_null())
                    .col(col("status").string_len(20).not_null())
                    .col(col("attempts").integer().not_null())
                    .col(col("next_attempt_at").timestamp_with_time_zone().null())
                    .col(col("last_status_code").integer().null())
                    .col(col("last_error").string_len(200).null())
                    .col(col("delivered_at").timestamp_with_time_zone().null())
                    .col(col("created_at").timestamp_with_time_zone().not_null())
                    .primary_key(&mut pk(&["tenant_id", "id"]))
                    .foreign_key(&mut fk(
                        &["tenant_id", "endpoint_id"],
                        "webhook_endpoints",
                        &["tenant_id", "id"],
                    ))
                    .foreign_key(&mut fk(
                        &["tenant_id", "event_id"],
                        "outbox_events",
                        &["tenant_id", "id"],
                    ))
                    .to_owned(),
            )
            .await?;
        for statement in [
            // An event is fanned out to an endpoint at most once, even if two workers race.
            index(
                "webhook_deliveries_event_endpoint",
                "webhook_deliveries",
                &["tenant_id", "event_id", "endpoint_id"],
                true,
            ),
            index(
                "webhook_deliveries_due",
                "webhook_deliveries",
                &["tenant_id", "status", "next_attempt_at"],
                false,
            ),
            index(
                "webhook_deliveries_endpoint",
                "webhook_deliveries",
                &["tenant_id", "endpoint_id", "id"],
                false,
            ),
        ] {
            manager.create_index(statement).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("webhook_attempts"))
                    .col(col("tenant_id").uuid().not_null())
                    .col(col("delivery_id").uuid().not_null())
                    .col(col("number").integer().not_null())
                    .col(col("at").timestamp_with_time_zone().not_null())
                    .col(col("status_code").integer().null())
                    .col(col("error").string_len(200).null())
                    .col(col("duration_ms").integer().not_null())
                    .primary_key(&mut pk(&["tenant_id", "delivery_id", "number"]))
                    .foreign_key(&mut fk(
                        &["tenant_id", "delivery_id"],
                        "webhook_deliveries",
                        &["tenant_id", "id"],
                    ))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            for table in TABLES {
                protect_tenant_table(manager, table).await?;
            }
        }
        Ok(())
    }
}
