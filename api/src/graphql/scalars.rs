//! Cursors on the wire: opaque (base64url of the id's bytes) so that clients do not build
//! them. Object ids are in [`super::ids`].

use base64::Engine as _;
use peerbro_domain::{DomainError, DomainResult};
use uuid::Uuid;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The opaque cursor for an item id.
#[must_use]
pub fn encode_cursor(id: Uuid) -> String {
    B64.encode(id.as_bytes())
}

/// Parses an opaque cursor argument named `field`.
///
/// # Errors
/// `Validation` when it was not made by [`encode_cursor`].
pub fn decode_cursor(field: &str, cursor: &str) -> DomainResult<Uuid> {
    B64.decode(cursor)
        .ok()
        .and_then(|bytes| Uuid::from_slice(&bytes).ok())
        .ok_or_else(|| DomainError::validation(field, "is not a cursor from this API"))
}
