//! Anonymous chat (issue 14, ADR 0046): opening hours and peers on duty per chat offer;
//! conversations holding state, times and browser-made public keys; messages holding only
//! ciphertext; and contacts for the statistics, with no link to any conversation.

use sea_orm_migration::prelude::*;

use crate::ddl::{col, fk, index, pk};
use crate::postgres::protect_tenant_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn hours() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("chat_hours"))
        .col(col("tenant_id").uuid().not_null())
        .col(col("offer_id").uuid().not_null())
        .col(col("weekday").integer().not_null())
        .col(col("opens_minute").integer().not_null())
        .col(col("closes_minute").integer().not_null())
        .primary_key(&mut pk(&[
            "tenant_id",
            "offer_id",
            "weekday",
            "opens_minute",
        ]))
        .foreign_key(&mut fk(
            &["tenant_id", "offer_id"],
            "offers",
            &["tenant_id", "id"],
        ))
        .to_owned()
}

fn duty() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("chat_duty"))
        .col(col("tenant_id").uuid().not_null())
        .col(col("offer_id").uuid().not_null())
        .col(col("user_id").uuid().not_null())
        .col(col("since").timestamp_with_time_zone().not_null())
        .primary_key(&mut pk(&["tenant_id", "offer_id", "user_id"]))
        .foreign_key(&mut fk(
            &["tenant_id", "offer_id"],
            "offers",
            &["tenant_id", "id"],
        ))
        .foreign_key(&mut fk(
            &["tenant_id", "user_id"],
            "users",
            &["tenant_id", "id"],
        ))
        .to_owned()
}

fn conversations() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("chat_conversations"))
        .col(col("tenant_id").uuid().not_null())
        .col(col("id").uuid().not_null())
        .col(col("offer_id").uuid().not_null())
        .col(col("state").string_len(20).not_null())
        .col(col("opened_at").timestamp_with_time_zone().not_null())
        .col(col("taken_at").timestamp_with_time_zone().null())
        .col(col("ended_at").timestamp_with_time_zone().null())
        .col(col("end_reason").string_len(20).null())
        .col(col("peer_id").uuid().null())
        .col(col("citizen_key").binary().not_null())
        .col(col("peer_key").binary().null())
        .col(col("key_epoch").integer().not_null())
        .col(col("secret_digest").binary().not_null())
        .col(col("last_seq").big_integer().not_null())
        .primary_key(&mut pk(&["tenant_id", "id"]))
        .foreign_key(&mut fk(
            &["tenant_id", "offer_id"],
            "offers",
            &["tenant_id", "id"],
        ))
        .foreign_key(&mut fk(
            &["tenant_id", "peer_id"],
            "users",
            &["tenant_id", "id"],
        ))
        .to_owned()
}

fn messages() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("chat_messages"))
        .col(col("tenant_id").uuid().not_null())
        .col(col("conversation_id").uuid().not_null())
        .col(col("seq").big_integer().not_null())
        .col(col("side").string_len(10).not_null())
        .col(col("epoch").integer().not_null())
        .col(col("is_signal").boolean().not_null())
        .col(col("ciphertext").binary().not_null())
        .col(col("sent_at").timestamp_with_time_zone().not_null())
        .primary_key(&mut pk(&["tenant_id", "conversation_id", "seq"]))
        .foreign_key(&mut fk(
            &["tenant_id", "conversation_id"],
            "chat_conversations",
            &["tenant_id", "id"],
        ))
        .to_owned()
}

fn contacts() -> TableCreateStatement {
    Table::create()
        .table(Alias::new("chat_contacts"))
        .col(col("tenant_id").uuid().not_null())
        .col(col("id").uuid().not_null())
        .col(col("offer_id").uuid().not_null())
        .col(col("month").date().not_null())
        .col(col("waited_seconds").big_integer().null())
        .col(col("talked_seconds").big_integer().null())
        .col(col("end_reason").string_len(20).not_null())
        .primary_key(&mut pk(&["tenant_id", "id"]))
        .foreign_key(&mut fk(
            &["tenant_id", "offer_id"],
            "offers",
            &["tenant_id", "id"],
        ))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [hours(), duty(), conversations(), messages(), contacts()] {
            manager.create_table(table).await?;
        }
        for (name, table, cols) in [
            ("chat_duty_user", "chat_duty", &["tenant_id", "user_id"][..]),
            (
                "chat_conversations_queue",
                "chat_conversations",
                &["tenant_id", "offer_id", "state", "opened_at"][..],
            ),
            (
                "chat_conversations_peer",
                "chat_conversations",
                &["tenant_id", "peer_id"][..],
            ),
            (
                "chat_conversations_ended",
                "chat_conversations",
                &["tenant_id", "ended_at"][..],
            ),
            (
                "chat_contacts_offer_month",
                "chat_contacts",
                &["tenant_id", "offer_id", "month"][..],
            ),
        ] {
            manager
                .create_index(index(name, table, cols, false))
                .await?;
        }
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            for table in [
                "chat_hours",
                "chat_duty",
                "chat_conversations",
                "chat_messages",
                "chat_contacts",
            ] {
                protect_tenant_table(manager, table).await?;
            }
        }
        Ok(())
    }
}
