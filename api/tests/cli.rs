//! The `peerbro` binary as a user runs it: the README's first command, configuration errors,
//! token minting, seeding and shutdown on SIGTERM.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn workdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("peerbro-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn peerbro(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_peerbro"));
    cmd.current_dir(dir).args(args);
    cmd.env_remove("PEERBRO_DATABASE_URL")
        .env_remove("PEERBRO_LISTEN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/jwt")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn the_schema_command_prints_the_committed_sdl() {
    let out = peerbro(&workdir(), &["schema"], &[]);
    assert!(out.status.success());
    let committed =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema.graphql"))
            .unwrap();
    assert!(
        String::from_utf8(out.stdout).unwrap() == committed,
        "schema.graphql is stale"
    );
}

#[test]
fn a_bad_setting_stops_start_up_and_names_the_variable() {
    let dir = workdir();
    for (var, value) in [
        ("PEERBRO_LISTEN", "not-an-address"),
        ("PEERBRO_DATABASE_MAX_CONNECTIONS", "many"),
        ("PEERBRO_DATABASE_URL", "mysql://x"),
        ("PEERBRO_LOG_FORMAT", "xml"),
        ("PEERBRO_JWT_ALGORITHM", "HS256"),
        ("PEERBRO_WORKERS", "0"),
    ] {
        let out = peerbro(&dir, &["serve"], &[(var, value)]);
        assert!(!out.status.success(), "{var}={value} must stop start-up");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(var), "{var}: {stderr}");
    }
    let out = peerbro(&dir, &["serve"], &[("PEERBRO_LISTN", "127.0.0.1:1")]);
    assert!(!out.status.success(), "a misspelt variable is refused");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("listn"), "{stderr}");
}

#[test]
fn token_refuses_without_a_signing_key() {
    let dir = workdir();
    // In a data folder (a database file is there), so that only the key is missing.
    std::fs::write(dir.join("peerbro.db"), b"").unwrap();
    let env = [
        ("PEERBRO_JWT_ALGORITHM", "EdDSA"),
        (
            "PEERBRO_JWT_PUBLIC_KEY_FILE",
            &fixture("ed25519-public.pem") as &str,
        ),
    ];
    let out = peerbro(
        &dir,
        &[
            "token",
            "--tenant",
            "helsingor",
            "--user",
            "admin@helsingor.demo",
        ],
        &env,
    );
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no token printed");
    assert!(String::from_utf8_lossy(&out.stderr).contains("PEERBRO_JWT_PRIVATE_KEY_FILE"));

    let out = peerbro(
        &dir,
        &[
            "token",
            "--tenant",
            "helsingor",
            "--user",
            "admin@helsingor.demo",
        ],
        &[("PEERBRO_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no JWT verification key is configured"));
}

#[test]
fn seeding_twice_creates_nothing_the_second_time() {
    let dir = workdir();
    assert!(peerbro(&dir, &["migrate"], &[]).status.success());
    let first = peerbro(&dir, &["seed", "--demo"], &[]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        String::from_utf8(first.stdout).unwrap().trim(),
        "demo seed: 3 tenants, 11 organisations, 10 users, 6 citizens, 8 peer workers, 8 offers created"
    );
    let second = peerbro(&dir, &["seed", "--demo"], &[]);
    assert_eq!(
        String::from_utf8(second.stdout).unwrap().trim(),
        "demo seed: 0 tenants, 0 organisations, 0 users, 0 citizens, 0 peer workers, 0 offers created"
    );
}

#[tokio::test]
async fn audit_verify_reports_each_tenant_and_fails_on_a_tampered_entry() {
    use sea_orm::ConnectionTrait as _;
    let dir = workdir();
    assert!(peerbro(&dir, &["migrate"], &[]).status.success());
    assert!(peerbro(&dir, &["seed", "--demo"], &[]).status.success());
    let out = peerbro(&dir, &["audit", "verify"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("helsingor: intact") && stdout.contains("kobenhavn: intact"),
        "{stdout}"
    );

    let url = format!("sqlite://{}?mode=rw", dir.join("peerbro.db").display());
    let conn = sea_orm::Database::connect(url).await.unwrap();
    let changed = conn
        .execute_unprepared(
            "UPDATE audit_entries SET action = 'UPDATE' WHERE seq = 3 AND tenant_id = \
             (SELECT id FROM tenants WHERE slug = 'kobenhavn')",
        )
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 1);
    conn.close().await.unwrap();

    let out = peerbro(&dir, &["audit", "verify"], &[]);
    assert!(!out.status.success(), "a tampered chain fails the command");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("helsingor: intact"), "{stdout}");
    assert!(
        stdout.contains("kobenhavn: BROKEN at entry 3: entry was altered"),
        "{stdout}"
    );
    let out = peerbro(&dir, &["audit", "verify", "--tenant", "helsingor"], &[]);
    assert!(out.status.success());
}

