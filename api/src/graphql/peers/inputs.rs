//! Input objects of this context's GraphQL API.

use crate::graphql::time::Date;
use async_graphql::{ID, InputObject};

use super::types::*;

/// Employment of a paid peer.
#[derive(InputObject)]
pub struct EmploymentInput {
    /// The employer.
    pub(crate) organisation_id: ID,
    /// Contracted hours per week (0.1–48).
    pub(crate) weekly_hours: f64,
    /// The first day.
    pub(crate) starts_on: Date,
    /// The last day (open-ended when null).
    pub(crate) ends_on: Option<Date>,
}

/// A peer worker to register.
#[derive(InputObject)]
pub struct RegisterPeerWorkerInput {
    /// Paid or voluntary.
    pub(crate) kind: PeerKind,
    /// Name.
    pub(crate) name: String,
    /// Contact details.
    pub(crate) contact: Option<String>,
    /// Their login (a user of the tenant with the PEER role), if any.
    pub(crate) user_id: Option<ID>,
    /// Their organisation.
    pub(crate) organisation_id: ID,
    /// Languages.
    #[graphql(default)]
    pub(crate) languages: Vec<String>,
    /// The kinds of offer they can run.
    #[graphql(default)]
    pub(crate) offer_kinds: Vec<OfferKind>,
    /// Most concurrent one-to-one matches (1–10).
    #[graphql(default = 2)]
    pub(crate) max_matches: i32,
    /// Employment: required for paid peers.
    pub(crate) employment: Option<EmploymentInput>,
}

/// A move in the pipeline.
#[derive(InputObject)]
pub struct ChangePeerStatusInput {
    /// The peer.
    pub(crate) peer_id: ID,
    /// The move.
    pub(crate) action: PipelineAction,
    /// Why (short, no personal data).
    pub(crate) reason: Option<String>,
}

/// A screening interview.
#[derive(InputObject)]
pub struct RecordScreeningInput {
    /// The peer.
    pub(crate) peer_id: ID,
    /// When.
    pub(crate) held_on: Date,
    /// The outcome.
    pub(crate) outcome: ScreeningOutcome,
}

/// A certificate check.
#[derive(InputObject)]
pub struct RecordCertificateInput {
    /// The peer.
    pub(crate) peer_id: ID,
    /// Which certificate.
    pub(crate) kind: CertificateKind,
    /// When it was checked.
    pub(crate) checked_on: Date,
    /// The result.
    pub(crate) result: CertificateResult,
}

/// A completed training course.
#[derive(InputObject)]
pub struct RecordTrainingInput {
    /// The peer.
    pub(crate) peer_id: ID,
    /// The course.
    pub(crate) course: String,
    /// Completed on.
    pub(crate) completed_on: Date,
}

/// A supervision session held by the caller.
#[derive(InputObject)]
pub struct RecordSupervisionInput {
    /// When.
    pub(crate) held_on: Date,
    /// Group or individual.
    pub(crate) format: SupervisionFormat,
    /// The peers who attended.
    pub(crate) attendee_ids: Vec<ID>,
}

/// A placement of a paid peer in a hospital-psychiatry unit.
#[derive(InputObject)]
pub struct CreatePlacementInput {
    /// The paid peer.
    pub(crate) peer_id: ID,
    /// The unit (an organisation of kind HOSPITAL_PSYCHIATRY_UNIT).
    pub(crate) unit_id: ID,
    /// Department or ward.
    pub(crate) ward: String,
    /// The first day.
    pub(crate) starts_on: Date,
    /// The last day (open-ended when null).
    pub(crate) ends_on: Option<Date>,
    /// Hours per week.
    pub(crate) weekly_hours: f64,
    /// The ward's contact person.
    pub(crate) ward_contact: String,
    /// How supervision is arranged.
    pub(crate) supervision_arrangement: String,
}

/// Changes to a placement: only the fields given change (at least one).
#[derive(InputObject)]
pub struct UpdatePlacementInput {
    /// The placement.
    pub(crate) placement_id: ID,
    /// A new department or ward.
    pub(crate) ward: Option<String>,
    /// A new last day (ending the placement); `null` makes it open-ended again.
    pub(crate) ends_on: async_graphql::MaybeUndefined<Date>,
    /// New hours per week.
    pub(crate) weekly_hours: Option<f64>,
    /// A new contact person at the ward.
    pub(crate) ward_contact: Option<String>,
    /// A new supervision arrangement.
    pub(crate) supervision_arrangement: Option<String>,
}

/// Changes to a peer's profile: only the fields given change.
#[derive(InputObject)]
pub struct UpdatePeerWorkerInput {
    /// The peer.
    pub(crate) peer_id: ID,
    /// A new name.
    pub(crate) name: Option<String>,
    /// New contact details; `null` removes them.
    pub(crate) contact: async_graphql::MaybeUndefined<String>,
    /// The languages they support in (replaces the list).
    pub(crate) languages: Option<Vec<String>>,
    /// The kinds of offer they run (replaces the set).
    pub(crate) offer_kinds: Option<Vec<OfferKind>>,
    /// Most concurrent one-to-one matches (1–10); lowering it ends no match.
    pub(crate) max_matches: Option<i32>,
}

/// A peer worker after a mutation (`registerPeerWorker`, `updatePeerWorker`,
/// `changePeerStatus`, `recordScreening`, `recordCertificate`, `recordTraining`).
#[derive(async_graphql::SimpleObject)]
pub struct PeerWorkerPayload {
    /// The peer worker as they now are.
    pub(crate) peer_worker: PeerWorker,
}

/// `recordSupervision`'s answer.
#[derive(async_graphql::SimpleObject)]
pub struct SupervisionSessionPayload {
    /// The session recorded.
    pub(crate) supervision_session: SupervisionSessionGql,
}

/// `setSupervisionLimit`'s input.
#[derive(async_graphql::InputObject)]
pub struct SupervisionLimitInput {
    /// Days (7–365) after which a peer without supervision is due.
    pub(crate) days: i32,
}

/// `setSupervisionLimit`'s answer.
#[derive(async_graphql::SimpleObject)]
pub struct SupervisionLimitPayload {
    /// The limit now in force, in days.
    pub(crate) limit_days: i32,
}

/// A peer worker to erase.
#[derive(InputObject)]
pub struct ErasePeerWorkerInput {
    /// The peer (status `ENDED`).
    pub(crate) peer_id: ID,
}
