//! A membership can carry the identity provider's subject of the person who holds it: what
//! links one person's memberships of several partnerships (ADR 0028). Unique per tenant, so
//! one person is at most one member of a partnership; null for memberships not linked.

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
                    .table(Alias::new("users"))
                    .add_column(col("idp_subject").string_len(255).null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "users_tenant_idp_subject",
                "users",
                &["tenant_id", "idp_subject"],
                true,
            ))
            .await
    }
}
