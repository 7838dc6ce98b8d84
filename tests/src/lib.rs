//! Test harness: starts the real peerbro server on a random port against a fresh database per
//! test (a SQLite file, or a new PostgreSQL database), seeded with the two demo tenants, and
//! talks HTTP to it.
//!
//! PostgreSQL comes from `PEERBRO_TEST_DATABASE_URL` (a superuser URL; the test command starts
//! a throwaway cluster and sets it). Without it the PostgreSQL variant of each test says so on
//! stderr and passes, unless `PEERBRO_TEST_REQUIRE_POSTGRES=1`, when it fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

pub mod process;
pub mod proxy;
pub mod receiver;

use std::path::PathBuf;

use actix_web::dev::ServerHandle;
use peerbro_api::Settings;
use peerbro_api::startup::Application;
use peerbro_api::state::AppState;
use peerbro_domain::RequestContext;
use peerbro_domain::ids::{TenantId, UserId};
use peerbro_domain::tenancy::{Email, TenantSlug};
use peerbro_persistence::Database;
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};
use tokio::sync::OnceCell;

pub use reqwest::StatusCode;

/// Which database a test runs on.
#[derive(Clone, Debug)]
pub enum Db {
    /// A SQLite file in a fresh temporary folder.
    Sqlite,
    /// A fresh database in the cluster of this superuser URL.
    Postgres(String),
}

