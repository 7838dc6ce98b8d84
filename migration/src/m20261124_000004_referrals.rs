//! Referrals and their transitions.

use sea_orm_migration::prelude::*;

use crate::ddl::{col, fk, index};
use crate::postgres::protect_tenant_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("referrals"))
                    .col(col("tenant_id").uuid().not_null())
                    .col(col("id").uuid().not_null())
                    .col(col("citizen_id").uuid().not_null())
                    .col(col("referrer_id").uuid().not_null())
                    .col(col("referrer_organisation_id").uuid().not_null())
                    .col(col("state").string_len(20).not_null())
                    .col(col("reason_sealed").binary().null())
                    .col(col("idempotency_key").string_len(200).null())
                    .col(col("fingerprint").string_len(64).null())
                    .col(col("submitted_at").timestamp_with_time_zone().not_null())
                    .col(col("first_contact_at").timestamp_with_time_zone().null())
                    .col(col("assigned_at").timestamp_with_time_zone().null())
                    .col(col("assigned_peer_id").uuid().null())
                    .col(col("outcome").string_len(40).null())
                    .col(col("decline_reason").string_len(40).null())
                    .col(col("feedback").string_len(1200).null())
                    .col(col("updated_at").timestamp_with_time_zone().not_null())
                    .primary_key(
                        Index::create()
                            .col(Alias::new("tenant_id"))
                            .col(Alias::new("id")),
                    )
                    .foreign_key(&mut fk(
                        &["tenant_id", "citizen_id"],
                        "citizens",
                        &["tenant_id", "id"],
                    ))
                    .foreign_key(&mut fk(
                        &["tenant_id", "referrer_id"],
                        "users",
                        &["tenant_id", "id"],
                    ))
                    .foreign_key(&mut fk(
                        &["tenant_id", "referrer_organisation_id"],
                        "organisations",
                        &["tenant_id", "id"],
                    ))
                    .foreign_key(&mut fk(
                        &["tenant_id", "assigned_peer_id"],
                        "peer_workers",
                        &["tenant_id", "id"],
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "referrals_tenant_idempotency_key",
                "referrals",
                &["tenant_id", "idempotency_key"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "referrals_tenant_org",
                "referrals",
                &["tenant_id", "referrer_organisation_id"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "referrals_tenant_peer_state",
                "referrals",
                &["tenant_id", "assigned_peer_id", "state"],
                false,
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("referral_transitions"))
                    .col(col("tenant_id").uuid().not_null())
                    .col(col("id").uuid().not_null())
                    .col(col("referral_id").uuid().not_null())
                    .col(col("from_state").string_len(20).not_null())
                    .col(col("to_state").string_len(20).not_null())
                    .col(col("action").string_len(20).not_null())
                    .col(col("at").timestamp_with_time_zone().not_null())
                    .col(col("actor_id").uuid().null())
                    .col(col("outcome").string_len(40).null())
                    .col(col("decline_reason").string_len(40).null())
                    .col(col("feedback").string_len(1200).null())
                    .primary_key(
                        Index::create()
                            .col(Alias::new("tenant_id"))
                            .col(Alias::new("id")),
                    )
                    .foreign_key(&mut fk(
                        &["tenant_id", "referral_id"],
                        "referrals",
                        &["tenant_id", "id"],
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "referral_transitions_referral",
                "referral_transitions",
                &["tenant_id", "referral_id"],
                false,
            ))
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            for table in ["referrals", "referral_transitions"] {
                protect_tenant_table(manager, table).await?;
            }
        }
        Ok(())
    }
}
