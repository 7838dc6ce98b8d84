//! PostgreSQL-only statements shared by migrations: the application role, grants and the
//! tenant row-level security policy.

use sea_orm_migration::prelude::*;

use crate::APP_ROLE;

/// The tenant the current transaction acts in; `''` (not NULL) after a transaction-local
/// setting has ended on a pooled connection, hence `NULLIF`.
pub const CURRENT_TENANT: &str = "NULLIF(current_setting('app.tenant_id', true), '')::uuid";

/// Creates the application role when missing. Concurrent migrations of several databases in
/// one cluster race on this; the loser's error is swallowed.
pub async fn ensure_app_role(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let sql = format!(
        "DO $$ BEGIN
           IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
             CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
           END IF;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
         END $$;
         GRANT USAGE ON SCHEMA public TO {APP_ROLE};"
    );
    manager.get_connection().execute_unprepared(&sql).await?;
    Ok(())
}

/// Grants the application role read and write on a tenant table and puts the table under a
/// forced tenant-isolation policy.
pub async fn protect_tenant_table(manager: &SchemaManager<'_>, table: &str) -> Result<(), DbErr> {
    let sql = format!(
        "GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE};
         ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
         ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
         CREATE POLICY tenant_isolation ON {table}
           USING (tenant_id = {CURRENT_TENANT})
           WITH CHECK (tenant_id = {CURRENT_TENANT});"
    );
    manager.get_connection().execute_unprepared(&sql).await?;
    Ok(())
}