impl Db {
    /// PostgreSQL, if configured; `None` (after saying so) when it is not and not required.
    #[must_use]
    pub fn postgres() -> Option<Self> {
        match std::env::var("PEERBRO_TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => Some(Self::Postgres(url)),
            _ => {
                assert!(
                    std::env::var("PEERBRO_TEST_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                    "PEERBRO_TEST_REQUIRE_POSTGRES=1 but PEERBRO_TEST_DATABASE_URL is not set"
                );
                eprintln!(
                    "!!! PostgreSQL variant NOT RUN: PEERBRO_TEST_DATABASE_URL is not set \
                     (use the README's test command)"
                );
                None
            }
        }
    }
}

/// The password the harness gives the application role (harmless under trust auth).
const APP_PASSWORD: &str = "peerbro_app_test";

/// The UUID an id names: the UUID itself (REST, webhooks) or the one inside a GraphQL global id
/// (ADR 0027). Clients treat GraphQL ids as opaque; tests look inside to check that GraphQL,
/// REST and webhooks speak of the same object.
///
/// # Panics
/// When `id` is neither.
#[must_use]
pub fn uuid_of(id: &str) -> String {
    try_uuid_of(id).unwrap_or_else(|| panic!("not an id: {id}"))
}

fn try_uuid_of(id: &str) -> Option<String> {
    use base64::Engine as _;
    if uuid::Uuid::parse_str(id).is_ok() {
        return Some(id.to_owned());
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (_, uuid) = text.split_once(':')?;
    uuid::Uuid::parse_str(uuid).ok().map(|_| uuid.to_owned())
}

/// Whether a JSON answer names the object `id` names anywhere: bare, or inside any global id
/// (as any type). For checks that something is absent, which a plain string search would pass
/// vacuously when one side is a global id and the other a UUID.
#[must_use]
pub fn mentions(value: &serde_json::Value, id: &str) -> bool {
    let wanted = uuid_of(id);
    match value {
        serde_json::Value::String(s) => {
            s.contains(&wanted) || try_uuid_of(s).is_some_and(|u| u == wanted)
        }
        serde_json::Value::Array(items) => items.iter().any(|v| mentions(v, id)),
        serde_json::Value::Object(map) => map.values().any(|v| mentions(v, id)),
        _ => false,
    }
}

/// Replaces the database name (the path) of a PostgreSQL URL, and optionally the user.
#[must_use]
pub fn pg_url(base: &str, database: &str, user: Option<(&str, &str)>) -> String {
    let (scheme, rest) = base.split_once("://").expect("URL has a scheme");
    let (authority, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let query = tail
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let authority = match user {
        Some((u, p)) => format!("{u}:{p}@{host}"),
        None => authority.to_owned(),
    };
    format!("{scheme}://{authority}/{database}{query}")
}

static APP_ROLE_READY: OnceCell<()> = OnceCell::const_new();

/// Creates the application role once per test process and gives it the harness password.
async fn ensure_app_role(admin_url: &str) {
    APP_ROLE_READY
        .get_or_init(|| async {
            let conn = sea_orm::Database::connect(admin_url)
                .await
                .expect("connect as admin");
            let role = peerbro_migration::APP_ROLE;
            conn.execute_unprepared(&format!(
                "DO $$ BEGIN
                   IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
                     CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS;
                   END IF;
                 EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                 END $$;
                 ALTER ROLE {role} PASSWORD '{APP_PASSWORD}';"
            ))
            .await
            .expect("create the application role");
            conn.close().await.ok();
        })
        .await;
}

/// A fresh, migrated database; returns (app URL, admin URL).
pub async fn fresh_database(db: &Db) -> (String, Option<String>, Option<PathBuf>) {
    match db {
        Db::Sqlite => {
            let dir = std::env::temp_dir()
                .join(format!("peerbro-test-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&dir).unwrap();
            let url = format!("sqlite://{}?mode=rwc", dir.join("peerbro.db").display());
            (url, None, Some(dir))
        }
        Db::Postgres(admin) => {
            ensure_app_role(admin).await;
            let name = format!("peerbro_test_{}", uuid::Uuid::new_v4().simple());
            let conn = sea_orm::Database::connect(admin.as_str())
                .await
                .expect("connect as admin");
            conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            conn.close().await.ok();
            let admin_url = pg_url(admin, &name, None);
            let app_url = pg_url(
                admin,
                &name,
                Some((peerbro_migration::APP_ROLE, APP_PASSWORD)),
            );
            (app_url, Some(admin_url), None)
        }
    }
}

/// Writes a fresh master key file into `dir`.
fn master_key_file(dir: &std::path::Path) -> PathBuf {
    let path = dir.join("master.key");
    peerbro_api::secrets::load_or_create_key(&path).unwrap();
    path
}

/// Settings for a test server on `db`: port 0, one worker, small pool, demo seed on.
pub async fn test_settings(db: &Db) -> Settings {
    let (url, admin, dir) = fresh_database(db).await;
    let dir = dir.unwrap_or_else(|| {
        let d =
            std::env::temp_dir().join(format!("peerbro-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&d).unwrap();
        d
    });
    Settings {
        database_url: url,
        database_admin_url: admin,
        database_max_connections: 4,
        listen: "127.0.0.1:0".parse().unwrap(),
        demo_seed: Some(true),
        jwt_dev_key_file: Some(dir.join("jwt.dev-key")),
        master_key_file: Some(master_key_file(&dir)),
        workers: Some(1),
        shutdown_timeout_seconds: 5,
        // Every test talks from 127.0.0.1 and fast: limits that only the rate-limit tests
        // (which set their own) can reach.
        rate_limit_per_second: 10_000,
        rate_limit_burst: 10_000,
        rate_limit_anonymous_per_second: 10_000,
        rate_limit_anonymous_burst: 10_000,
        rate_limit_token_per_minute: 10_000,
        chat_starts_per_hour: 10_000,
        chat_session_per_minute: 10_000,
        // No background chat expiry unless a test asks for it (chat_expiry.rs).
        chat_expiry_seconds: 0,
        ..Settings::default()
    }
}

/// A running test server.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// `http://127.0.0.1:PORT` of `/metrics` when it has an address of its own.
    pub metrics_address: Option<String>,
    /// An HTTP client.
    pub client: reqwest::Client,
    /// The settings it runs with.
    pub settings: Settings,
    state: AppState,
    handle: ServerHandle,
    task: Option<tokio::task::JoinHandle<anyhow::Result<peerbro_api::startup::ShutdownReport>>>,
}

impl TestApp {
    /// Starts a server on a fresh database.
    pub async fn spawn(db: &Db) -> Self {
        let settings = test_settings(db).await;
        Self::spawn_with(settings).await
    }

    /// Starts a server with `settings`.
    pub async fn spawn_with(settings: Settings) -> Self {
        peerbro_api::startup::install_crypto_provider();
        let app = Application::build(&settings).await.expect("the app starts");
        let address = format!("http://127.0.0.1:{}", app.port());
        let metrics_address = app.metrics_port().map(|p| format!("http://127.0.0.1:{p}"));
        let state = app.state().clone();
        let handle = app.handle();
        let task = tokio::spawn(app.run_until_stopped(false));
        Self {
            address,
            metrics_address,
            client: reqwest::Client::new(),
            settings,
            state,
            handle,
            task: Some(task),
        }
    }

    /// Stops the server but keeps its database and files, returning its settings so that
    /// another server can start on the same data (a restart).
    pub async fn halt(mut self) -> Settings {
        self.handle.stop(true).await;
        if let Some(task) = self.task.take() {
            task.await
                .expect("server task")
                .expect("server stopped cleanly");
        }
        self.settings.clone()
    }

    /// Stops the server gracefully, closes its pool, and removes the test's database (on a
    /// configured PostgreSQL) and temporary folder.
    pub async fn stop(mut self) {
        self.handle.stop(true).await;
        if let Some(task) = self.task.take() {
            task.await
                .expect("server task")
                .expect("server stopped cleanly");
        }
        drop_test_database(&self.settings).await;
        if let Some(dir) = self
            .settings
            .jwt_dev_key_file
            .as_ref()
            .and_then(|f| f.parent())
            && dir.starts_with(std::env::temp_dir())
            && dir.to_string_lossy().contains("peerbro-test-")
        {
            std::fs::remove_dir_all(dir).ok();
        }
    }

    /// The id of the tenant with `slug`.
    pub async fn tenant_id(&self, slug: &str) -> TenantId {
        self.state
            .services
            .tenancy
            .find_tenant_by_slug(&TenantSlug::parse(slug).unwrap())
            .await
            .unwrap()
            .expect("tenant exists")
            .id
    }

    /// The user with `email` in the tenant `slug`.
    async fn user(&self, slug: &str, email: &str) -> peerbro_domain::tenancy::User {
        let tenant = self.tenant_id(slug).await;
        self.state
            .services
            .tenancy
            .find_user_by_email(
                &RequestContext::system(tenant),
                &Email::parse(email).unwrap(),
            )
            .await
            .unwrap()
            .expect("user exists")
    }

    /// The id of the user with `email` in the tenant `slug`.
    pub async fn user_id(&self, slug: &str, email: &str) -> UserId {
        self.user(slug, email).await.id
    }

    /// A valid token for `email` in tenant `slug`, signed with the server's key, naming the
    /// person by the identity-provider subject their membership is linked to (if any).
    pub async fn token(&self, slug: &str, email: &str) -> String {
        let tenant = self.tenant_id(slug).await;
        let user = self.user(slug, email).await;
        let identity = user.idp_subject.as_ref().map(|s| s.as_str());
        self.state
            .auth
            .mint(tenant, user.id, None, identity, 600)
            .unwrap()
    }

    /// A valid token for the user `user` of tenant `slug`, found by id, not by address (for a
    /// database whose addresses this server cannot open).
    pub async fn token_for(&self, slug: &str, user: UserId) -> String {
        let tenant = self.tenant_id(slug).await;
        self.state.auth.mint(tenant, user, None, None, 600).unwrap()
    }

    /// A valid token for `email` in tenant `slug` naming the person by `identity`, whatever
    /// their membership is linked to.
    pub async fn token_naming(&self, slug: &str, email: &str, identity: Option<&str>) -> String {
        let tenant = self.tenant_id(slug).await;
        let user = self.user_id(slug, email).await;
        self.state
            .auth
            .mint(tenant, user, None, identity, 600)
            .unwrap()
    }

    /// A token exchange (RFC 8693) of `subject_token` for a token of the tenant `audience`.
    pub async fn exchange_token(&self, subject_token: &str, audience: &str) -> Answer {
        let body = format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange\
             &subject_token={subject_token}\
             &subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token\
             &audience={audience}"
        );
        let res = self
            .request(reqwest::Method::POST, "/api/v1/oauth/token")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        Answer::of(res).await
    }

    /// The demo admin's token of tenant `slug`.
    pub async fn admin(&self, slug: &str) -> String {
        self.token(slug, &format!("admin@{slug}.demo")).await
    }

    /// POSTs a GraphQL request; returns the status and the JSON body.
    pub async fn gql(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (StatusCode, Value) {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status();
        (status, res.json().await.expect("JSON body"))
    }

    /// A GraphQL request expected to succeed: returns `data`.
    pub async fn gql_ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let (status, body) = self.gql(token, query, variables).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body.get("errors").is_none(), "unexpected errors: {body}");
        body["data"].clone()
    }

    /// A GraphQL request expected to fail: returns the first error's `extensions.code`.
    pub async fn gql_code(&self, token: Option<&str>, query: &str, variables: Value) -> String {
        let (status, body) = self.gql(token, query, variables).await;
        assert!(
            status.is_client_error() || status == StatusCode::OK,
            "{status}: {body}"
        );
        body["errors"][0]["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error code in {body}"))
            .to_owned()
    }

    /// A raw request builder for `path`.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.address))
    }

    /// The id of the first node of connection `list` (answered by `query`) whose field `key`
    /// is `value`.
    ///
    /// # Panics
    /// When none is.
    pub async fn id_where(
        &self,
        token: &str,
        query: &str,
        list: &str,
        key: &str,
        value: &str,
    ) -> String {
        let data = self.gql_ok(Some(token), query, serde_json::json!({})).await;
        data[list]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["node"][key] == value)
            .unwrap_or_else(|| panic!("no {value} in {data}"))["node"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The purposes of the audited reads of `subject`, oldest first (as the tenant admin
    /// `admin` sees them in the audit log).
    pub async fn audit_reads(&self, admin: &str, subject: &str) -> Vec<String> {
        self.gql_ok(
            Some(admin),
            "query($s: ID) { auditEntries(subjectId: $s, first: 100) { nodes { action purpose } } }",
            serde_json::json!({ "s": subject }),
        )
        .await["auditEntries"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "READ")
            .map(|e| e["purpose"].as_str().unwrap().to_owned())
            .collect()
    }

    /// (transactions, round trips) the server has counted so far (its own metrics).
    ///
    /// # Panics
    /// When the metrics lack them.
    pub async fn db_traffic(&self) -> (u64, u64) {
        let body = self.scrape_metrics().await;
        let value = |name: &str| {
            body.lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or_else(|| panic!("{name} missing from /metrics"))
        };
        (
            value("peerbro_db_transactions_total "),
            value("peerbro_db_round_trips_total "),
        )
    }

    /// The database work (transactions, round trips) one GraphQL request costs; run it with
    /// nothing in the background (no webhook worker, no audit sealing).
    pub async fn db_cost(&self, token: &str, query: &str, variables: Value) -> (u64, u64) {
        let before = self.db_traffic().await;
        self.gql_ok(Some(token), query, variables).await;
        let after = self.db_traffic().await;
        (after.0 - before.0, after.1 - before.1)
    }

    /// Runs `sql` as the schema owner (bypassing the application: tampering, dumps).
    pub async fn owner_execute(&self, sql: &str) -> u64 {
        let url = self
            .settings
            .database_admin_url
            .clone()
            .unwrap_or_else(|| self.settings.database_url.clone());
        let conn = sea_orm::Database::connect(url).await.unwrap();
        let result = conn.execute_unprepared(sql).await.unwrap();
        conn.close().await.ok();
        result.rows_affected()
    }

    /// The UUID `id` as an SQL literal its database compares an id column with (PostgreSQL's
    /// text form; SQLite stores UUIDs as 16-byte blobs).
    #[must_use]
    pub fn id_sql(&self, id: &str) -> String {
        if self.settings.database_admin_url.is_some() {
            format!("'{id}'")
        } else {
            format!("X'{}'", id.replace('-', ""))
        }
    }

    /// The rows of `sql` (a `SELECT` returning one text column `v`), read as the schema owner.
    pub async fn owner_texts(&self, sql: &str) -> Vec<String> {
        let url = self
            .settings
            .database_admin_url
            .clone()
            .unwrap_or_else(|| self.settings.database_url.clone());
        texts_at(&url, sql).await
    }

    /// Every byte the database holds, as a dump would: `pg_dump` of the PostgreSQL database, or
    /// the SQLite file with its write-ahead log.
    pub async fn dump(&self) -> Vec<u8> {
        if let Some(admin) = &self.settings.database_admin_url {
            let pg_dump = pg_dump_binary().expect("pg_dump is installed beside PostgreSQL");
            let out = std::process::Command::new(pg_dump)
                .args(["--no-owner", "--data-only", admin])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            return out.stdout;
        }
        let file = self.settings.sqlite_file().unwrap();
        let mut bytes = std::fs::read(&file).unwrap();
        let mut wal = file.into_os_string();
        wal.push("-wal");
        if let Ok(more) = std::fs::read(PathBuf::from(wal)) {
            bytes.extend(more);
        }
        bytes
    }

    /// A backup of the whole database as an operator takes one — `pg_dump` restored with
    /// `pg_restore` into a new database, or SQLite's `VACUUM INTO` a new file — and the
    /// settings that serve it with this server's master key and keyring (no migration, no
    /// seed). Drop it with [`drop_test_database`].
    pub async fn backup_copy(&self) -> Settings {
        let mut settings = self.settings.clone();
        settings.auto_migrate = false;
        settings.demo_seed = Some(false);
        if let Some(admin) = &self.settings.database_admin_url {
            let pg_dump = pg_dump_binary().expect("pg_dump is installed beside PostgreSQL");
            let file = std::env::temp_dir().join(format!(
                "peerbro-backup-{}.dump",
                uuid::Uuid::new_v4().simple()
            ));
            let run = |cmd: &mut std::process::Command| {
                let out = cmd.output().unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            };
            run(std::process::Command::new(&pg_dump)
                .args(["--format=custom", "--file"])
                .arg(&file)
                .arg(admin));
            let base = std::env::var("PEERBRO_TEST_DATABASE_URL").unwrap();
            let name = format!("peerbro_test_{}", uuid::Uuid::new_v4().simple());
            let conn = sea_orm::Database::connect(base.as_str()).await.unwrap();
            conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .unwrap();
            conn.close().await.ok();
            let restored = pg_url(&base, &name, None);
            run(
                std::process::Command::new(pg_dump.with_file_name("pg_restore"))
                    .args(["--no-owner", "--exit-on-error", "--dbname", &restored])
                    .arg(&file),
            );
            std::fs::remove_file(&file).ok();
            settings.database_url = pg_url(
                &base,
                &name,
                Some((peerbro_migration::APP_ROLE, APP_PASSWORD)),
            );
            settings.database_admin_url = Some(restored);
        } else {
            let file = self.settings.sqlite_file().unwrap();
            let copy = file.with_file_name(format!("backup-{}.db", uuid::Uuid::new_v4().simple()));
            self.owner_execute(&format!("VACUUM INTO '{}'", copy.display()))
                .await;
            settings.database_url = format!("sqlite://{}?mode=rwc", copy.display());
        }
        settings
    }

    /// `GET /metrics`: the OpenMetrics text (asserting the status and the content type).
    pub async fn scrape_metrics(&self) -> String {
        let res = self
            .request(reqwest::Method::GET, "/metrics")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/openmetrics-text")
        );
        res.text().await.unwrap()
    }

    /// An app-role connection to the same database, for raw isolation checks.
    pub async fn app_database(&self) -> Database {
        Database::connect(&self.settings.database_url, 2)
            .await
            .unwrap()
    }
}

/// Drops the test database of `settings` (on a configured PostgreSQL; a SQLite file goes with
/// its folder).
pub async fn drop_test_database(settings: &Settings) {
    if let (Some(admin), Ok(base)) = (
        &settings.database_admin_url,
        std::env::var("PEERBRO_TEST_DATABASE_URL"),
    ) {
        let name = admin.rsplit('/').next().unwrap_or_default();
        let name = name.split('?').next().unwrap_or_default();
        if name.starts_with("peerbro_test_") {
            let conn = sea_orm::Database::connect(base.as_str()).await.unwrap();
            conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .unwrap();
            conn.close().await.ok();
        }
    }
}

/// An HTTP answer as a test looks at it.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The `Retry-After` header.
    pub retry_after: Option<String>,
    /// The JSON body (`null` when there is none).
    pub body: Value,
}

impl Answer {
    async fn of(res: reqwest::Response) -> Self {
        let status = res.status();
        let retry_after = res
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = res.json().await.unwrap_or(Value::Null);
        Self {
            status,
            retry_after,
            body,
        }
    }
}

impl TestApp {
    /// `GET path`, with a bearer token if given.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        let mut req = self.request(reqwest::Method::GET, path);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Answer::of(req.send().await.unwrap()).await
    }

    /// A token request with HTTP Basic client credentials.
    pub async fn client_token(&self, client_id: &str, secret: &str) -> Answer {
        let res = self
            .request(reqwest::Method::POST, "/api/v1/oauth/token")
            .basic_auth(client_id, Some(secret))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .unwrap();
        Answer::of(res).await
    }

    /// Registers an API client for the first organisation of the admin's tenant; returns its
    /// id and its client id.
    pub async fn register_api_client(&self, admin: &str) -> (String, String) {
        let org = self
            .gql_ok(
                Some(admin),
                "{ organisations(first: 1) { edges { node { id } } } }",
                json!({}),
            )
            .await["organisations"]["edges"][0]["node"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let client = self
            .gql_ok(
                Some(admin),
                "mutation($o: ID!) { registerApiClient(input: { organisationId: $o, name: \"Partner\" }) { client { id clientId } } }",
                json!({ "o": org }),
            )
            .await;
        let client = &client["registerApiClient"]["client"];
        (
            client["id"].as_str().unwrap().to_owned(),
            client["clientId"].as_str().unwrap().to_owned(),
        )
    }
}

/// Row locks held by the schema owner in an open transaction, until released (PostgreSQL:
/// the way a long transaction or a stuck client blocks others).
pub struct HeldLocks {
    tx: sea_orm::DatabaseTransaction,
    conn: sea_orm::DatabaseConnection,
}

impl HeldLocks {
    /// Rolls the transaction back, releasing the locks.
    pub async fn release(self) {
        self.tx.rollback().await.unwrap();
        self.conn.close().await.ok();
    }
}

impl TestApp {
    /// Opens an owner transaction that runs `sql` (a `SELECT … FOR UPDATE`) and keeps its
    /// locks until [`HeldLocks::release`].
    pub async fn hold_locks(&self, sql: &str) -> HeldLocks {
        let url = self
            .settings
            .database_admin_url
            .clone()
            .expect("row locks need PostgreSQL");
        hold_locks_at(&url, sql).await
    }

    /// Everything the database holds, in a form that compares equal when nothing changed: a
    /// data-only `pg_dump`, or on SQLite every row of every table quoted, in rowid order.
    pub async fn data_snapshot(&self) -> String {
        if self.settings.database_admin_url.is_some() {
            // pg_dump brackets its output with a random \restrict key on every run.
            return String::from_utf8(self.dump().await)
                .unwrap()
                .lines()
                .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
                .collect::<Vec<_>>()
                .join("\n");
        }
        let tables = self
            .owner_texts(
                "SELECT name AS v FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .await;
        let mut out = String::new();
        for table in tables {
            let columns = self
                .owner_texts(&format!(
                    "SELECT name AS v FROM pragma_table_info('{table}') ORDER BY cid"
                ))
                .await;
            let row = columns
                .iter()
                .map(|c| format!("quote(\"{c}\")"))
                .collect::<Vec<_>>()
                .join(" || ',' || ");
            for line in self
                .owner_texts(&format!(
                    "SELECT {row} AS v FROM \"{table}\" ORDER BY rowid"
                ))
                .await
            {
                out.push_str(&table);
                out.push(':');
                out.push_str(&line);
                out.push('\n');
            }
        }
        out
    }
}

/// [`TestApp::hold_locks`] on the database at `url`.
pub async fn hold_locks_at(url: &str, sql: &str) -> HeldLocks {
    use sea_orm::TransactionTrait as _;
    let conn = sea_orm::Database::connect(url).await.unwrap();
    let tx = conn.begin().await.unwrap();
    tx.execute_unprepared(sql).await.unwrap();
    HeldLocks { tx, conn }
}

/// Waits (up to 20 s) until at least `n` sessions of the database at `url` wait for a lock:
/// the requests a test blocked have arrived. Panics past the wait.
pub async fn wait_for_lock_waiters(url: &str, n: usize) {
    let sql = "SELECT CAST(count(*) AS TEXT) AS v FROM pg_stat_activity \
               WHERE wait_event_type = 'Lock' AND datname = current_database()";
    for _ in 0..200 {
        let waiting: usize = texts_at(url, sql).await[0].parse().unwrap();
        if waiting >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{n} blocked sessions were expected");
}

impl TestApp {
    /// [`wait_for_lock_waiters`] on this server's database.
    pub async fn wait_for_lock_waiters(&self, n: usize) {
        let url = self.settings.database_admin_url.clone().unwrap();
        wait_for_lock_waiters(&url, n).await;
    }
}

/// The rows of `sql` (one text column `v`) on the database at `url`.
pub async fn texts_at(url: &str, sql: &str) -> Vec<String> {
    let conn = sea_orm::Database::connect(url).await.unwrap();
    let backend = conn.get_database_backend();
    let rows = conn
        .query_all_raw(sea_orm::Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap();
    conn.close().await.ok();
    rows.iter()
        .map(|r| r.try_get::<String>("", "v").unwrap())
        .collect()
}

/// The socket address of a PostgreSQL URL (`postgres://user@host:port/db`).
#[must_use]
pub fn pg_address(url: &str) -> std::net::SocketAddr {
    let rest = url.split_once("://").unwrap().1;
    let authority = rest.split('/').next().unwrap();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    };
    std::net::ToSocketAddrs::to_socket_addrs(&host)
        .unwrap()
        .next()
        .unwrap()
}

/// The newest `pg_dump` on the machine.
fn pg_dump_binary() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .map(|d| d.path().join("bin/pg_dump"))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found.pop().or_else(|| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join("pg_dump"))
                .find(|p| p.exists())
        })
    })
}

