//! Keys, citizens, consents and the audit log.
//!
//! `tenant_keys` and `subject_keys` hold wrapped keys (the key hierarchy of ADR 0007);
//! `citizens` holds personal fields only as ciphertext, with a blind index for exact-name
//! search; `consents` is an append-only history; `audit_entries` is append-only and
//! hash-chained per tenant, and on PostgreSQL the application role may only read and insert it.

use sea_orm_migration::prelude::*;

use crate::APP_ROLE;
use crate::postgres::protect_tenant_table;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TenantKeys {
    Table,
    TenantId,
    WrappedKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SubjectKeys {
    Table,
    TenantId,
    SubjectId,
    WrappedKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Citizens {
    Table,
    TenantId,
    Id,
    Pseudonym,
    NameSealed,
    NameIndex,
    ContactSealed,
    BirthYear,
    Municipality,
    Origin,
    UserId,
    CreatedBy,
    CreatedAt,
    ErasedAt,
}

#[derive(DeriveIden)]
enum Consents {
    Table,
    TenantId,
    Id,
    CitizenId,
    Purpose,
    Given,
    At,
    RecordedBy,
    Evidence,
}

#[derive(DeriveIden)]
enum AuditEntries {
    Table,
    TenantId,
    Seq,
    Id,
    At,
    ActorId,
    ActorRoles,
    Action,
    SubjectKind,
    SubjectId,
    Purpose,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    TenantId,
    Id,
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
                    .table(TenantKeys::Table)
                    .col(
                        ColumnDef::new(TenantKeys::TenantId)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(TenantKeys::WrappedKey).binary().not_null())
                    .col(
                        ColumnDef::new(TenantKeys::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(&mut tenant_fk(TenantKeys::TenantId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SubjectKeys::Table)
                    .col(ColumnDef::new(SubjectKeys::TenantId).uuid().not_null())
                    .col(ColumnDef::new(SubjectKeys::SubjectId).uuid().not_null())
                    .col(ColumnDef::new(SubjectKeys::WrappedKey).binary().not_null())
                    .col(
                        ColumnDef::new(SubjectKeys::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(SubjectKeys::TenantId)
                            .col(SubjectKeys::SubjectId),
                    )
                    .foreign_key(&mut tenant_fk(SubjectKeys::TenantId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Citizens::Table)
                    .col(ColumnDef::new(Citizens::TenantId).uuid().not_null())
                    .col(ColumnDef::new(Citizens::Id).uuid().not_null())
                    .col(
                        ColumnDef::new(Citizens::Pseudonym)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Citizens::NameSealed).binary().not_null())
                    .col(ColumnDef::new(Citizens::NameIndex).binary().not_null())
                    .col(ColumnDef::new(Citizens::ContactSealed).binary().null())
                    .col(ColumnDef::new(Citizens::BirthYear).integer().null())
                    .col(
                        ColumnDef::new(Citizens::Municipality)
                            .string_len(100)
                            .not_null(),
                    )
                    .col(ColumnDef::new(Citizens::Origin).string_len(40).not_null())
                    .col(ColumnDef::new(Citizens::UserId).uuid().null())
                    .col(ColumnDef::new(Citizens::CreatedBy).uuid().null())
                    .col(
                        ColumnDef::new(Citizens::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Citizens::ErasedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .primary_key(Index::create().col(Citizens::TenantId).col(Citizens::Id))
                    .foreign_key(&mut tenant_fk(Citizens::TenantId))
                    .foreign_key(
                        ForeignKey::create()
                            .from_col(Citizens::TenantId)
                            .from_col(Citizens::UserId)
                            .to(Users::Table, (Users::TenantId, Users::Id))
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "citizens_tenant_pseudonym_key",
                vec![Citizens::TenantId, Citizens::Pseudonym],
            ),
            (
                "citizens_tenant_user_key",
                vec![Citizens::TenantId, Citizens::UserId],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Citizens::Table).unique();
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("citizens_tenant_name_index")
                    .table(Citizens::Table)
                    .col(Citizens::TenantId)
                    .col(Citizens::NameIndex)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Consents::Table)
                    .col(ColumnDef::new(Consents::TenantId).uuid().not_null())
                    .col(ColumnDef::new(Consents::Id).uuid().not_null())
                    .col(ColumnDef::new(Consents::CitizenId).uuid().not_null())
                    .col(ColumnDef::new(Consents::Purpose).string_len(40).not_null())
                    .col(ColumnDef::new(Consents::Given).boolean().not_null())
                    .col(
                        ColumnDef::new(Consents::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Consents::RecordedBy).uuid().null())
                    .col(ColumnDef::new(Consents::Evidence).string_len(40).not_null())
                    .primary_key(Index::create().col(Consents::TenantId).col(Consents::Id))
                    .foreign_key(
                        ForeignKey::create()
                            .from_col(Consents::TenantId)
                            .from_col(Consents::CitizenId)
                            .to(Citizens::Table, (Citizens::TenantId, Citizens::Id))
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("consents_tenant_citizen")
                    .table(Consents::Table)
                    .col(Consents::TenantId)
                    .col(Consents::CitizenId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditEntries::Table)
                    .col(ColumnDef::new(AuditEntries::TenantId).uuid().not_null())
                    .col(ColumnDef::new(AuditEntries::Seq).big_integer().not_null())
                    .col(ColumnDef::new(AuditEntries::Id).uuid().not_null())
                    .col(
                        ColumnDef::new(AuditEntries::At)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditEntries::ActorId).uuid().null())
                    .col(
                        ColumnDef::new(AuditEntries::ActorRoles)
                            .string_len(200)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEntries::Action)
                            .string_len(20)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEntries::SubjectKind)
                            .string_len(20)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditEntries::SubjectId).uuid().not_null())
                    .col(
                        ColumnDef::new(AuditEntries::Purpose)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuditEntries::PrevHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditEntries::Hash).string_len(64).not_null())
                    .primary_key(
                        Index::create()
                            .col(AuditEntries::TenantId)
                            .col(AuditEntries::Seq),
                    )
                    .foreign_key(&mut tenant_fk(AuditEntries::TenantId))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("audit_entries_tenant_id_key", AuditEntries::Id),
            ("audit_entries_tenant_subject", AuditEntries::SubjectId),
            ("audit_entries_tenant_actor", AuditEntries::ActorId),
        ] {
            let mut index = Index::create();
            index
                .name(name)
                .table(AuditEntries::Table)
                .col(AuditEntries::TenantId)
                .col(col);
            if name.ends_with("_key") {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }

        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            for table in [
                "tenant_keys",
                "subject_keys",
                "citizens",
                "consents",
                "audit_entries",
            ] {
                protect_tenant_table(manager, table).await?;
            }
            // Append-only: the application role may read and insert audit entries and consent
            // records, never change or delete them; keys are inserted and deleted (erasure),
            // never changed.
            let sql = format!(
                "REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries, consents FROM {APP_ROLE};
                 REVOKE UPDATE, TRUNCATE ON tenant_keys, subject_keys FROM {APP_ROLE};
                 REVOKE DELETE ON tenant_keys FROM {APP_ROLE};"
            );
            manager.get_connection().execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}
