//! Duty periods of the anonymous chat (issue 14, ADR 0046): when a peer goes off duty for a
//! chat offer, how long they were on (attributed to the Danish month it began), so that the
//! statistics count peers on duty and duty hours per month and offer.

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
                    .table(Alias::new("chat_duty_periods"))
                    .col(col("tenant_id").uuid().not_null())
                    .col(col("id").uuid().not_null())
                    .col(col("offer_id").uuid().not_null())
                    .col(col("user_id").uuid().not_null())
                    .col(col("month").date().not_null())
                    .col(col("seconds").big_integer().not_null())
                    .primary_key(&mut pk(&["tenant_id", "id"]))
                    .foreign_key(&mut fk(
                        &["tenant_id", "offer_id"],
                        "offers",
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
        for (name, cols) in [
            ("chat_duty_periods_month", &["tenant_id", "month"][..]),
            (
                "chat_duty_periods_offer",
                &["tenant_id", "offer_id", "month"][..],
            ),
            ("chat_duty_periods_user", &["tenant_id", "user_id"][..]),
        ] {
            manager
                .create_index(index(name, "chat_duty_periods", cols, false))
                .await?;
        }
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            protect_tenant_table(manager, "chat_duty_periods").await?;
        }
        Ok(())
    }
}