/// Runs a test body on SQLite and on PostgreSQL: `on_both!(name, other_name, …)` expects
/// `async fn name(db: Db)` in scope and makes `name::sqlite` and `name::postgres` tests.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::Db::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(db) = $crate::Db::postgres() {
                        super::$name(db).await;
                    }
                }
            }
        )*
    };
}

/// Runs a test body on PostgreSQL only (what SQLite cannot show: row locks, a database behind
/// a network): `on_postgres!(name, …)` makes `name::postgres`.
#[macro_export]
macro_rules! on_postgres {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(db) = $crate::Db::postgres() {
                        super::$name(db).await;
                    }
                }
            }
        )*
    };
}

/// A GraphQL request that owns what it needs, to run on its own task.
pub async fn post_graphql(
    client: reqwest::Client,
    address: String,
    token: String,
    query: &'static str,
    variables: Value,
) -> Answer {
    let res = client
        .post(format!("{address}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request sent");
    Answer::of(res).await
}

impl TestApp {
    /// Starts `n` copies of one GraphQL request at once, each on its own task.
    pub fn spawn_requests(
        &self,
        n: usize,
        token: &str,
        query: &'static str,
        variables: &Value,
    ) -> Vec<tokio::task::JoinHandle<Answer>> {
        (0..n)
            .map(|_| {
                tokio::spawn(post_graphql(
                    self.client.clone(),
                    self.address.clone(),
                    token.to_owned(),
                    query,
                    variables.clone(),
                ))
            })
            .collect()
    }
}
