//! PostgreSQL row-level security, proven without the application's `tenant_id` filter: raw
//! statements run in a transaction acting in tenant A, as the application role, cannot see,
//! change or create tenant B's rows. Also: every tenant table has a forced policy, and the
//! server refuses to run as a role that could bypass them.

use peerbro_persistence::testing::{unfiltered_execute, unfiltered_ids};
use peerbro_tests::{Db, TestApp, fresh_database, test_settings};
use sea_orm::{ConnectionTrait as _, DbBackend, Statement};

async fn pg_app() -> Option<TestApp> {
    let db = Db::postgres()?;
    Some(TestApp::spawn(&db).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn row_level_security_holds_when_the_app_filter_is_left_out() {
    let Some(app) = pg_app().await else { return };
    let a = app.tenant_id("helsingor").await;
    let b = app.tenant_id("kobenhavn").await;
    let db = app.app_database().await;

    let seen_by_a = unfiltered_ids(&db, a, "SELECT id FROM organisations")
        .await
        .unwrap();
    let seen_by_b = unfiltered_ids(&db, b, "SELECT id FROM organisations")
        .await
        .unwrap();
    assert_eq!(seen_by_a.len(), 5, "A sees exactly its own organisations");
    assert_eq!(seen_by_b.len(), 5);
    assert!(seen_by_a.iter().all(|id| !seen_by_b.contains(id)));
    let users_seen = unfiltered_ids(&db, a, "SELECT id FROM users")
        .await
        .unwrap();
    assert_eq!(users_seen.len(), 4);
    let memberships = unfiltered_ids(&db, a, "SELECT user_id AS id FROM memberships")
        .await
        .unwrap();
    assert_eq!(memberships.len(), 4);

    let victim = seen_by_b[0];
    let changed = unfiltered_execute(
        &db,
        a,
        &format!("UPDATE organisations SET name = 'x' WHERE id = '{victim}'"),
    )
    .await
    .unwrap();
    assert_eq!(changed, 0, "A cannot update B's row");
    let deleted = unfiltered_execute(&db, a, "DELETE FROM memberships")
        .await
        .unwrap();
    assert_eq!(deleted, 4, "A's delete reaches only A's memberships");
    assert_eq!(
        unfiltered_ids(&db, b, "SELECT user_id AS id FROM memberships")
            .await
            .unwrap()
            .len(),
        4,
        "B's memberships survive"
    );

    let insert = format!(
        "INSERT INTO organisations (tenant_id, id, name, kind, created_at, updated_at) \
         VALUES ('{b}', '{}', 'Smuglet', 'NGO', now(), now())",
        uuid::Uuid::now_v7()
    );
    let err = unfiltered_execute(&db, a, &insert).await.unwrap_err();
    assert!(err.contains("row-level security"), "{err}");
    // Moving one of A's rows into B is refused as well.
    let own = seen_by_a[0];
    let err = unfiltered_execute(
        &db,
        a,
        &format!("UPDATE organisations SET tenant_id = '{b}' WHERE id = '{own}'"),
    )
    .await
    .unwrap_err();
    assert!(err.contains("row-level security"), "{err}");
    db.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_tenant_table_has_a_forced_policy_and_the_app_role_cannot_bypass_it() {
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
    let q = |sql: &str| Statement::from_string(DbBackend::Postgres, sql.to_owned());

    let tables = conn
        .query_all_raw(q(
            "SELECT c.relname::text AS name, c.relrowsecurity, c.relforcerowsecurity, \
             (SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname \
               AND p.qual IS NOT NULL AND (p.with_check IS NOT NULL OR p.cmd = 'SELECT')) AS policies, \
             (SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname \
               AND p.qual LIKE '%app.tenant_id%' AND p.with_check LIKE '%app.tenant_id%') AS tenant_policies \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind = 'r' \
               AND EXISTS (SELECT 1 FROM information_schema.columns col \
                           WHERE col.table_schema = 'public' AND col.table_name = c.relname \
                             AND col.column_name = 'tenant_id')",
        ))
        .await
        .unwrap();
    let mut names = Vec::new();
    for row in &tables {
        let name: String = row.try_get("", "name").unwrap();
        let enabled: bool = row.try_get("", "relrowsecurity").unwrap();
        let forced: bool = row.try_get("", "relforcerowsecurity").unwrap();
        let policies: i64 = row.try_get("", "tenant_policies").unwrap();
        assert!(
            enabled && forced,
            "{name}: row-level security must be enabled and forced"
        );
        assert!(
            policies >= 1,
            "{name}: needs a tenant policy with USING and WITH CHECK"
        );
        names.push(name);
    }
    names.sort();
    let mut expected: Vec<String> = peerbro_migration::TENANT_TABLES
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    expected.sort();
    assert_eq!(
        names, expected,
        "TENANT_TABLES lists every table with a tenant_id"
    );

    // The tenant registry is forced too.
    let row = conn
        .query_one_raw(q(
            "SELECT relforcerowsecurity FROM pg_class WHERE relname = 'tenants'",
        ))
        .await
        .unwrap()
        .unwrap();
    assert!(row.try_get::<bool>("", "relforcerowsecurity").unwrap());

    let role = conn
        .query_one_raw(q(&format!(
            "SELECT rolsuper, rolbypassrls, \
             (SELECT count(*) FROM pg_tables WHERE tableowner = '{0}') AS owned \
             FROM pg_roles WHERE rolname = '{0}'",
            peerbro_migration::APP_ROLE
        )))
        .await
        .unwrap()
        .unwrap();
    assert!(!role.try_get::<bool>("", "rolsuper").unwrap());
    assert!(!role.try_get::<bool>("", "rolbypassrls").unwrap());
    assert_eq!(role.try_get::<i64>("", "owned").unwrap(), 0);
    conn.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_refuses_to_run_as_a_role_that_bypasses_row_level_security() {
    let Some(db) = Db::postgres() else { return };
    let mut settings = test_settings(&db).await;
    settings.database_url = settings.database_admin_url.clone().unwrap();
    let err = peerbro_api::Application::build(&settings)
        .await
        .unwrap_err();
    let message = format!("{err:#}");
    assert!(
        message.contains("row-level security would not hold"),
        "{message}"
    );
}
