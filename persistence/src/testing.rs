//! Raw access for tests only (feature `testing`): statements that deliberately omit the
//! `tenant_id` filter, run in a transaction acting in one tenant, to prove that PostgreSQL's
//! row-level security alone keeps other tenants' rows out of reach.

use peerbro_domain::ids::TenantId;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use crate::db::Database;

/// Runs `sql` (no tenant filter) acting in `tenant` and returns the `id` column of every row
/// it produced, or the database's error text.
///
/// # Errors
/// The database error, as text.
pub async fn unfiltered_ids(
    db: &Database,
    tenant: TenantId,
    sql: &str,
) -> Result<Vec<Uuid>, String> {
    let tx = db.begin(tenant).await.map_err(|e| e.to_string())?;
    let rows = tx
        .query_all_raw(Statement::from_string(backend(db), sql.to_owned()))
        .await
        .map_err(|e| e.to_string())?;
    let ids = rows
        .iter()
        .map(|r| r.try_get::<Uuid>("", "id").map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(ids)
}

/// Executes `sql` (no tenant filter) acting in `tenant`; returns the rows affected.
///
/// # Errors
/// The database error, as text.
pub async fn unfiltered_execute(db: &Database, tenant: TenantId, sql: &str) -> Result<u64, String> {
    let tx = db.begin(tenant).await.map_err(|e| e.to_string())?;
    let result = tx
        .execute_raw(Statement::from_string(backend(db), sql.to_owned()))
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(result.rows_affected())
}

fn backend(db: &Database) -> DbBackend {
    match db.backend() {
        crate::Backend::Postgres => DbBackend::Postgres,
        crate::Backend::Sqlite => DbBackend::Sqlite,
    }
}
