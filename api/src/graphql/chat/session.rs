//! The citizen's chat session as a string (ADR 0046): `v1.` and base64url of the tenant's and
//! the conversation's ids and the 32-byte secret. Only the secret's SHA-256 is stored.

use base64::Engine as _;
use peerbro_domain::chat::ChatSession;
use peerbro_domain::chat::session::SECRET_BYTES;
use peerbro_domain::ids::{ConversationId, TenantId};
use peerbro_domain::{DomainError, DomainResult};
use sha2::Digest as _;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;
const PREFIX: &str = "v1.";
const BYTES: usize = 16 + 16 + SECRET_BYTES;

/// The session as the citizen's page keeps it.
#[must_use]
pub fn encode(session: &ChatSession) -> String {
    let mut bytes = Vec::with_capacity(BYTES);
    bytes.extend_from_slice(session.tenant.as_uuid().as_bytes());
    bytes.extend_from_slice(session.conversation.as_uuid().as_bytes());
    bytes.extend_from_slice(&session.secret);
    format!("{PREFIX}{}", B64.encode(bytes))
}

/// The session a string names.
///
/// # Errors
/// `VALIDATION` when it is not a chat session's string.
pub fn decode(text: &str) -> DomainResult<ChatSession> {
    let malformed = || DomainError::validation("session", "is not a chat session");
    let bytes = text
        .strip_prefix(PREFIX)
        .and_then(|b| B64.decode(b).ok())
        .filter(|b| b.len() == BYTES)
        .ok_or_else(malformed)?;
    let uuid = |range: std::ops::Range<usize>| {
        uuid::Uuid::from_slice(&bytes[range]).map_err(|_| malformed())
    };
    let mut secret = [0u8; SECRET_BYTES];
    secret.copy_from_slice(&bytes[32..]);
    Ok(ChatSession {
        tenant: TenantId::from_uuid(uuid(0..16)?),
        conversation: ConversationId::from_uuid(uuid(16..32)?),
        secret,
    })
}

/// The stored digest of a session secret.
#[must_use]
pub fn digest(secret: &[u8]) -> Vec<u8> {
    sha2::Sha256::digest(secret).to_vec()
}

/// A new random secret.
#[must_use]
pub fn new_secret() -> [u8; SECRET_BYTES] {
    use rand::RngCore as _;
    let mut secret = [0u8; SECRET_BYTES];
    rand::rng().fill_bytes(&mut secret);
    secret
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_reads_back_and_anything_else_is_refused() {
        let session = ChatSession {
            tenant: TenantId::new(),
            conversation: ConversationId::new(),
            secret: new_secret(),
        };
        let text = encode(&session);
        assert_eq!(decode(&text).unwrap(), session);
        for bad in [
            "",
            "v1.",
            "v2.AAAA",
            &text[..text.len() - 1],
            &format!("{text}A"),
        ] {
            assert_eq!(decode(bad).unwrap_err().code(), "VALIDATION", "{bad}");
        }
        assert_eq!(digest(b"x").len(), 32);
    }
}
