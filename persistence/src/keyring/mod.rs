//! The keyring (ADR 0043): random key-encryption keys by epoch, kept in a file outside the
//! database. Tenant keys are wrapped under an epoch's key, never under the master key, so that
//! destroying an old epoch's key (once the backup-retention window has passed) leaves every
//! backup that still names it unreadable, master key or not.
//!
//! The file is JSON. Each epoch's key is itself sealed under the master key, so the file alone
//! opens nothing; a destroyed epoch keeps its number and dates and loses its key. Writers take
//! an exclusive lock on a sidecar `.lock` file and replace the file atomically (write, sync,
//! rename); readers read whole files only. Every process reads it: one that meets an epoch it
//! has not loaded reads the file again.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use peerbro_domain::privacy::{Cipher, SecretKey};
use peerbro_domain::{DomainError, DomainResult};
use serde::{Deserialize, Serialize};

mod retirement;

pub use retirement::{EpochStatus, KeptEpoch, plan_retirement};

const FORMAT: &str = "peerbro-keyring/1";

#[derive(Clone, Serialize, Deserialize)]
struct StoredEpoch {
    epoch: i32,
    created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    completed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    destroyed_at: Option<DateTime<Utc>>,
    /// Made by a rotation (which a later rotation resumes until it finishes), not by the
    /// first use of an empty keyring.
    #[serde(default)]
    by_rotation: bool,
    /// The epoch key sealed under the master key (hex); gone once destroyed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed_key: Option<String>,
}

#[derive(Default, Serialize, Deserialize)]
struct StoredFile {
    format: String,
    epochs: Vec<StoredEpoch>,
}

/// The keyring file and what this process has read of it.
#[derive(Clone)]
pub struct Keyring {
    path: PathBuf,
    cipher: Arc<dyn Cipher>,
    master: Arc<SecretKey>,
    /// Epoch keys this process has opened.
    opened: Arc<Mutex<BTreeMap<i32, SecretKey>>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn broken(what: impl std::fmt::Display) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("keyring: {what}"))
}

fn epoch_aad(epoch: i32) -> Vec<u8> {
    format!("peerbro/epoch-key/{epoch}").into_bytes()
}

impl Keyring {
    /// The keyring kept in `path` (read on first use), its keys sealed under `master`.
    #[must_use]
    pub fn at(path: PathBuf, cipher: Arc<dyn Cipher>, master: SecretKey) -> Self {
        Self {
            path,
            cipher,
            master: Arc::new(master),
            opened: Arc::default(),
        }
    }

    pub(crate) fn cipher(&self) -> Arc<dyn Cipher> {
        self.cipher.clone()
    }

    pub(crate) fn master(&self) -> SecretKey {
        (*self.master).clone()
    }

    fn read(&self) -> DomainResult<StoredFile> {
        match std::fs::read(&self.path) {
            Ok(bytes) => {
                let file: StoredFile = serde_json::from_slice(&bytes)
                    .map_err(|e| broken(format!("{} does not parse: {e}", self.path.display())))?;
                if file.format != FORMAT {
                    return Err(broken(format!(
                        "{} is not a {FORMAT} file",
                        self.path.display()
                    )));
                }
                Ok(file)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StoredFile {
                format: FORMAT.to_owned(),
                epochs: Vec::new(),
            }),
            Err(e) => Err(broken(format!(
                "{} cannot be read: {e}",
                self.path.display()
            ))),
        }
    }

    fn write(&self, file: &StoredFile) -> DomainResult<()> {
        let bytes = serde_json::to_vec_pretty(file).map_err(broken)?;
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut out = options.open(&tmp).map_err(broken)?;
        out.write_all(&bytes).map_err(broken)?;
        out.sync_all().map_err(broken)?;
        std::fs::rename(&tmp, &self.path).map_err(broken)?;
        if let Some(dir) = self.path.parent()
            && let Ok(dir) = std::fs::File::open(dir)
        {
            dir.sync_all().ok();
        }
        Ok(())
    }

    /// Runs `change` on the file under the writers' lock and writes what it leaves.
    fn change<T>(
        &self,
        change: impl FnOnce(&mut StoredFile) -> DomainResult<T>,
    ) -> DomainResult<T> {
        let mut lock = self.path.clone().into_os_string();
        lock.push(".lock");
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let lock = options.open(PathBuf::from(lock)).map_err(broken)?;
        lock.lock().map_err(broken)?;
        let mut file = self.read()?;
        let out = change(&mut file)?;
        self.write(&file)?;
        Ok(out)
    }

    fn open_epoch(&self, stored: &StoredEpoch) -> DomainResult<Option<SecretKey>> {
        let Some(sealed) = &stored.sealed_key else {
            return Ok(None);
        };
        let sealed = hex::decode(sealed).map_err(broken)?;
        let raw = self
            .cipher
            .open(&self.master, &epoch_aad(stored.epoch), &sealed)
            .map_err(|_| {
                broken(format!(
                    "epoch {} does not open: is PEERBRO_MASTER_KEY_FILE the key this keyring was \
                     made with?",
                    stored.epoch
                ))
            })?;
        let bytes: [u8; 32] = raw
            .try_into()
            .map_err(|_| broken("an epoch key has the wrong length"))?;
        Ok(Some(SecretKey::from_bytes(bytes)))
    }

