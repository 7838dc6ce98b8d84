//! Legal holds (issue 13): while a person's data must be kept — a lawsuit, an authority's
//! request, a complaint being handled — a tenant admin places a hold, and erasure is refused
//! with the hold's reason until it is released. The reason is a code, never free text.

use chrono::{DateTime, Utc};

use crate::error::DomainError;

use crate::ids::UserId;

stored_enum!(
    /// Why data is held.
    LegalHoldReason {
        /// A lawsuit, or one reasonably expected.
        Litigation = "LITIGATION",
        /// A request from an authority (Datatilsynet, the police, the ombudsman).
        AuthorityRequest = "AUTHORITY_REQUEST",
        /// A complaint being handled.
        Complaint = "COMPLAINT",
    }
);

/// A hold on a person's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LegalHold {
    /// Why.
    pub reason: LegalHoldReason,
    /// When it was placed.
    pub placed_at: DateTime<Utc>,
    /// Who placed it.
    pub placed_by: Option<UserId>,
}
