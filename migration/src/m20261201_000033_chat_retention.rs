//! The chat's retention per tenant (issue 14, ADR 0046): days an ended conversation's
//! ciphertext is kept (null: the platform's default, 30).

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
                    .table(Alias::new("tenant_settings"))
                    .add_column(col("chat_days").integer().null().to_owned())
                    .to_owned(),
            )
            .await
    }
}
