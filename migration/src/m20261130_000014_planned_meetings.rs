//! Meetings can be planned ahead (with a start time) and cancelled: `status` is `PLANNED`,
//! `HELD` or `CANCELLED`, and every meeting logged before was held. A peer's schedule reads
//! their meetings by date.

use sea_orm_migration::prelude::*;

use crate::ddl::{col, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("meetings"))
                    .add_column(col("status").string_len(10).not_null().default("HELD"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("meetings"))
                    .add_column(col("start_time").time().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "meetings_tenant_peer_date",
                "meetings",
                &["tenant_id", "peer_id", "date"],
                false,
            ))
            .await
    }
}
