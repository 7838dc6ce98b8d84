//! Standard Webhooks signatures: `v1,` + base64 of HMAC-SHA256 over `id.timestamp.body`, keyed
//! with the base64-decoded part of a `whsec_` secret. Several secrets (during a rotation) give
//! several space-separated signatures.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac as _};
use peerbro_domain::webhooks::WebhookSecret;
use rand::RngCore as _;
use sha2::Sha256;

/// A new random secret: `whsec_` + base64 of 32 random bytes.
#[must_use]
pub fn new_secret() -> WebhookSecret {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    WebhookSecret::new(format!("whsec_{}", STANDARD.encode(key)))
}

fn sign_one(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` header value for `body` sent as `id` at `timestamp`.
#[must_use]
pub fn sign(secrets: &[WebhookSecret], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .filter_map(|s| sign_one(s.expose(), id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector published with the Standard Webhooks reference libraries: reproducing
    /// it says that a receiver's stock library accepts our signatures.
    #[test]
    fn the_standard_webhooks_test_vector_reproduces() {
        let secret = WebhookSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned());
        assert_eq!(
            sign(
                &[secret],
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn two_secrets_give_two_signatures_and_new_secrets_differ() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(a.expose().starts_with("whsec_"));
        let header = sign(&[a, b], "msg_x", 1, b"{}");
        assert_eq!(header.split(' ').count(), 2);
    }
}
