//! Peer workers and their history, supervision, placements and tenant settings.

use sea_orm_migration::prelude::*;

use crate::postgres::protect_tenant_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, columns) in a compact form: every table here is a tenant table whose primary key
/// starts with `tenant_id`.
async fn create(manager: &SchemaManager<'_>, table: TableCreateStatement) -> Result<(), DbErr> {
    manager.create_table(table).await
}

fn uuid(name: &'static str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .uuid()
        .not_null()
        .to_owned()
}

fn text(name: &'static str, len: u32) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .string_len(len)
        .not_null()
        .to_owned()
}

fn date(name: &'static str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .date()
        .not_null()
        .to_owned()
}

fn at(name: &'static str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn pk(cols: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    for c in cols {
        index.col(Alias::new(*c));
    }
    index.to_owned()
}

fn fk(
    cols: &[&'static str],
    table: &'static str,
    to: &[&'static str],
) -> ForeignKeyCreateStatement {
    let mut fk = ForeignKey::create();
    for c in cols {
        fk.from_col(Alias::new(*c));
    }
    let to: Vec<Alias> = to.iter().map(|c| Alias::new(*c)).collect();
    fk.to_tbl(Alias::new(table));
    for c in to {
        fk.to_col(c);
    }
    fk.on_delete(ForeignKeyAction::Restrict).to_owned()
}

fn table(name: &'static str) -> TableCreateStatement {
    Table::create().table(Alias::new(name)).to_owned()
}

/// The history tables of a peer: (tenant_id, id) keys and a foreign key to the peer.
fn peer_child(name: &'static str, columns: Vec<ColumnDef>) -> TableCreateStatement {
    let mut t = table(name);
    t.col(uuid("tenant_id"))
        .col(uuid("id"))
        .col(uuid("peer_id"));
    for mut c in columns {
        t.col(&mut c);
    }
    t.primary_key(&mut pk(&["tenant_id", "id"]))
        .foreign_key(&mut fk(
            &["tenant_id", "peer_id"],
            "peer_workers",
            &["tenant_id", "id"],
        ))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create(
            manager,
            table("peer_workers")
                .col(uuid("tenant_id"))
                .col(uuid("id"))
                .col(ColumnDef::new(Alias::new("user_id")).uuid().null())
                .col(text("kind", 20))
                .col(text("status", 20))
                .col(
                    ColumnDef::new(Alias::new("name_sealed"))
                        .binary()
                        .not_null(),
                )
                .col(ColumnDef::new(Alias::new("contact_sealed")).binary().null())
                .col(text("languages", 1000))
                .col(text("offer_types", 200))
                .col(
                    ColumnDef::new(Alias::new("max_matches"))
                        .integer()
                        .not_null(),
                )
                .col(uuid("organisation_id"))
                .col(at("created_at"))
                .primary_key(&mut pk(&["tenant_id", "id"]))
                .foreign_key(&mut fk(
                    &["tenant_id", "organisation_id"],
                    "organisations",
                    &["tenant_id", "id"],
                ))
                .foreign_key(&mut fk(
                    &["tenant_id", "user_id"],
                    "users",
                    &["tenant_id", "id"],
                ))
                .to_owned(),
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("peer_workers_tenant_user_key")
                    .table(Alias::new("peer_workers"))
                    .col(Alias::new("tenant_id"))
                    .col(Alias::new("user_id"))
                    .unique()
                    .to_owned(),
            )
            .await?;
        create(
            manager,
            peer_child(
                "peer_screenings",
                vec![date("held_on"), uuid("interviewer_id"), text("outcome", 20)],
            ),
        )
        .await?;
        create(
            manager,
            peer_child(
                "peer_certificates",
                vec![text("kind", 30), date("checked_on"), text("result", 20)],
            ),
        )
        .await?;
        create(
            manager,
            peer_child(
                "peer_trainings",
                vec![text("course", 200), date("completed_on")],
            ),
        )
        .await?;
        create(
            manager,
            peer_child(
                "peer_transitions",
                vec![
                    text("from_status", 20),
                    text("to_status", 20),
                    at("at"),
                    ColumnDef::new(Alias::new("actor_id"))
                        .uuid()
                        .null()
                        .to_owned(),
                    ColumnDef::new(Alias::new("reason"))
                        .string_len(200)
                        .null()
                        .to_owned(),
                ],
            ),
        )
        .await?;
        create(
            manager,
            table("peer_employments")
                .col(uuid("tenant_id"))
                .col(uuid("peer_id"))
                .col(uuid("organisation_id"))
                .col(
                    ColumnDef::new(Alias::new("weekly_hours_tenths"))
                        .integer()
                        .not_null(),
                )
                .col(date("start_on"))
                .col(ColumnDef::new(Alias::new("end_on")).date().null())
                .primary_key(&mut pk(&["tenant_id", "peer_id"]))
                .foreign_key(&mut fk(
                    &["tenant_id", "peer_id"],
                    "peer_workers",
                    &["tenant_id", "id"],
                ))
                .foreign_key(&mut fk(
                    &["tenant_id", "organisation_id"],
                    "organisations",
                    &["tenant_id", "id"],
                ))
                .to_owned(),
        )
        .await?;
        create(
            manager,
            table("supervision_sessions")
                .col(uuid("tenant_id"))
                .col(uuid("id"))
                .col(date("held_on"))
                .col(uuid("supervisor_id"))
                .col(text("format", 20))
                .col(at("created_at"))
                .primary_key(&mut pk(&["tenant_id", "id"]))
                .foreign_key(&mut fk(
                    &["tenant_id", "supervisor_id"],
                    "users",
                    &["tenant_id", "id"],
                ))
                .to_owned(),
        )
        .await?;
        create(
            manager,
            table("supervision_attendees")
                .col(uuid("tenant_id"))
                .col(uuid("session_id"))
                .col(uuid("peer_id"))
                .col(date("held_on"))
                .primary_key(&mut pk(&["tenant_id", "session_id", "peer_id"]))
                .foreign_key(&mut fk(
                    &["tenant_id", "session_id"],
                    "supervision_sessions",
                    &["tenant_id", "id"],
                ))
                .foreign_key(&mut fk(
                    &["tenant_id", "peer_id"],
                    "peer_workers",
                    &["tenant_id", "id"],
                ))
                .to_owned(),
        )
        .await?;
        manager
            .create_index(
                Index::create()
                    .name("supervision_attendees_peer")
                    .table(Alias::new("supervision_attendees"))
                    .col(Alias::new("tenant_id"))
                    .col(Alias::new("peer_id"))
                    .col(Alias::new("held_on"))
                    .to_owned(),
            )
            .await?;
        create(
            manager,
            table("placements")
                .col(uuid("tenant_id"))
                .col(uuid("id"))
                .col(uuid("peer_id"))
                .col(uuid("unit_id"))
                .col(text("ward", 200))
                .col(date("start_on"))
                .col(ColumnDef::new(Alias::new("end_on")).date().null())
                .col(
                    ColumnDef::new(Alias::new("weekly_hours_tenths"))
                        .integer()
                        .not_null(),
                )
                .col(text("ward_contact", 200))
                .col(text("supervision_arrangement", 500))
                .col(at("created_at"))
                .primary_key(&mut pk(&["tenant_id", "id"]))
                .foreign_key(&mut fk(
                    &["tenant_id", "peer_id"],
                    "peer_workers",
                    &["tenant_id", "id"],
                ))
                .foreign_key(&mut fk(
                    &["tenant_id", "unit_id"],
                    "organisations",
                    &["tenant_id", "id"],
                ))
                .to_owned(),
        )
        .await?;
        create(
            manager,
            table("tenant_settings")
                .col(
                    ColumnDef::new(Alias::new("tenant_id"))
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(
                    ColumnDef::new(Alias::new("supervision_limit_days"))
                        .integer()
                        .not_null(),
                )
                .foreign_key(&mut fk(&["tenant_id"], "tenants", &["id"]))
                .to_owned(),
        )
        .await?;

        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            for table in TABLES {
                protect_tenant_table(manager, table).await?;
            }
        }
        Ok(())
    }
}

/// This migration's tenant tables.
const TABLES: [&str; 10] = [
    "peer_workers",
    "peer_screenings",
    "peer_certificates",
    "peer_trainings",
    "peer_transitions",
    "peer_employments",
    "supervision_sessions",
    "supervision_attendees",
    "placements",
    "tenant_settings",
];
