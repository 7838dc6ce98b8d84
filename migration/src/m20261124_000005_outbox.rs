//! The transactional outbox: events written in the same transaction as the change they
//! announce, delivered later (webhooks, subscriptions) by a worker that marks them dispatched.

use sea_orm_migration::prelude::*;

use crate::ddl::col;
use crate::postgres::protect_tenant_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("outbox_events"))
                    .col(col("tenant_id").uuid().not_null())
                    .col(col("id").uuid().not_null())
                    .col(col("event_type").string_len(60).not_null())
                    .col(col("payload").text().not_null())
                    .col(col("created_at").timestamp_with_time_zone().not_null())
                    .col(col("dispatched_at").timestamp_with_time_zone().null())
                    .primary_key(
                        Index::create()
                            .col(Alias::new("tenant_id"))
                            .col(Alias::new("id")),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from_col(Alias::new("tenant_id"))
                            .to(Alias::new("tenants"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("outbox_events_undispatched")
                    .table(Alias::new("outbox_events"))
                    .col(Alias::new("tenant_id"))
                    .col(Alias::new("dispatched_at"))
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            protect_tenant_table(manager, "outbox_events").await?;
        }
        Ok(())
    }
}
