//! Login data is sealed under the tenant's key (issue 13, ADR 0038): a user's e-mail address,
//! display name and identity-provider subject, with keyed blind indexes of the address and the
//! subject to find them by. The indexes are unique per tenant in place of the clear columns'
//! unique indexes.
//!
//! A migration holds no key, so it only adds the columns and moves the uniqueness. The start-up
//! step (`peerbro_persistence::seal_clear_text`) then seals every address and name written
//! before this migration and empties the clear columns, before anything is served.

use sea_orm_migration::prelude::*;

use crate::ddl::{col, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            "email_sealed",
            "email_index",
            "display_name_sealed",
            "idp_subject_sealed",
            "idp_subject_index",
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("users"))
                        .add_column(col(column).binary().null().to_owned())
                        .to_owned(),
                )
                .await?;
        }
        // The clear columns are emptied once sealed: they can no longer be unique. Until the
        // start-up step has run, values not yet indexed have no index (NULLs are distinct).
        for (clear, indexed, column) in [
            (
                "users_tenant_email_key",
                "users_tenant_email_index_key",
                "email_index",
            ),
            (
                "users_tenant_idp_subject",
                "users_tenant_idp_subject_index",
                "idp_subject_index",
            ),
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(clear)
                        .table(Alias::new("users"))
                        .to_owned(),
                )
                .await?;
            manager
                .create_index(index(indexed, "users", &["tenant_id", column], true))
                .await?;
        }
        Ok(())
    }
}
