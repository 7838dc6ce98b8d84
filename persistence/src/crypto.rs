//! The cipher adapter: XChaCha20-Poly1305 (random 192-bit nonces, safe to draw at random for
//! any number of messages per key) and HMAC-SHA-256 blind indexes.

use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::Hmac;
use peerbro_domain::privacy::{Cipher, SecretKey};
use peerbro_domain::{DomainError, DomainResult};
use rand::RngCore as _;

const VERSION: u8 = 1;
const NONCE: usize = 24;

/// XChaCha20-Poly1305; sealed bytes are `version || nonce || ciphertext+tag`.
#[derive(Clone, Copy, Debug, Default)]
pub struct XChaCha;

fn failed(what: &str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("{what} failed"))
}

impl Cipher for XChaCha {
    fn generate_key(&self) -> SecretKey {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        SecretKey::from_bytes(key)
    }

    fn seal(&self, key: &SecretKey, aad: &[u8], plaintext: &[u8]) -> DomainResult<Vec<u8>> {
        let cipher = XChaCha20Poly1305::new(key.bytes().into());
        let mut nonce = [0u8; NONCE];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| failed("encryption"))?;
        let mut out = Vec::with_capacity(1 + NONCE + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    fn open(&self, key: &SecretKey, aad: &[u8], sealed: &[u8]) -> DomainResult<Vec<u8>> {
        if sealed.len() < 1 + NONCE + 16 || sealed[0] != VERSION {
            return Err(failed("decryption (malformed ciphertext)"));
        }
        let cipher = XChaCha20Poly1305::new(key.bytes().into());
        let mut nonce = [0u8; NONCE];
        nonce.copy_from_slice(&sealed[1..=NONCE]);
        cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: &sealed[1 + NONCE..],
                    aad,
                },
            )
            .map_err(|_| failed("decryption"))
    }

    fn blind_index(&self, key: &SecretKey, value: &[u8]) -> Vec<u8> {
        let mut mac = <Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(key.bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        hmac::Mac::update(&mut mac, value);
        hmac::Mac::finalize(mac).into_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_opens_only_with_its_key_and_context() {
        let c = XChaCha;
        let key = c.generate_key();
        let sealed = c.seal(&key, b"ctx-a", b"Karen Kvist").unwrap();
        assert!(!sealed.windows(5).any(|w| w == b"Karen"));
        assert_eq!(c.open(&key, b"ctx-a", &sealed).unwrap(), b"Karen Kvist");
        assert!(c.open(&key, b"ctx-b", &sealed).is_err(), "moved ciphertext");
        assert!(
            c.open(&c.generate_key(), b"ctx-a", &sealed).is_err(),
            "other key"
        );
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(c.open(&key, b"ctx-a", &tampered).is_err(), "altered");
        assert_ne!(
            sealed,
            c.seal(&key, b"ctx-a", b"Karen Kvist").unwrap(),
            "random nonces"
        );
    }

    #[test]
    fn blind_indexes_are_keyed() {
        let c = XChaCha;
        let (k1, k2) = (c.generate_key(), c.generate_key());
        assert_eq!(c.blind_index(&k1, b"x"), c.blind_index(&k1, b"x"));
        assert_ne!(c.blind_index(&k1, b"x"), c.blind_index(&k2, b"x"));
    }
}
