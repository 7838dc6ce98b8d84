//! Retention of the audit log (issue 13, ADR 0045): each tenant's chain may lose its oldest
//! entries — never any younger than 183 days — and keeps a checkpoint, the sequence number and
//! hash of the last entry removed, so that the rest still verifies. On PostgreSQL the
//! application role cannot write the checkpoint or delete an entry itself: it calls
//! `peerbro_prune_audit`, which removes only a prefix of its own tenant's chain, only entries
//! older than 183 days by the database's clock, and moves the checkpoint with it.

use sea_orm_migration::prelude::*;

use crate::APP_ROLE;
use crate::ddl::{col, fk, pk};
use crate::postgres::{CURRENT_TENANT, protect_tenant_table};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The youngest entry the database lets go, whatever a tenant sets.
const MIN_AUDIT_DAYS: u32 = 183;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = "audit_checkpoints";
        manager
            .create_table(
                Table::create()
                    .table(Alias::new(table))
                    .col(col("tenant_id").uuid().not_null())
                    .col(col("through_seq").big_integer().not_null())
                    .col(col("hash").string_len(64).not_null())
                    .col(col("pruned_at").timestamp_with_time_zone().not_null())
                    .primary_key(&mut pk(&["tenant_id"]))
                    .foreign_key(&mut fk(&["tenant_id"], "tenants", &["id"]))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("tenant_settings"))
                    .add_column(col("audit_days").integer().null().to_owned())
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            protect_tenant_table(manager, table).await?;
            let sql = format!(
                "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {table} FROM {APP_ROLE};
                 CREATE FUNCTION peerbro_prune_audit(p_through bigint) RETURNS bigint
                 LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
                 DECLARE
                   t uuid := {CURRENT_TENANT};
                   h text;
                   entry_at timestamptz;
                   removed bigint;
                 BEGIN
                   IF t IS NULL THEN
                     RAISE EXCEPTION 'peerbro_prune_audit: no tenant in this transaction';
                   END IF;
                   SELECT hash, at INTO h, entry_at FROM audit_entries
                     WHERE tenant_id = t AND seq = p_through;
                   IF h IS NULL THEN
                     RETURN 0;
                   END IF;
                   IF entry_at > now() - interval '{MIN_AUDIT_DAYS} days' THEN
                     RAISE EXCEPTION 'peerbro_prune_audit: entries are kept {MIN_AUDIT_DAYS} days at least';
                   END IF;
                   INSERT INTO audit_checkpoints (tenant_id, through_seq, hash, pruned_at)
                     VALUES (t, p_through, h, now())
                     ON CONFLICT (tenant_id) DO UPDATE
                       SET through_seq = EXCLUDED.through_seq, hash = EXCLUDED.hash,
                           pruned_at = EXCLUDED.pruned_at
                       WHERE audit_checkpoints.through_seq < EXCLUDED.through_seq;
                   DELETE FROM audit_entries WHERE tenant_id = t AND seq <= p_through;
                   GET DIAGNOSTICS removed = ROW_COUNT;
                   RETURN removed;
                 END
                 $fn$;
                 REVOKE ALL ON FUNCTION peerbro_prune_audit(bigint) FROM PUBLIC;
                 GRANT EXECUTE ON FUNCTION peerbro_prune_audit(bigint) TO {APP_ROLE};"
            );
            manager.get_connection().execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}
