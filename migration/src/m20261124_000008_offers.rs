//! Offers: courses with sessions, facilitators, enrolments and attendance; café headcounts;
//! one-to-one meetings; the offer a referral asks for or is assigned to; and the tenant's
//! contact limit for assigned referrals.

use sea_orm_migration::prelude::*;

use crate::ddl::{col, fk, index, pk};
use crate::postgres::protect_tenant_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 7] = [
    "offers",
    "offer_facilitators",
    "course_sessions",
    "enrolments",
    "attendance",
    "cafe_visits",
    "meetings",
];

fn tenant_table(name: &'static str) -> TableCreateStatement {
    Table::create()
        .table(Alias::new(name))
        .col(col("tenant_id").uuid().not_null())
        .foreign_key(&mut fk(&["tenant_id"], "tenants", &["id"]))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let tables = [
            tenant_table("offers")
                .col(col("id").uuid().not_null())
                .col(col("organisation_id").uuid().not_null())
                .col(col("offer_type").string_len(20).not_null())
                .col(col("title").string_len(120).not_null())
                .col(col("location").string_len(200).null())
                .col(col("capacity").integer().null())
                .col(col("start_date").date().null())
                .col(col("weekday").integer().null())
                .col(col("start_time").time().null())
                .col(col("session_count").integer().null())
                .col(col("session_minutes").integer().null())
                .col(col("open").boolean().not_null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk(&["tenant_id", "id"]))
                .foreign_key(&mut fk(
                    &["tenant_id", "organisation_id"],
                    "organisations",
                    &["tenant_id", "id"],
                ))
                .to_owned(),
            tenant_table("offer_facilitators")
                .col(col("offer_id").uuid().not_null())
                .col(col("peer_id").uuid().not_null())
                .primary_key(&mut pk(&["tenant_id", "offer_id", "peer_id"]))
                .foreign_key(&mut fk(
                    &["tenant_id", "offer_id"],
                    "offers",
                    &["tenant_id", "id"],
                ))
                .foreign_key(&mut fk(
                    &["tenant_id", "peer_id"],
                    "peer_workers",
                    &["tenant_id", "id"],
                ))
                .to_owned(),
            tenant_table("course_sessions")
                .col(col("id").uuid().not_null())
                .col(col("offer_id").uuid().not_null())
                .col(col("number").integer().not_null())
                .col(col("date").date().not_null())
                .col(col("start_time").time().not_null())
                .col(col("minutes").integer().not_null())
                .primary_key(&mut pk(&["tenant_id", "id"]))
                .foreign_key(&mut fk(
                    &["tenant_id", "offer_id"],
                    "offers",
                    &["tenant_id", "id"],
                ))
                .to_owned(),
            tenant_table("enrolments")
                .col(col("id").uuid().not_null())
                .col(col("offer_id").uuid().not_null())
                .col(col("citizen_id").uuid().not_null())
                .col(col("referral_id").uuid().null())
                .col(col("status").string_len(20).not_null())
                .col(col("created_at").timestamp_with_time_zone().not_null())
                .col(col("updated_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk(&["tenant_id", "id"]))
                .foreign_key(&mut fk(
                    &["tenant_id", "offer_id"],
                    "offers",
                    &["tenant_id", "id"],
                ))
                .foreign_key(&mut fk(
                    &["tenant_id", "citizen_id"],
                    "citizens",
                    &["tenant_id", "id"],
                ))
                .foreign_key(&mut fk(
                    &["tenant_id", "referral_id"],
                    "referrals",
                    &["tenant_id", "id"],
                ))
                .to_owned(),
            tenant_table("attendance")
                .col(col("session_id").uuid().not_null())
                .col(col("citizen_id").uuid().not_null())
                .col(col("present").boolean().not_null())
                .primary_key(&mut pk(&["tenant_id", "session_id", "citizen_id"]))
                .foreign_key(&mut fk(
                    &["tenant_id", "session_id"],
                    "course_sessions",
                    &["tenant_id", "id"],
                ))
                .foreign_key(&mut fk(
                    &["tenant_id", "citizen_id"],
                    "citizens",
                    &["tenant_id", "id"],
                ))
                .to_owned(),
            tenant_table("cafe_visits")
                .col(col("offer_id").uuid().not_null())
                .col(col("date").date().not_null())
                .col(col("headcount").integer().not_null())
                .primary_key(&mut pk(&["tenant_id", "offer_id", "date"]))
                .foreign_key(&mut fk(
                    &["tenant_id", "offer_id"],
                    "offers",
                    &["tenant_id", "id"],
                ))
                .to_owned(),
            tenant_table("meetings")
                .col(col("id").uuid().not_null())
                .col(col("referral_id").uuid().not_null())
                .col(col("peer_id").uuid().not_null())
                .col(col("date").date().not_null())
                .col(col("minutes").integer().not_null())
                .col(col("form").string_len(20).not_null())
                .col(col("logged_by").uuid().null())
                .col(col("logged_at").timestamp_with_time_zone().not_null())
                .primary_key(&mut pk(&["tenant_id", "id"]))
                .foreign_key(&mut fk(
                    &["tenant_id", "referral_id"],
                    "referrals",
                    &["tenant_id", "id"],
                ))
                .foreign_key(&mut fk(
                    &["tenant_id", "peer_id"],
                    "peer_workers",
                    &["tenant_id", "id"],
                ))
                .to_owned(),
        ];
        for table in tables {
            manager.create_table(table).await?;
        }
        for statement in [
            index(
                "course_sessions_offer",
                "course_sessions",
                &["tenant_id", "offer_id", "number"],
                true,
            ),
            index(
                "enrolments_offer",
                "enrolments",
                &["tenant_id", "offer_id", "status"],
                false,
            ),
            index(
                "meetings_referral",
                "meetings",
                &["tenant_id", "referral_id"],
                false,
            ),
        ] {
            manager.create_index(statement).await?;
        }
        // Added columns (SQLite cannot add foreign keys to an existing table; PostgreSQL gets
        // them below).
        for (table, column) in [
            ("referrals", "requested_offer_id"),
            ("referrals", "assigned_offer_id"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(col(column).uuid().null())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("tenant_settings"))
                    .add_column(col("contact_limit_days").integer().null())
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            for column in ["requested_offer_id", "assigned_offer_id"] {
                manager
                    .get_connection()
                    .execute_unprepared(&format!(
                        "ALTER TABLE referrals ADD CONSTRAINT referrals_{column}_fk \
                         FOREIGN KEY (tenant_id, {column}) REFERENCES offers (tenant_id, id) \
                         ON DELETE RESTRICT"
                    ))
                    .await?;
            }
            for table in TABLES {
                protect_tenant_table(manager, table).await?;
            }
        }
        Ok(())
    }
}
