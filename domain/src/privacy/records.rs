//! What the records of citizens and of peer workers share: the look-up history and answered
//! questionnaires (`access`, `peer_access`).

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Who read or changed the person's data, and why (one audit entry).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LookUp {
    /// When.
    #[serde(serialize_with = "crate::clock::serialize_wire_instant")]
    pub at: DateTime<Utc>,
    /// `READ`, `CREATE`, `UPDATE`, `CONSENT`, `ERASE`, `EXPORT`.
    pub action: String,
    /// The purpose given (`COORDINATION`, `REFERRAL_HANDLING`, …).
    pub purpose: String,
    /// The user's display name; `None` for the platform itself.
    pub by: Option<String>,
    /// The roles they acted in.
    pub roles: Vec<String>,
}

/// An answered questionnaire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedAnswers {
    /// The instrument's title.
    pub instrument: String,
    /// The measuring point (`BASELINE`, `END`, `FOLLOW_UP`) or the peer's round.
    pub point: String,
    /// When.
    #[serde(serialize_with = "crate::clock::serialize_wire_instant")]
    pub answered_at: DateTime<Utc>,
    /// The answers, item by item (none once erased).
    pub answers: Vec<u8>,
}
