//! The right of access for peer workers (issue 13): everything held about one peer — profile,
//! employment, the pipeline (screenings, certificate checks, training, moves with their
//! reasons), hospital placements, supervision attended, their own questionnaire rounds and
//! who read the data. Produced by a coordinator or tenant admin, or downloaded by the peer.
//! The citizens a peer supported are not in it: that is the citizens' data.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::privacy::records::{ExportedAnswers, LookUp};

/// The peer's profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedPeer {
    /// Their id.
    pub id: String,
    /// Name (none once erased).
    pub name: Option<String>,
    /// Contact details.
    pub contact: Option<String>,
    /// `VOLUNTEER` or `PAID`.
    pub kind: String,
    /// Their status in the pipeline.
    pub status: String,
    /// Languages they support in.
    pub languages: Vec<String>,
    /// Kinds of offer they take part in.
    pub offer_types: Vec<String>,
    /// One-to-one matches they take at once.
    pub max_matches: i32,
    /// The organisation they belong to.
    pub organisation: String,
    /// When registered.
    #[serde(serialize_with = "crate::clock::serialize_wire_instant")]
    pub registered_at: DateTime<Utc>,
}

/// A dated fact from the pipeline: a screening, a certificate check or a training course.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineFact {
    /// `SCREENING`, `CERTIFICATE` or `TRAINING`.
    pub kind: String,
    /// What: the screening's outcome, the certificate's kind and result, the course.
    pub what: String,
    /// When.
    pub on: NaiveDate,
}

/// A change of status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedStatusMove {
    /// From.
    pub from: String,
    /// To.
    pub to: String,
    /// When.
    #[serde(serialize_with = "crate::clock::serialize_wire_instant")]
    pub at: DateTime<Utc>,
    /// The reason given (decrypted).
    pub reason: Option<String>,
}

/// Paid employment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedEmployment {
    /// The employer.
    pub organisation: String,
    /// Weekly hours, in tenths.
    pub weekly_hours_tenths: i32,
    /// From.
    pub start_on: NaiveDate,
    /// To.
    pub end_on: Option<NaiveDate>,
}

/// A hospital placement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedPlacement {
    /// The psychiatric unit.
    pub unit: String,
    /// The ward.
    pub ward: String,
    /// From.
    pub start_on: NaiveDate,
    /// To.
    pub end_on: Option<NaiveDate>,
    /// Weekly hours, in tenths.
    pub weekly_hours_tenths: i32,
    /// How supervision is arranged there.
    pub supervision_arrangement: String,
}

/// A supervision session attended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedSupervision {
    /// When.
    pub held_on: NaiveDate,
    /// `GROUP` or `INDIVIDUAL`.
    pub format: String,
}

/// Everything held about one peer worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerExport {
    /// The partnership that holds it.
    pub partnership: String,
    /// When the document was made.
    #[serde(serialize_with = "crate::clock::serialize_wire_instant")]
    pub generated_at: DateTime<Utc>,
    /// The profile.
    pub peer: ExportedPeer,
    /// Paid employment, if any.
    pub employment: Option<ExportedEmployment>,
    /// Screenings, certificate checks and training, by date.
    pub pipeline: Vec<PipelineFact>,
    /// Changes of status, oldest first.
    pub moves: Vec<ExportedStatusMove>,
    /// Hospital placements.
    pub placements: Vec<ExportedPlacement>,
    /// Supervision attended.
    pub supervision: Vec<ExportedSupervision>,
    /// Their own questionnaire rounds.
    pub questionnaires: Vec<ExportedAnswers>,
    /// Who read or changed the data, oldest first (this export included).
    pub look_ups: Vec<LookUp>,
}
