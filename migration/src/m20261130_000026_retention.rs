//! Retention per tenant (issue 13): how long a closed referral keeps its free text, and how
//! long a citizen with nothing open may go without activity before they are erased. Null means
//! the platform's default (`peerbro_domain::privacy::retention`).

use sea_orm_migration::prelude::*;

use crate::ddl::col;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["closed_referral_days", "inactive_citizen_days"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("tenant_settings"))
                        .add_column(col(column).integer().null().to_owned())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
