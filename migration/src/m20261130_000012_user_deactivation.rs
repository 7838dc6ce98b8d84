//! A tenant admin can deactivate a user: `deactivated_at` is set while they may not sign in
//! (their tokens are refused), and cleared when they are reactivated. Nothing of theirs is
//! deleted.

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
                    .table(Alias::new("users"))
                    .add_column(col("deactivated_at").timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await
    }
}
