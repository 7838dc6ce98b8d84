//! Tenants, organisations, users and their role memberships.

use sea_orm_migration::prelude::*;

use crate::APP_ROLE;
use crate::postgres::{CURRENT_TENANT, ensure_app_role, protect_tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
    Slug,
    Name,
    Municipality,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organisations {
    Table,
    TenantId,
    Id,
    Name,
    Kind,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    TenantId,
    Id,
    Email,
    DisplayName,
    OrganisationId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    TenantId,
    UserId,
    Role,
    GrantedAt,
}

fn tenant_fk(from: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from_col(from)
        .to(Tenants::Table, Tenants::Id)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tenants::Table)
                    .col(ColumnDef::new(Tenants::Id).uuid().not_null().primary_key())
                    .col(
                        ColumnDef::new(Tenants::Slug)
                            .string_len(63)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Tenants::Name).string_len(200).not_null())
                    .col(
                        ColumnDef::new(Tenants::Municipality)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Tenants::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Organisations::Table)
                    .col(ColumnDef::new(Organisations::TenantId).uuid().not_null())
                    .col(ColumnDef::new(Organisations::Id).uuid().not_null())
                    .col(
                        ColumnDef::new(Organisations::Name)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Organisations::Kind)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Organisations::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Organisations::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(Organisations::TenantId)
                            .col(Organisations::Id),
                    )
                    .foreign_key(&mut tenant_fk(Organisations::TenantId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("organisations_tenant_name_key")
                    .table(Organisations::Table)
                    .col(Organisations::TenantId)
                    .col(Organisations::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(ColumnDef::new(Users::TenantId).uuid().not_null())
                    .col(ColumnDef::new(Users::Id).uuid().not_null())
                    .col(ColumnDef::new(Users::Email).string_len(254).not_null())
                    .col(
                        ColumnDef::new(Users::DisplayName)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Users::OrganisationId).uuid().null())
                    .col(
                        ColumnDef::new(Users::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(Index::create().col(Users::TenantId).col(Users::Id))
                    .foreign_key(&mut tenant_fk(Users::TenantId))
                    .foreign_key(
                        ForeignKey::create()
                            .from_col(Users::TenantId)
                            .from_col(Users::OrganisationId)
                            .to(
                                Organisations::Table,
                                (Organisations::TenantId, Organisations::Id),
                            )
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("users_tenant_email_key")
                    .table(Users::Table)
                    .col(Users::TenantId)
                    .col(Users::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Memberships::Table)
                    .col(ColumnDef::new(Memberships::TenantId).uuid().not_null())
                    .col(ColumnDef::new(Memberships::UserId).uuid().not_null())
                    .col(ColumnDef::new(Memberships::Role).string_len(40).not_null())
                    .col(
                        ColumnDef::new(Memberships::GrantedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(Memberships::TenantId)
                            .col(Memberships::UserId)
                            .col(Memberships::Role),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from_col(Memberships::TenantId)
                            .from_col(Memberships::UserId)
                            .to(Users::Table, (Users::TenantId, Users::Id))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            ensure_app_role(manager).await?;
            // This migration's own tables: a migration must not change when later ones add
            // tables to TENANT_TABLES.
            for table in ["organisations", "users", "memberships"] {
                protect_tenant_table(manager, table).await?;
            }
            // The tenant registry is readable by every tenant (names of partnerships are
            // public); a tenant row can only be inserted by a transaction acting in it, and
            // never changed or deleted by the application.
            let sql = format!(
                "GRANT SELECT, INSERT ON tenants TO {APP_ROLE};
                 ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
                 ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
                 CREATE POLICY tenant_registry_read ON tenants FOR SELECT USING (true);
                 CREATE POLICY tenant_registry_insert ON tenants FOR INSERT
                   WITH CHECK (id = {CURRENT_TENANT});"
            );
            manager.get_connection().execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}
