//! How much a tenant transaction costs on PostgreSQL: a point look-up in a transaction opened
//! the production way (`BEGIN; SELECT set_config(...)` in one round trip) against sea-orm's
//! `BEGIN` followed by `set_config` as a second statement (ADR 0002).
//!
//! ```text
//! PEERBRO_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo bench -p peerbro-persistence --features testing --bench tenant_tx
//! ```
//! The URL must be a superuser's: the bench creates a scratch database, migrates it, and
//! connects to it as the application role `peerbro_app` (which must be able to log in without
//! a password, or set `PEERBRO_BENCH_APP_PASSWORD`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use criterion::{Criterion, criterion_group, criterion_main};
use peerbro_domain::RequestContext;
use peerbro_domain::ids::TenantId;
use peerbro_domain::tenancy::{
    OrganisationKind, OrganisationName, OrganisationRepository as _, Tenant, TenantRepository as _,
    TenantSlug,
};
use peerbro_persistence::testing::{point_lookup, point_lookup_separate_set_config};
use peerbro_persistence::{Database, SeaOrganisationRepository, SeaTenantRepository};
use sea_orm::ConnectionTrait as _;

fn with_database(url: &str, database: &str, user: Option<&str>) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, _) = rest.split_once('/').unwrap_or((rest, ""));
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let authority = user.map_or_else(|| authority.to_owned(), |u| format!("{u}@{host}"));
    format!("{scheme}://{authority}/{database}")
}

async fn setup(admin_url: &str) -> (Database, TenantId, uuid::Uuid, String) {
    let name = format!("peerbro_bench_{}", uuid::Uuid::new_v4().simple());
    let conn = sea_orm::Database::connect(admin_url).await.unwrap();
    conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    conn.close().await.unwrap();
    let owner = Database::connect(&with_database(admin_url, &name, None), 2)
        .await
        .unwrap();
    owner.migrate().await.unwrap();
    owner.close().await;
    let user = match std::env::var("PEERBRO_BENCH_APP_PASSWORD") {
        Ok(p) => format!("{}:{p}", peerbro_migration::APP_ROLE),
        Err(_) => peerbro_migration::APP_ROLE.to_owned(),
    };
    let db = Database::connect(&with_database(admin_url, &name, Some(&user)), 4)
        .await
        .unwrap();
    let tenant = Tenant::new(
        TenantSlug::parse("bench").unwrap(),
        "Bench",
        "Bench Kommune",
    )
    .unwrap();
    SeaTenantRepository::new(db.clone())
        .create(&tenant)
        .await
        .unwrap();
    let orgs = SeaOrganisationRepository::new(db.clone());
    let ctx = RequestContext::system(tenant.id);
    let mut target = None;
    for i in 0..1000 {
        let org = peerbro_domain::tenancy::Organisation::new(
            OrganisationName::parse(&format!("Organisation {i:04}")).unwrap(),
            OrganisationKind::Other,
        );
        orgs.create(&ctx, &org).await.unwrap();
        if i == 500 {
            target = Some(org.id.as_uuid());
        }
    }
    (db, tenant.id, target.unwrap(), name)
}

fn bench(c: &mut Criterion) {
    let Ok(url) = std::env::var("PEERBRO_BENCH_DATABASE_URL") else {
        println!("PEERBRO_BENCH_DATABASE_URL is not set: nothing to measure");
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (db, tenant, id, name) = rt.block_on(setup(&url));
    let mut group = c.benchmark_group("tenant point look-up");
    group.bench_function("set_config with BEGIN (one round trip)", |b| {
        b.to_async(&rt)
            .iter(|| async { assert!(point_lookup(&db, tenant, id).await.unwrap()) });
    });
    group.bench_function("set_config after BEGIN (sea-orm begin)", |b| {
        b.to_async(&rt).iter(|| async {
            assert!(
                point_lookup_separate_set_config(&db, tenant, id)
                    .await
                    .unwrap()
            );
        });
    });
    group.finish();
    rt.block_on(async {
        db.close().await;
        let conn = sea_orm::Database::connect(url.as_str()).await.unwrap();
        conn.execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .await
            .unwrap();
        conn.close().await.unwrap();
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
