//! A course can be open-access: citizens enrol themselves on it from the citizen app. Every
//! offer stored before is not.

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
                    .table(Alias::new("offers"))
                    .add_column(col("open_access").boolean().not_null().default(false))
                    .to_owned(),
            )
            .await
    }
}