/// Deletes the newest audit entry of the tenant `slug` in the SQLite database of `dir`, as an
/// attacker with the database would.
async fn drop_newest_audit_entry(dir: &Path, slug: &str) {
    use sea_orm::ConnectionTrait as _;
    let url = format!("sqlite://{}?mode=rw", dir.join("peerbro.db").display());
    let conn = sea_orm::Database::connect(url).await.unwrap();
    let tenant = format!("(SELECT id FROM tenants WHERE slug = '{slug}')");
    let gone = conn
        .execute_unprepared(&format!(
            "DELETE FROM audit_entries WHERE tenant_id = {tenant} AND seq = \
             (SELECT MAX(seq) FROM audit_entries WHERE tenant_id = {tenant})"
        ))
        .await
        .unwrap();
    assert_eq!(gone.rows_affected(), 1);
    conn.close().await.unwrap();
}

/// The newest entries cannot vanish unnoticed: a signed anchor of every chain's head, taken
/// before, shows the truncation that the chain alone cannot (what is left still links up); an
/// altered anchor is refused.
#[tokio::test]
async fn an_anchor_detects_a_truncated_audit_tail() {
    let dir = workdir();
    assert!(peerbro(&dir, &["migrate"], &[]).status.success());
    assert!(peerbro(&dir, &["seed", "--demo"], &[]).status.success());
    let out = peerbro(&dir, &["audit", "anchor", "--out", "anchor.jws"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let jws = std::fs::read_to_string(dir.join("anchor.jws")).unwrap();
    assert_eq!(jws.trim().split('.').count(), 3, "a compact JWS: {jws}");
    let out = peerbro(&dir, &["audit", "verify", "--anchor", "anchor.jws"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("kobenhavn: intact")
    );

    // The newest entry of one tenant is deleted: the chain alone still verifies.
    drop_newest_audit_entry(&dir, "kobenhavn").await;
    let out = peerbro(&dir, &["audit", "verify"], &[]);
    assert!(
        out.status.success(),
        "without the anchor the gap is invisible"
    );
    let out = peerbro(&dir, &["audit", "verify", "--anchor", "anchor.jws"], &[]);
    assert!(!out.status.success(), "the anchor shows the truncation");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("kobenhavn: TRUNCATED"), "{stdout}");
    assert!(stdout.contains("helsingor: intact"), "{stdout}");

    // An anchor with one character changed is refused, whatever the chain.
    let mut forged = jws.trim().to_owned().into_bytes();
    let at = forged.len() / 2;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(dir.join("forged.jws"), forged).unwrap();
    let out = peerbro(&dir, &["audit", "verify", "--anchor", "forged.jws"], &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("anchor"), "{stderr}");
}

/// The README's first command: `peerbro serve` on the embedded default prints the GraphiQL
/// address and a demo token that answers `me`; `peerbro token` mints another; SIGTERM stops it.
#[tokio::test]
async fn serve_on_the_embedded_default_prints_a_working_demo_token_and_stops_on_sigterm() {
    let dir = workdir();
    let mut child = Command::new(env!("CARGO_BIN_EXE_peerbro"))
        .current_dir(&dir)
        .arg("serve")
        .env_remove("PEERBRO_DATABASE_URL")
        .env("PEERBRO_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            let done = line.contains("Bearer ");
            lines.push(line);
            if done {
                break;
            }
        }
        lines
    });
    let lines = tokio::time::timeout(Duration::from_secs(60), lines)
        .await
        .unwrap()
        .unwrap();
    let graphiql = lines
        .iter()
        .find_map(|l| l.strip_prefix("GraphiQL: "))
        .expect("GraphiQL address printed");
    let base = graphiql.trim_end_matches("/graphql").to_owned();
    let token = lines
        .last()
        .and_then(|l| l.split("Bearer ").nth(1))
        .map(|t| t.trim_end_matches("\"}").to_owned())
        .expect("demo token printed");
    assert!(
        dir.join("peerbro.db").exists(),
        "the SQLite file is in the working directory"
    );
    assert!(
        dir.join("peerbro.db.dev-key").exists(),
        "the dev key is kept beside it"
    );

    peerbro_api::startup::install_crypto_provider();
    let client = reqwest::Client::new();
    let me = |token: String| {
        let client = client.clone();
        let url = format!("{base}/graphql");
        async move {
            let body: serde_json::Value = client
                .post(url)
                .bearer_auth(token)
                .json(&serde_json::json!({ "query": "{ me { email } tenant { slug } }" }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            body
        }
    };
    let body = me(token).await;
    assert_eq!(
        body["data"]["me"]["email"], "admin@helsingor.demo",
        "{body}"
    );
    assert_eq!(body["data"]["tenant"]["slug"], "helsingor");

    let out = peerbro(
        &dir,
        &[
            "token",
            "--tenant",
            "kobenhavn",
            "--user",
            "peer@kobenhavn.demo",
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body = me(String::from_utf8(out.stdout).unwrap().trim().to_owned()).await;
    assert_eq!(body["data"]["me"]["email"], "peer@kobenhavn.demo", "{body}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || child.wait().unwrap());
    let exit = tokio::time::timeout(Duration::from_secs(30), exit)
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "exits cleanly on SIGTERM: {exit:?}");
}

/// A minimal OTLP/HTTP receiver: answers every request 200 and hands the bodies over.
fn otlp_receiver() -> (String, std::sync::mpsc::Receiver<Vec<u8>>) {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            let body = loop {
                let Ok(n) = stream.read(&mut chunk) else {
                    break None;
                };
                if n == 0 {
                    break None;
                }
                buf.extend_from_slice(&chunk[..n]);
                let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                    continue;
                };
                let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if buf.len() >= end + 4 + len {
                    break Some(buf[end + 4..end + 4 + len].to_vec());
                }
            };
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n");
            if let Some(body) = body
                && tx.send(body).is_err()
            {
                return;
            }
        }
    });
    (address, rx)
}