    /// The key of `epoch`: from memory, else read from the file (another process may have
    /// added it). An epoch that was destroyed, or that the file never held, is an error — the
    /// data under it cannot be opened.
    pub(crate) fn key(&self, epoch: i32) -> DomainResult<SecretKey> {
        if let Some(key) = self.opened.lock().ok().and_then(|o| o.get(&epoch).cloned()) {
            return Ok(key);
        }
        let file = self.read()?;
        let stored = file
            .epochs
            .iter()
            .find(|e| e.epoch == epoch)
            .ok_or_else(|| {
                broken(format!(
                    "{} holds no epoch {epoch}: is PEERBRO_KEYRING_FILE the keyring this database \
                 was rotated with?",
                    self.path.display()
                ))
            })?;
        let key = self.open_epoch(stored)?.ok_or_else(|| {
            broken(format!(
                "epoch {epoch} was destroyed; data wrapped under it can no longer be opened"
            ))
        })?;
        if let Ok(mut opened) = self.opened.lock() {
            // Keys another process has destroyed since are forgotten here too.
            opened.retain(|kept, _| {
                file.epochs
                    .iter()
                    .any(|e| e.epoch == *kept && e.sealed_key.is_some())
            });
            opened.insert(epoch, key.clone());
        }
        Ok(key)
    }

    /// The newest epoch and its key, read from the file (a first epoch is made if there is
    /// none): new tenant keys are wrapped under it.
    pub(crate) fn current(&self) -> DomainResult<(i32, SecretKey)> {
        let newest = self.read()?.epochs.iter().map(|e| e.epoch).max();
        let epoch = match newest {
            Some(epoch) => epoch,
            None => self.change(|file| {
                // Another process may have made it while this one waited for the lock.
                if let Some(epoch) = file.epochs.iter().map(|e| e.epoch).max() {
                    return Ok(epoch);
                }
                let made = self.new_epoch(1, Utc::now(), false)?;
                file.epochs.push(made);
                Ok(1)
            })?,
        };
        Ok((epoch, self.key(epoch)?))
    }

    fn new_epoch(
        &self,
        epoch: i32,
        now: DateTime<Utc>,
        by_rotation: bool,
    ) -> DomainResult<StoredEpoch> {
        let key = self.cipher.generate_key();
        let sealed = self
            .cipher
            .seal(&self.master, &epoch_aad(epoch), key.bytes())?;
        Ok(StoredEpoch {
            epoch,
            created_at: now,
            completed_at: None,
            destroyed_at: None,
            by_rotation,
            sealed_key: Some(hex::encode(sealed)),
        })
    }

    /// The epoch a rotation moves every tenant key to: the newest one while the rotation that
    /// made it has not finished (a rotation cut off is resumed), else a new one made now.
    ///
    /// # Errors
    /// When the file cannot be read or written.
    pub fn rotation_target(&self, now: DateTime<Utc>) -> DomainResult<i32> {
        self.change(|file| {
            if let Some(newest) = file.epochs.iter().max_by_key(|e| e.epoch)
                && newest.completed_at.is_none()
                && newest.by_rotation
            {
                return Ok(newest.epoch);
            }
            let epoch = file.epochs.iter().map(|e| e.epoch).max().unwrap_or(0) + 1;
            let made = self.new_epoch(epoch, now, true)?;
            file.epochs.push(made);
            Ok(epoch)
        })
    }

    /// Records that every tenant key is now wrapped under `epoch`.
    ///
    /// # Errors
    /// When the file cannot be read or written.
    pub fn complete(&self, epoch: i32, now: DateTime<Utc>) -> DomainResult<()> {
        self.change(|file| {
            if let Some(stored) = file.epochs.iter_mut().find(|e| e.epoch == epoch) {
                stored.completed_at.get_or_insert(now);
            }
            Ok(())
        })
    }

    /// Destroys the keys of `epochs` (their numbers and dates stay).
    ///
    /// # Errors
    /// When the file cannot be read or written.
    pub fn destroy(&self, epochs: &[i32], now: DateTime<Utc>) -> DomainResult<()> {
        self.change(|file| {
            for stored in file.epochs.iter_mut().filter(|e| epochs.contains(&e.epoch)) {
                stored.sealed_key = None;
                stored.destroyed_at.get_or_insert(now);
            }
            Ok(())
        })?;
        if let Ok(mut opened) = self.opened.lock() {
            opened.retain(|epoch, _| !epochs.contains(epoch));
        }
        Ok(())
    }

    /// Every epoch, oldest first.
    ///
    /// # Errors
    /// When the file cannot be read.
    pub fn status(&self) -> DomainResult<Vec<EpochStatus>> {
        let mut epochs: Vec<EpochStatus> = self
            .read()?
            .epochs
            .iter()
            .map(|e| EpochStatus {
                epoch: e.epoch,
                created_at: e.created_at,
                completed_at: e.completed_at,
                destroyed_at: e.destroyed_at,
            })
            .collect();
        epochs.sort_by_key(|e| e.epoch);
        Ok(epochs)
    }
}

#[cfg(test)]
mod tests;
