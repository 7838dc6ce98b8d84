//! A referral carries the referrer's own reference for the case (an identifier in their case
//! system, validated to hold no spaces), by which the referrer's organisation finds it again.

use sea_orm_migration::prelude::*;

use crate::ddl::{col, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("referrals"))
                    .add_column(col("case_reference").string_len(40).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "referrals_tenant_organisation_case",
                "referrals",
                &["tenant_id", "referrer_organisation_id", "case_reference"],
                false,
            ))
            .await
    }
}
