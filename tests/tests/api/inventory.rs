//! The inventory of stored text (issue 13, `peerbro_migration::inventory`) against the
//! migrated PostgreSQL schema, both ways: every text and binary column is classified, and
//! nothing classified is missing. A new column that could hold personal data has to be
//! declared — and a binary one that holds it must be sealed with its subject's key.

use std::collections::BTreeSet;

use peerbro_migration::inventory::{BINARY_COLUMNS, TEXT_COLUMNS};
use peerbro_tests::{Db, fresh_database};
use sea_orm::{ConnectionTrait as _, DbBackend, Statement};

async fn columns(conn: &sea_orm::DatabaseConnection, types: &str) -> BTreeSet<(String, String)> {
    conn.query_all_raw(Statement::from_string(
        DbBackend::Postgres,
        format!(
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = 'public' AND data_type IN ({types})"
        ),
    ))
    .await
    .unwrap()
    .iter()
    .map(|row| (row.try_get("", "t").unwrap(), row.try_get("", "c").unwrap()))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stored_text_is_classified() {
    let Some(db) = Db::postgres() else { return };
    let (_, admin_url, _) = fresh_database(&db).await;
    let admin = peerbro_persistence::Database::connect(admin_url.as_deref().unwrap(), 1)
        .await
        .unwrap();
    admin.migrate().await.unwrap();
    admin.close().await;
    let conn = sea_orm::Database::connect(admin_url.unwrap())
        .await
        .unwrap();

    let text = columns(&conn, "'text', 'character varying', 'character'").await;
    let declared: BTreeSet<(String, String)> = TEXT_COLUMNS
        .iter()
        .map(|(t, c, _)| ((*t).to_owned(), (*c).to_owned()))
        .collect();
    assert_eq!(
        text.difference(&declared).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "text columns missing from migration/src/inventory.rs"
    );
    assert_eq!(
        declared.difference(&text).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "inventory entries with no such text column"
    );

    let binary = columns(&conn, "'bytea'").await;
    let declared: BTreeSet<(String, String)> = BINARY_COLUMNS
        .iter()
        .map(|(t, c, _)| ((*t).to_owned(), (*c).to_owned()))
        .collect();
    assert_eq!(binary, declared, "binary columns and the inventory differ");
    conn.close().await.ok();
}