/// No personal data in logs or exported traces: a user is invited with a distinctive name and
/// e-mail; the JSON logs and the OTLP spans are searched for them.
#[tokio::test]
async fn personal_data_stays_out_of_logs_and_traces() {
    let dir = workdir();
    let (endpoint, spans) = otlp_receiver();
    let mut child = Command::new(env!("CARGO_BIN_EXE_peerbro"))
        .current_dir(&dir)
        .arg("serve")
        .env_remove("PEERBRO_DATABASE_URL")
        .env("PEERBRO_LISTEN", "127.0.0.1:0")
        .env("PEERBRO_LOG_FORMAT", "json")
        .env("PEERBRO_LOG_LEVEL", "debug")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let logs = std::thread::spawn(move || {
        let mut all = String::new();
        std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut all).unwrap();
        all
    });
    let lines = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map(Result::unwrap)
            .take_while(|l| !l.contains("Bearer "))
            .chain(std::iter::once(String::new()))
            .collect::<Vec<_>>()
    });
    let lines = tokio::time::timeout(Duration::from_secs(60), lines)
        .await
        .unwrap()
        .unwrap();
    let base = lines
        .iter()
        .find_map(|l| l.strip_prefix("GraphiQL: "))
        .unwrap()
        .trim_end_matches("/graphql")
        .to_owned();
    let token = String::from_utf8(
        peerbro(
            &dir,
            &[
                "token",
                "--tenant",
                "helsingor",
                "--user",
                "admin@helsingor.demo",
            ],
            &[],
        )
        .stdout,
    )
    .unwrap();
    peerbro_api::startup::install_crypto_provider();
    let client = reqwest::Client::new();
    let secret_email = "karen.kvistgaard.private@example.dk";
    let secret_name = "Karen Kvistgaard Hemmelig";
    let invite = serde_json::json!({
        "query": "mutation($e: String!, $n: String!) { inviteUser(input: { email: $e, displayName: $n, roles: [PEER] }) { user { id } } }",
        "variables": { "e": secret_email, "n": secret_name }
    });
    let citizen = serde_json::json!({
        "query": "mutation($n: String!) { registerCitizen(input: { name: $n, contact: \"karen.kvistgaard.private@example.dk\", municipality: \"Helsingør\" }) { citizen { id name } } }",
        "variables": { "n": secret_name }
    });
    let res = client
        .post(format!("{base}/graphql"))
        .bearer_auth(token.trim())
        .json(&citizen)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        body["data"]["registerCitizen"]["citizen"]["name"], secret_name,
        "{body}"
    );
    let read = serde_json::json!({
        "query": "query($n: String!) { citizens(purpose: COORDINATION, name: $n) { edges { node { name contact } } } }",
        "variables": { "n": secret_name }
    });
    let res = client
        .post(format!("{base}/graphql"))
        .bearer_auth(token.trim())
        .json(&read)
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        body["data"]["citizens"]["edges"][0]["node"]["contact"], secret_email,
        "{body}"
    );
    for _ in 0..2 {
        // The second invite is a CONFLICT: error paths must not log the value either.
        let res = client
            .post(format!("{base}/graphql"))
            .bearer_auth(token.trim())
            .json(&invite)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    let res = client
        .get(format!(
            "{base}/api/v1/organisations?kind=NGO&cursor={secret_email}"
        ))
        .bearer_auth(token.trim())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let exit = tokio::task::spawn_blocking(move || child.wait().unwrap());
    assert!(
        tokio::time::timeout(Duration::from_secs(30), exit)
            .await
            .unwrap()
            .unwrap()
            .success()
    );
    let logs = logs.join().unwrap();
    let exported: Vec<u8> = spans.try_iter().flatten().collect();

    assert!(logs.contains("\"request\""), "request logs were written");
    assert!(
        exported.windows(12).any(|w| w == b"http.request"),
        "spans were exported over OTLP"
    );
    for secret in [secret_email, secret_name, "Karen"] {
        assert!(!logs.contains(secret), "{secret} found in the logs");
        assert!(
            !exported
                .windows(secret.len())
                .any(|w| w == secret.as_bytes()),
            "{secret} found in the exported spans"
        );
    }
}

