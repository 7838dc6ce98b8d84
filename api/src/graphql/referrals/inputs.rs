//! Input objects of this context's GraphQL API.

use async_graphql::{ID, InputObject};

use super::types::*;
use crate::graphql::people::ConsentEvidence;

/// A citizen not registered before.
#[derive(InputObject)]
pub struct ReferredCitizenInput {
    /// Name.
    pub(crate) name: String,
    /// Contact details.
    pub(crate) contact: Option<String>,
    /// Birth year.
    pub(crate) birth_year: Option<i32>,
    /// Municipality.
    pub(crate) municipality: String,
}

/// A referral; give exactly one of `newCitizen` and `citizenId`.
#[derive(InputObject)]
pub struct SubmitReferralInput {
    /// A citizen not registered before.
    pub(crate) new_citizen: Option<ReferredCitizenInput>,
    /// A citizen registered earlier: one your organisation referred before (a coordinator may
    /// name any citizen of the tenant). Their consent to referral processing must be in force;
    /// a referral never records or changes a known citizen's consents.
    pub(crate) citizen_id: Option<ID>,
    /// Why the citizen is referred (up to 2000 characters; encrypted at rest).
    pub(crate) reason: Option<String>,
    /// How the citizen consented to the referral being processed (required).
    pub(crate) consent_evidence: ConsentEvidence,
    /// The citizen agrees that the coded outcome is shared with the referrer. Recorded for a
    /// new citizen; for a known one it must already be in force (else `VALIDATION`).
    #[graphql(default)]
    pub(crate) share_outcome_with_referrer: bool,
    /// The citizen agrees to be contacted. Recorded for a new citizen; for a known one it must
    /// already be in force (else `VALIDATION`): send `false` to refer without it.
    #[graphql(default = true)]
    pub(crate) contact_consent: bool,
    /// The offer asked for (see `offers`); leave out to let the coordinator decide.
    pub(crate) offer_id: Option<ID>,
    /// Makes retries safe: the same key and input return the same referral.
    pub(crate) idempotency_key: Option<String>,
    /// Your own reference for the case (its id in your case system: 1–40 letters, digits
    /// and `. _ / : # -`, never a name), to find the referral again.
    pub(crate) case_reference: Option<String>,
}

/// A move of a referral.
#[derive(InputObject)]
pub struct MoveReferralInput {
    /// The referral.
    pub(crate) referral_id: ID,
    /// The move.
    pub(crate) action: ReferralAction,
    /// The peer, for ASSIGN to one-to-one accompaniment.
    pub(crate) peer_id: Option<ID>,
    /// The course, for ASSIGN to a peer-group course (the citizen gets a place or a place
    /// on its waiting list).
    pub(crate) course_id: Option<ID>,
    /// The outcome, for COMPLETE and END_EARLY.
    pub(crate) outcome: Option<OutcomeCode>,
    /// The reason, for DECLINE.
    pub(crate) decline_reason: Option<DeclineReason>,
    /// A short line for the referrer (no personal data).
    pub(crate) feedback: Option<String>,
}

/// A citizen's referral of themself (the citizen app).
#[derive(InputObject)]
pub struct ReferMyselfInput {
    /// The open offer asked for (see `offers(openOnly: true)`); the organisation running it
    /// receives the referral.
    pub(crate) offer_id: ID,
    /// In your own words, why (up to 2000 characters; encrypted at rest).
    pub(crate) reason: Option<String>,
    /// You agree to be contacted about it (recorded when not already in force).
    #[graphql(default = true)]
    pub(crate) contact_consent: bool,
    /// Makes retries safe: the same key and input return the same referral.
    pub(crate) idempotency_key: Option<String>,
}

/// `moveReferral`'s answer.
#[derive(async_graphql::SimpleObject)]
pub struct MoveReferralPayload {
    /// The referral after the move, as its referrer sees it.
    pub(crate) referral: ReferralStatus,
}

/// `setReferralContactLimit`'s input.
#[derive(InputObject)]
pub struct ReferralContactLimitInput {
    /// Days (1–90) an assigned referral may wait for first contact.
    pub(crate) days: i32,
}

/// `setReferralContactLimit`'s answer.
#[derive(async_graphql::SimpleObject)]
pub struct ReferralContactLimitPayload {
    /// The limit now in force, in days.
    pub(crate) limit_days: i32,
}
