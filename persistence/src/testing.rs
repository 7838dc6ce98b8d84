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

/// A PostgreSQL setting as a connection of `db`'s pool sees it, in a transaction acting in
/// `tenant`.
///
/// # Errors
/// The database error, as text.
pub async fn pg_setting(db: &Database, tenant: TenantId, name: &str) -> Result<String, String> {
    let tx = db.begin(tenant).await.map_err(|e| e.to_string())?;
    let row = tx
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT current_setting($1) AS value",
            [name.into()],
        ))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no row")?;
    let value = row
        .try_get::<String>("", "value")
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(value)
}

fn backend(db: &Database) -> DbBackend {
    match db.backend() {
        crate::Backend::Postgres => DbBackend::Postgres,
        crate::Backend::Sqlite => DbBackend::Sqlite,
    }
}

/// A point look-up of one organisation in a tenant transaction opened the production way
/// (`BEGIN` and `set_config` in one round trip).
///
/// # Errors
/// The database error, as text.
pub async fn point_lookup(db: &Database, tenant: TenantId, id: Uuid) -> Result<bool, String> {
    let tx = db.begin(tenant).await.map_err(|e| e.to_string())?;
    let found = lookup(&tx, backend(db), tenant, id).await?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(found)
}

/// The same look-up with sea-orm's own `BEGIN` and `set_config` as a second statement: the
/// design ADR 0002 rejected, kept only so that the benchmark can compare the two.
///
/// # Errors
/// The database error, as text.
pub async fn point_lookup_separate_set_config(
    db: &Database,
    tenant: TenantId,
    id: Uuid,
) -> Result<bool, String> {
    use sea_orm::TransactionTrait as _;
    let tx = db.raw().begin().await.map_err(|e| e.to_string())?;
    tx.execute_unprepared(&format!(
        "SELECT set_config('app.tenant_id', '{}', true)",
        tenant.as_uuid()
    ))
    .await
    .map_err(|e| e.to_string())?;
    let found = lookup(&tx, backend(db), tenant, id).await?;
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(found)
}

async fn lookup<C: ConnectionTrait>(
    conn: &C,
    backend: DbBackend,
    tenant: TenantId,
    id: Uuid,
) -> Result<bool, String> {
    let stmt = Statement::from_sql_and_values(
        backend,
        match backend {
            DbBackend::Postgres => "SELECT id FROM organisations WHERE tenant_id = $1 AND id = $2",
            _ => "SELECT id FROM organisations WHERE tenant_id = ? AND id = ?",
        },
        [tenant.as_uuid().into(), id.into()],
    );
    conn.query_one_raw(stmt)
        .await
        .map(|row| row.is_some())
        .map_err(|e| e.to_string())
}
