//! Webhook attempts are logged when they start, not only when they end, so that an attempt in
//! flight when the process died still appears in the delivery log: `finished_at` is empty
//! while an attempt runs. Attempts logged before this migration had finished.

use sea_orm_migration::prelude::*;

use crate::ddl::col;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("webhook_attempts"))
                    .add_column(col("finished_at").timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE webhook_attempts SET finished_at = at")
            .await?;
        Ok(())
    }
}
