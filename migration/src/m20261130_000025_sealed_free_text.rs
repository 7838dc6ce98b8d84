//! Free text about a person is sealed with that person's key (issue 13, `inventory.rs`): the
//! feedback line a referrer sees (on the referral and on each move) with the citizen's key,
//! the reason given for a peer worker's change of status with the peer's key.
//!
//! A migration holds no key, so it only adds the sealed columns. The clear columns stay until
//! the server's start-up step (`peerbro migrate`, `peerbro serve --migrate`) has sealed every
//! value written before this migration and emptied them; nothing written since uses them.

use sea_orm_migration::prelude::*;

use crate::ddl::col;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, the sealed column added).
const SEALED: [(&str, &str); 3] = [
    ("referrals", "feedback_sealed"),
    ("referral_transitions", "feedback_sealed"),
    ("peer_transitions", "reason_sealed"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in SEALED {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(col(column).binary().null().to_owned())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
