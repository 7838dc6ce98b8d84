//! Secrets and keys of partner API clients: random client secrets, their stored hash, and
//! the key that signs client tokens.

use peerbro_domain::privacy::SecretKey;
use rand::RngCore as _;

/// A random API client secret: `pbs_` + base64url of 32 random bytes.
#[must_use]
pub fn new_client_secret() -> String {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "pbs_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// SHA-256 (hex) of a client secret.
#[must_use]
pub fn hash_client_secret(secret: &str) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// The key that signs API client tokens, derived from the master key (so it needs no
/// configuration of its own and changes when the master key does).
///
/// # Errors
/// When the key cannot key HMAC (never for 32 bytes).
pub fn api_client_token_key(master: &SecretKey) -> anyhow::Result<[u8; 32]> {
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(master.bytes())
        .map_err(|_| anyhow::anyhow!("the master key cannot key HMAC"))?;
    mac.update(b"peerbro/api-client-tokens/v1");
    Ok(mac.finalize().into_bytes().into())
}
