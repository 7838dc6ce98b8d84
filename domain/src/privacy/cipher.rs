//! The cipher port behind field encryption. Keys form a hierarchy: the master key (from
//! configuration) wraps one key per tenant, which wraps one data key per subject (a citizen or
//! a peer worker). Deleting a subject's wrapped key makes every field sealed with it unreadable
//! ("crypto-shredding"). The adapter stores keys; this port only seals and opens.

use crate::error::DomainResult;

/// A 256-bit key in memory; zeroed when dropped, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    /// Wraps raw key bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw bytes.
    #[must_use]
    pub const fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        // Best effort without unsafe: overwrite the bytes before the memory is released.
        self.0 = [0; 32];
        std::hint::black_box(&self.0);
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

/// Authenticated encryption with associated data. `aad` binds a ciphertext to where it belongs
/// (tenant, table, column, row), so a ciphertext copied elsewhere does not open.
pub trait Cipher: Send + Sync {
    /// A fresh random key.
    fn generate_key(&self) -> SecretKey;

    /// Encrypts `plaintext` under `key`.
    ///
    /// # Errors
    /// `Unknown` if the cipher fails.
    fn seal(&self, key: &SecretKey, aad: &[u8], plaintext: &[u8]) -> DomainResult<Vec<u8>>;

    /// Decrypts what [`Cipher::seal`] produced with the same key and `aad`.
    ///
    /// # Errors
    /// `Unknown` when the ciphertext was altered, moved or sealed with another key.
    fn open(&self, key: &SecretKey, aad: &[u8], sealed: &[u8]) -> DomainResult<Vec<u8>>;

    /// A keyed hash of `value` (a blind index), so that an encrypted field can be found by
    /// exact value without storing it in clear.
    fn blind_index(&self, key: &SecretKey, value: &[u8]) -> Vec<u8>;
}
