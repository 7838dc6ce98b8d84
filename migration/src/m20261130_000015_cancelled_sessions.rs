//! A course session can be cancelled: it keeps its place in the course and carries when it
//! was cancelled.

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
                    .table(Alias::new("course_sessions"))
                    .add_column(col("cancelled_at").timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await
    }
}
