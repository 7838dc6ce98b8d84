//! What a citizen holds instead of an account: a session secret, given once when their
//! conversation starts; only its digest is stored.

use std::sync::Arc;

use crate::ids::{ConversationId, TenantId};

/// The length of a session secret.
pub const SECRET_BYTES: usize = 32;
/// Makes a session secret (random bytes).
pub type SecretSource = Arc<dyn Fn() -> [u8; SECRET_BYTES] + Send + Sync>;
/// The digest of a session secret, as stored (the secret itself never is).
pub type SecretDigest = Arc<dyn Fn(&[u8]) -> Vec<u8> + Send + Sync>;

/// What a citizen holds instead of an account: where their conversation is, and its secret.
#[derive(Clone, PartialEq, Eq)]
pub struct ChatSession {
    /// The partnership.
    pub tenant: TenantId,
    /// The conversation.
    pub conversation: ConversationId,
    /// The secret given when it started.
    pub secret: [u8; SECRET_BYTES],
}

impl std::fmt::Debug for ChatSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatSession")
            .field("conversation", &self.conversation)
            .finish_non_exhaustive()
    }
}

/// Equal digests, compared in constant time.
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
