//! Scheduled anchoring in the server (`PEERBRO_AUDIT_ANCHOR_DIR`): every
//! `PEERBRO_AUDIT_ANCHOR_INTERVAL_SECONDS` the signed heads are written to a new file
//! `anchor-YYYYMMDDTHHMMSSZ.jws` in the folder (written whole, then renamed), which the
//! operator ships off the host or mounts from an object store with a retention lock. A file
//! holds tenant ids, slugs, counts and hashes: no personal data.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::watch;

use super::heads::signed_heads;
use crate::auth::{KeyMaterial, load_keys};
use crate::config::Settings;
use crate::wiring::Services;

fn write(dir: &Path, jws: &str) -> anyhow::Result<PathBuf> {
    let name = format!(
        "anchor-{}.jws",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
    );
    let path = dir.join(&name);
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, format!("{jws}\n"))
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// The scheduled anchoring: the signing key, the folder, the interval.
pub struct Anchoring {
    keys: Arc<KeyMaterial>,
    dir: PathBuf,
    every: Duration,
}

impl std::fmt::Debug for Anchoring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Anchoring")
            .field("dir", &self.dir)
            .field("every", &self.every)
            .finish_non_exhaustive()
    }
}

/// The scheduled anchoring, when `PEERBRO_AUDIT_ANCHOR_DIR` is set.
///
/// # Errors
/// Without a signing key, or when the folder cannot be made.
pub fn configured(settings: &Settings) -> anyhow::Result<Option<Anchoring>> {
    let Some(dir) = &settings.audit_anchor_dir else {
        return Ok(None);
    };
    let keys = load_keys(settings)?;
    anyhow::ensure!(
        keys.encoding_key().is_some(),
        "PEERBRO_AUDIT_ANCHOR_DIR needs a signing key to sign anchors with: set \
         PEERBRO_JWT_PRIVATE_KEY_FILE"
    );
    std::fs::create_dir_all(dir)
        .with_context(|| format!("PEERBRO_AUDIT_ANCHOR_DIR: cannot create {}", dir.display()))?;
    Ok(Some(Anchoring {
        keys: Arc::new(keys),
        dir: dir.clone(),
        every: Duration::from_secs(settings.audit_anchor_interval_seconds),
    }))
}

/// Writes an anchor now and then every interval, until `stop` turns true.
pub fn spawn(
    services: Services,
    anchoring: Anchoring,
    mut stop: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let Anchoring { keys, dir, every } = anchoring;
    tokio::spawn(async move {
        loop {
            match signed_heads(&services, &keys).await {
                Ok(jws) => match write(&dir, &jws) {
                    Ok(path) => tracing::info!(file = %path.display(), "audit anchor written"),
                    Err(e) => tracing::warn!(error = %e, "the audit anchor could not be written"),
                },
                // A broken chain is not anchored: `peerbro audit verify` says where it broke.
                Err(e) => tracing::warn!(error = %e, "no audit anchor written"),
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    })
}
