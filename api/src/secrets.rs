//! Key files: 32 random bytes, base64url, mode 0600, created once and reused. Used for the
//! development JWT key and the master key of the embedded default.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use base64::Engine as _;
use rand::RngCore as _;

/// 32 random bytes.
#[must_use]
pub fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    key
}

/// Reads the key in `path`, or creates it.
///
/// # Errors
/// When the file cannot be read or written, or does not hold a 32-byte key.
pub fn load_or_create_key(path: &Path) -> anyhow::Result<[u8; 32]> {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes = engine
                .decode(text.trim())
                .with_context(|| format!("key file {} is not base64url", path.display()))?;
            bytes
                .try_into()
                .map_err(|_| anyhow::anyhow!("key file {} does not hold 32 bytes", path.display()))
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let key = random_key();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt as _;
                options.mode(0o600);
            }
            match options.open(path) {
                Ok(mut file) => {
                    file.write_all(engine.encode(key).as_bytes())
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    tracing::info!(file = %path.display(), "created a key file");
                    Ok(key)
                }
                // Another process created it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_or_create_key(path),
                Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
            }
        }
        Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
    }
}
