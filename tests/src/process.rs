//! The real `peerbro` binary as a separate process, for what only a process shows: signals,
//! exit status and its log. The binary is the one `cargo test --workspace` builds beside
//! this test binary (the README's test command builds it; `cargo build -p peerbro` does too).

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use peerbro_api::Settings;

/// The `peerbro` binary of this build.
#[must_use]
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = dir.join("peerbro");
    assert!(
        bin.exists(),
        "{} is missing: run the README's test command (cargo test --workspace) or \
         cargo build -p peerbro first",
        bin.display()
    );
    // `cargo test -p peerbro-tests` rebuilds the server's library but not its binary: refuse
    // to test a binary older than the code it is built from.
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut newest = None;
    let mut dirs: Vec<PathBuf> = ["api", "domain", "persistence", "migration"]
        .iter()
        .map(|c| root.join(c).join("src"))
        .collect();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                newest = newest.max(modified(&path));
            }
        }
    }
    assert!(
        newest <= modified(&bin),
        "{} is older than the code it is built from: run cargo build -p peerbro (the README's \
         test command builds it)",
        bin.display()
    );
    bin
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/jwt")
        .join(name)
        .display()
        .to_string()
}

/// The environment that runs the binary on the test database of `settings`, with the Ed25519
/// test keys (PostgreSQL requires a real key; SQLite accepts it too).
#[must_use]
pub fn environment(settings: &Settings) -> Vec<(String, String)> {
    let mut env = vec![
        (
            "PEERBRO_DATABASE_URL".to_owned(),
            settings.database_url.clone(),
        ),
        (
            "PEERBRO_MASTER_KEY_FILE".to_owned(),
            settings
                .master_key_file
                .as_ref()
                .unwrap()
                .display()
                .to_string(),
        ),
        ("PEERBRO_JWT_ALGORITHM".to_owned(), "EdDSA".to_owned()),
        (
            "PEERBRO_JWT_PUBLIC_KEY_FILE".to_owned(),
            fixture("ed25519-public.pem"),
        ),
        (
            "PEERBRO_JWT_PRIVATE_KEY_FILE".to_owned(),
            fixture("ed25519-private.pem"),
        ),
        ("PEERBRO_LISTEN".to_owned(), "127.0.0.1:0".to_owned()),
        ("PEERBRO_LOG_FORMAT".to_owned(), "json".to_owned()),
        ("PEERBRO_DEMO_SEED".to_owned(), "true".to_owned()),
        ("PEERBRO_WEBHOOK_WORKER".to_owned(), "false".to_owned()),
        ("PEERBRO_RATE_LIMIT_PER_SECOND".to_owned(), "0".to_owned()),
        (
            "PEERBRO_RATE_LIMIT_ANONYMOUS_PER_SECOND".to_owned(),
            "0".to_owned(),
        ),
    ];
    if let Some(admin) = &settings.database_admin_url {
        env.push(("PEERBRO_DATABASE_ADMIN_URL".to_owned(), admin.clone()));
    }
    env
}

fn command(env: &[(String, String)]) -> Command {
    let mut cmd = Command::new(binary());
    cmd.current_dir(std::env::temp_dir());
    for (key, _) in std::env::vars() {
        if key.starts_with("PEERBRO_") {
            cmd.env_remove(key);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs `peerbro ARGS` on the test database: whether it succeeded, its standard output and
/// its standard error.
#[must_use]
pub fn cli(env: &[(String, String)], args: &[&str]) -> (bool, String, String) {
    let out = command(env).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Mints a token with `peerbro token`.
#[must_use]
pub fn token(env: &[(String, String)], tenant: &str, email: &str) -> String {
    let out = command(env)
        .args(["token", "--tenant", tenant, "--user", email])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A running `peerbro serve`.
pub struct ServerProcess {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts `peerbro serve` with `env` and waits until it listens.
    pub async fn start(env: &[(String, String)]) -> Self {
        // The test's own HTTP clients need a TLS provider, as the server's do.
        peerbro_api::startup::install_crypto_provider();
        let mut child = command(env)
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    log.lock().unwrap().push(line);
                }
            });
        }
        let started = Instant::now();
        let port = loop {
            let found = log.lock().unwrap().iter().find_map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).ok()?;
                (v["fields"]["message"] == "listening").then(|| v["fields"]["port"].as_u64())?
            });
            if let Some(port) = found {
                break port;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "peerbro serve exited with {status}: {:#?}",
                    log.lock().unwrap()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "peerbro serve did not start: {:#?}",
                log.lock().unwrap()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        Self {
            address: format!("http://127.0.0.1:{port}"),
            child,
            log,
        }
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit (at most `within`).
    pub async fn wait(mut self, within: Duration) -> (ExitStatus, Vec<String>) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread take the last lines.
                tokio::time::sleep(Duration::from_millis(100)).await;
                let log = self.log.lock().unwrap().clone();
                return (status, log);
            }
            if started.elapsed() > within {
                self.child.kill().ok();
                panic!(
                    "peerbro did not exit within {within:?}: {:#?}",
                    self.log.lock().unwrap()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The log so far.
    #[must_use]
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.child.kill().ok();
            self.child.wait().ok();
        }
    }
}