#[test]
fn a_command_outside_the_data_folder_says_so_and_creates_nothing() {
    let dir = workdir();
    for args in [
        &[
            "token",
            "--tenant",
            "helsingor",
            "--user",
            "admin@helsingor.demo",
        ][..],
        &["audit", "verify"][..],
    ] {
        let out = peerbro(&dir, args, &[]);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("no database at") && stderr.contains("peerbro serve"),
            "{args:?}: {stderr}"
        );
        assert!(out.stdout.is_empty());
    }
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "nothing created: {left:?}");
}

#[test]
fn the_harnesses_own_variables_do_not_stop_a_command() {
    let out = peerbro(
        &workdir(),
        &["schema"],
        &[
            (
                "PEERBRO_BENCH_DATABASE_URL",
                "postgres://postgres@127.0.0.1/postgres",
            ),
            (
                "PEERBRO_TEST_DATABASE_URL",
                "postgres://postgres@127.0.0.1/postgres",
            ),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The server anchors the audit chains itself when `PEERBRO_AUDIT_ANCHOR_DIR` is set: a signed
/// file at start and then every interval, which `audit verify --anchor` holds a truncated tail
/// to. Without a signing key the setting stops start-up, naming what is missing.
#[tokio::test]
async fn the_server_writes_anchors_on_schedule() {
    let dir = workdir();
    let anchors = dir.join("anchors");
    let mut server = Command::new(env!("CARGO_BIN_EXE_peerbro"))
        .current_dir(&dir)
        .arg("serve")
        .env_remove("PEERBRO_DATABASE_URL")
        .env("PEERBRO_LISTEN", "127.0.0.1:0")
        .env("PEERBRO_AUDIT_ANCHOR_DIR", &anchors)
        .env("PEERBRO_AUDIT_ANCHOR_INTERVAL_SECONDS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let written = |at_least: usize| {
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        loop {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&anchors)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "jws"))
                .collect();
            files.sort();
            if files.len() >= at_least {
                return files;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no anchors written: {files:?}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    // One at start, and more every second.
    let files = written(3);
    server.kill().unwrap();
    server.wait().unwrap();
    let newest = files.last().unwrap().display().to_string();
    let out = peerbro(&dir, &["audit", "verify", "--anchor", &newest], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    drop_newest_audit_entry(&dir, "helsingor").await;
    let out = peerbro(&dir, &["audit", "verify", "--anchor", &newest], &[]);
    assert!(
        !out.status.success(),
        "the scheduled anchor shows the truncation"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("helsingor: TRUNCATED"), "{stdout}");

    // On PostgreSQL-like production settings without a private key, the setting refuses.
    let out = peerbro(
        &dir,
        &["serve"],
        &[
            ("PEERBRO_AUDIT_ANCHOR_DIR", "anchors"),
            ("PEERBRO_JWT_ALGORITHM", "EdDSA"),
            (
                "PEERBRO_JWT_PUBLIC_KEY_FILE",
                &fixture("ed25519-public.pem"),
            ),
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("PEERBRO_AUDIT_ANCHOR_DIR needs a signing key"),
        "{stderr}"
    );
}
