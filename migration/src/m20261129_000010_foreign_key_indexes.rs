//! An index behind every foreign key. A foreign key without one makes every check of it from
//! the referenced side — deleting or erasing the row it points at, or finding the rows that
//! point at it (a citizen's referrals, a peer's placements) — scan the whole referencing table.
//! Each index leads with `tenant_id`, like the keys themselves.

use sea_orm_migration::prelude::*;

/// (table, the column after `tenant_id`) for every foreign key that had no index.
const UNINDEXED: [(&str, &str); 22] = [
    ("api_clients", "organisation_id"),
    ("api_clients", "user_id"),
    ("attendance", "citizen_id"),
    ("enrolments", "citizen_id"),
    ("enrolments", "referral_id"),
    ("meetings", "peer_id"),
    ("offer_facilitators", "peer_id"),
    ("offers", "organisation_id"),
    ("peer_certificates", "peer_id"),
    ("peer_employments", "organisation_id"),
    ("peer_screenings", "peer_id"),
    ("peer_trainings", "peer_id"),
    ("peer_transitions", "peer_id"),
    ("peer_workers", "organisation_id"),
    ("placements", "peer_id"),
    ("placements", "unit_id"),
    ("referrals", "assigned_offer_id"),
    ("referrals", "citizen_id"),
    ("referrals", "referrer_id"),
    ("referrals", "requested_offer_id"),
    ("supervision_sessions", "supervisor_id"),
    ("users", "organisation_id"),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in UNINDEXED {
            manager
                .create_index(
                    Index::create()
                        .name(format!("{table}_tenant_{column}_fk_idx"))
                        .table(Alias::new(table))
                        .col(Alias::new("tenant_id"))
                        .col(Alias::new(column))
                        .if_not_exists()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
