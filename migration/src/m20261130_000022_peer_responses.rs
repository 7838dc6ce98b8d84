//! Peers' own questionnaire rounds (issue 12, the second target group): one row per peer and
//! round (0 = baseline when they first became active), the answers sealed with the peer's key;
//! and the tenant's peer settings (days between rounds, the peer instrument's key).

use sea_orm_migration::prelude::*;

use crate::ddl::{col, fk, index, pk};
use crate::postgres::protect_tenant_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = "peer_responses";
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(table))
                    .col(col("tenant_id").uuid().not_null())
                    .col(col("id").uuid().not_null())
                    .col(col("peer_id").uuid().not_null())
                    .col(col("round").integer().not_null())
                    .col(col("instrument_id").uuid().not_null())
                    .col(col("answers_sealed").binary().null())
                    .col(col("answered_at").timestamp_with_time_zone().not_null())
                    .primary_key(&mut pk(&["tenant_id", "id"]))
                    .foreign_key(&mut fk(&["tenant_id"], "tenants", &["id"]))
                    .foreign_key(&mut fk(
                        &["tenant_id", "peer_id"],
                        "peer_workers",
                        &["tenant_id", "id"],
                    ))
                    .foreign_key(&mut fk(
                        &["tenant_id", "instrument_id"],
                        "instruments",
                        &["tenant_id", "id"],
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            (
                "peer_responses_round",
                &["tenant_id", "peer_id", "round"][..],
                true,
            ),
            (
                "peer_responses_instrument",
                &["tenant_id", "instrument_id"][..],
                false,
            ),
        ] {
            manager
                .create_index(index(name, table, cols, unique))
                .await?;
        }
        for column in [
            col("peer_round_days").integer().null().to_owned(),
            col("peer_instrument_key").string_len(63).null().to_owned(),
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
