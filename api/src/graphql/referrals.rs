//! Referrals in GraphQL. Referrers get `ReferralStatus` (the closed loop: status, dates,
//! feedback and, with the citizen's consent, the coded outcome); coordinators get `Referral`,
//! whose `reason` is personal data, decrypted and audited only through `referral(id, purpose)`.

use async_graphql::connection::Connection;
use async_graphql::dataloader::DataLoader;
use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use peerbro_domain::ids::{CitizenId, OfferId, OrganisationId, PeerId, ReferralId};
use peerbro_domain::people::{BirthYear, NewCitizen, parse_municipality};
use peerbro_domain::privacy::Personal;
use peerbro_domain::referral::{
    self as domain, AssignTarget, MoveDetails, NewReferral, ReferralDetail, ReferralService,
    ReferredCitizen, ReferrerView,
};
use peerbro_domain::{DomainError, RequestContext};

use super::errors::{GqlResultExt as _, to_gql};
use super::loaders::OrganisationLoader;
use super::people::{AccessPurpose, ConsentEvidence};
use super::scalars::parse_id;
use super::tenancy::{Organisation, connection, page_request};

fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(&'a ReferralService, &'a RequestContext)> {
    super::errors::request_data(ctx)
}

wire_enum!(
    /// Where a referral is.
    ReferralState => domain::ReferralState {
        /// Sent by the referrer.
        Submitted,
        /// Accepted by a coordinator.
        Accepted,
        /// Given to a peer or a course.
        Assigned,
        /// First contact made.
        InContact,
        /// Support is running.
        Active,
        /// Ended as planned.
        Completed,
        /// Ended before its planned end.
        EndedEarly,
        /// The citizen could not be reached.
        NoContact,
        /// Withdrawn by the referrer or the citizen.
        Withdrawn,
        /// Declined by a coordinator.
        Declined,
    }
);
wire_enum!(
    /// A move of a referral.
    ReferralAction => domain::ReferralAction {
        /// SUBMITTED → ACCEPTED.
        Accept,
        /// ACCEPTED → ASSIGNED (give `peerId`).
        Assign,
        /// ASSIGNED → ACCEPTED.
        Reassign,
        /// ASSIGNED → IN_CONTACT.
        RecordContact,
        /// IN_CONTACT → ACTIVE.
        Start,
        /// ACTIVE → COMPLETED (give `outcome`).
        Complete,
        /// ACTIVE → ENDED_EARLY (give `outcome`).
        EndEarly,
        /// ASSIGNED → NO_CONTACT.
        MarkNoContact,
        /// Any open state before ACTIVE → WITHDRAWN.
        Withdraw,
        /// SUBMITTED or ACCEPTED → DECLINED (give `declineReason`).
        Decline,
    }
);
wire_enum!(
    /// The coded outcome of finished support.
    OutcomeCode => domain::OutcomeCode {
        /// The goal was reached.
        GoalReached,
        /// Moved on to a community activity.
        MovedOnToCommunityActivity,
        /// Dropped out.
        DroppedOut,
        /// Moved away.
        MovedAway,
        /// Needed other help.
        NeededOtherHelp,
        /// Something else.
        Other,
    }
);
wire_enum!(
    /// Why a coordinator declined.
    DeclineReason => domain::DeclineReason {
        /// Outside the target group.
        OutsideTargetGroup,
        /// No capacity now.
        NoCapacity,
        /// Other help fits better.
        OtherHelpFitsBetter,
        /// A duplicate.
        Duplicate,
        /// Something else.
        Other,
    }
);

/// What the referrer's organisation sees: nothing about the citizen beyond this.
#[derive(SimpleObject)]
pub struct ReferralStatus {
    /// Id.
    id: ID,
    /// Status.
    state: ReferralState,
    /// The HL7 FHIR Task status.
    fhir_task_status: String,
    /// Submitted.
    submitted_at: DateTime<Utc>,
    /// First contact with the citizen.
    first_contact_at: Option<DateTime<Utc>>,
    /// The latest change.
    updated_at: DateTime<Utc>,
    /// Feedback for the referrer.
    feedback: Option<String>,
    /// The coded outcome; shown only while the citizen consents to sharing it.
    outcome: Option<OutcomeCode>,
    /// Why it was declined.
    decline_reason: Option<DeclineReason>,
}

impl From<ReferrerView> for ReferralStatus {
    fn from(v: ReferrerView) -> Self {
        Self {
            id: ID(v.id.to_string()),
            state: v.state.into(),
            fhir_task_status: v.state.fhir_task_status().to_owned(),
            submitted_at: v.submitted_at,
            first_contact_at: v.first_contact_at,
            updated_at: v.updated_at,
            feedback: v.feedback,
            outcome: v.outcome.map(Into::into),
            decline_reason: v.decline_reason.map(Into::into),
        }
    }
}

/// A recorded move.
#[derive(SimpleObject)]
pub struct ReferralTransition {
    /// From.
    from: ReferralState,
    /// To.
    to: ReferralState,
    /// The move.
    action: ReferralAction,
    /// When.
    at: DateTime<Utc>,
    /// Who.
    actor_id: Option<ID>,
    /// The outcome it recorded.
    outcome: Option<OutcomeCode>,
    /// The decline reason it recorded.
    decline_reason: Option<DeclineReason>,
    /// The feedback it gave the referrer.
    feedback: Option<String>,
}

/// A referral as coordinators see it.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Referral {
    /// Id.
    id: ID,
    /// Status.
    state: ReferralState,
    /// The HL7 FHIR Task status.
    fhir_task_status: String,
    /// The citizen (read their details with `citizen(id, purpose)`; that read is audited).
    citizen_id: ID,
    /// The referring user.
    referrer_id: ID,
    /// Why the citizen is referred; only through `referral(id, purpose)` (audited).
    reason: Option<String>,
    /// Submitted.
    submitted_at: DateTime<Utc>,
    /// First contact.
    first_contact_at: Option<DateTime<Utc>>,
    /// Hours from submission to first contact.
    hours_to_first_contact: Option<i64>,
    /// The assigned peer.
    assigned_peer_id: Option<ID>,
    /// The offer the referrer asked for (null: the coordinator decides).
    requested_offer_id: Option<ID>,
    /// The course it is assigned to.
    assigned_offer_id: Option<ID>,
    /// Flagged: assigned without contact for longer than the tenant's limit (14 days unless
    /// a tenant admin changed it).
    contact_overdue: bool,
    /// The outcome.
    outcome: Option<OutcomeCode>,
    /// Why it was declined.
    decline_reason: Option<DeclineReason>,
    /// The latest feedback for the referrer.
    feedback: Option<String>,
    /// Every move, oldest first.
    transitions: Vec<ReferralTransition>,
    #[graphql(skip)]
    referrer_organisation_id: OrganisationId,
}

#[ComplexObject]
impl Referral {
    /// The referrer's organisation.
    async fn referrer_organisation(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Organisation>> {
        let loader = ctx.data::<DataLoader<OrganisationLoader>>()?;
        Ok(loader
            .load_one(self.referrer_organisation_id)
            .await?
            .map(Into::into))
    }
}

impl From<ReferralDetail> for Referral {
    fn from(d: ReferralDetail) -> Self {
        let r = d.referral;
        Self {
            id: ID(r.id.to_string()),
            state: r.state.into(),
            fhir_task_status: r.state.fhir_task_status().to_owned(),
            citizen_id: ID(r.citizen_id.to_string()),
            referrer_id: ID(r.referrer_id.to_string()),
            reason: r.reason.as_ref().map(|p| p.expose().to_owned()),
            submitted_at: r.submitted_at,
            first_contact_at: r.first_contact_at,
            hours_to_first_contact: r.hours_to_first_contact(),
            assigned_peer_id: r.assigned_peer_id.map(|p| ID(p.to_string())),
            requested_offer_id: r.requested_offer_id.map(|o| ID(o.to_string())),
            assigned_offer_id: r.assigned_offer_id.map(|o| ID(o.to_string())),
            contact_overdue: d.contact_overdue,
            outcome: r.outcome.map(Into::into),
            decline_reason: r.decline_reason.map(Into::into),
            feedback: r.feedback,
            transitions: r
                .transitions
                .into_iter()
                .map(|t| ReferralTransition {
                    from: t.from.into(),
                    to: t.to.into(),
                    action: t.action.into(),
                    at: t.at,
                    actor_id: t.actor.map(|a| ID(a.to_string())),
                    outcome: t.details.outcome.map(Into::into),
                    decline_reason: t.details.decline_reason.map(Into::into),
                    feedback: t.details.feedback,
                })
                .collect(),
            referrer_organisation_id: r.referrer_organisation_id,
        }
    }
}

fn referral_id(field: &str, id: &ID) -> async_graphql::Result<ReferralId> {
    Ok(ReferralId::from_uuid(parse_id(field, id).gql()?))
}

/// Referral queries.
#[derive(Default)]
pub struct ReferralsQuery;

#[Object]
impl ReferralsQuery {
    /// The referrals of the caller's organisation (referrers), oldest first.
    async fn my_organisation_referrals(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
        #[graphql(validator(minimum = 1, maximum = 100))] last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, ReferralStatus>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(first, after, last, before).gql()?;
        let result = svc.my_organisation_referrals(rc, &page).await.gql()?;
        Ok(connection(result, |v| v.id.as_uuid(), ReferralStatus::from))
    }

    /// One referral's status: referrers of the submitting organisation, coordinators.
    async fn referral_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<ReferralStatus> {
        let (svc, rc) = request(ctx)?;
        svc.referrer_view(rc, referral_id("id", &id)?)
            .await
            .gql()
            .map(Into::into)
    }

    /// One referral with its reason (coordinators and tenant admins; audited).
    async fn referral(
        &self,
        ctx: &Context<'_>,
        id: ID,
        purpose: AccessPurpose,
    ) -> async_graphql::Result<Referral> {
        let (svc, rc) = request(ctx)?;
        svc.referral(rc, referral_id("id", &id)?, purpose.into())
            .await
            .gql()
            .map(Into::into)
    }

    /// The days an assigned referral may wait for first contact before it is flagged
    /// (coordinators and tenant admins).
    async fn referral_contact_limit_days(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let (svc, rc) = request(ctx)?;
        let days = svc.contact_limit(rc).await.gql()?;
        Ok(i32::try_from(days).unwrap_or(i32::MAX))
    }

    /// The coordinator's worklist: open referrals (or those in `states`), oldest first, with
    /// `contactOverdue` flags.
    async fn referral_worklist(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] states: Vec<ReferralState>,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Referral>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(first, after, None, None).gql()?;
        let states = states.into_iter().map(Into::into).collect();
        let result = svc.worklist(rc, states, &page).await.gql()?;
        Ok(connection(
            result,
            |d| d.referral.id.as_uuid(),
            Referral::from,
        ))
    }
}

/// A citizen not registered before.
#[derive(InputObject)]
pub struct ReferredCitizenInput {
    /// Name.
    name: String,
    /// Contact details.
    contact: Option<String>,
    /// Birth year.
    birth_year: Option<i32>,
    /// Municipality.
    municipality: String,
}

/// A referral; give exactly one of `newCitizen` and `citizenId`.
#[derive(InputObject)]
pub struct SubmitReferralInput {
    /// A citizen not registered before.
    new_citizen: Option<ReferredCitizenInput>,
    /// A citizen registered earlier: one your organisation referred before (a coordinator may
    /// name any citizen of the tenant). Their consent to referral processing must be in force;
    /// a referral never records or changes a known citizen's consents.
    citizen_id: Option<ID>,
    /// Why the citizen is referred (up to 2000 characters; encrypted at rest).
    reason: Option<String>,
    /// How the citizen consented to the referral being processed (required).
    consent_evidence: ConsentEvidence,
    /// The citizen agrees that the coded outcome is shared with the referrer. Recorded for a
    /// new citizen; for a known one it must already be in force (else `VALIDATION`).
    #[graphql(default)]
    share_outcome_with_referrer: bool,
    /// The citizen agrees to be contacted. Recorded for a new citizen; for a known one it must
    /// already be in force (else `VALIDATION`): send `false` to refer without it.
    #[graphql(default = true)]
    contact_consent: bool,
    /// The offer asked for (see `offers`); leave out to let the coordinator decide.
    offer_id: Option<ID>,
    /// Makes retries safe: the same key and input return the same referral.
    idempotency_key: Option<String>,
}

/// The result of a submission.
#[derive(SimpleObject)]
pub struct SubmitReferralPayload {
    /// The referral.
    referral: ReferralStatus,
    /// False when this was a retry of an earlier submission.
    created: bool,
}

/// A move of a referral.
#[derive(InputObject)]
pub struct MoveReferralInput {
    /// The referral.
    id: ID,
    /// The move.
    action: ReferralAction,
    /// The peer, for ASSIGN to one-to-one accompaniment.
    peer_id: Option<ID>,
    /// The course, for ASSIGN to a peer-group course (the citizen gets a place or a place
    /// on its waiting list).
    course_id: Option<ID>,
    /// The outcome, for COMPLETE and END_EARLY.
    outcome: Option<OutcomeCode>,
    /// The reason, for DECLINE.
    decline_reason: Option<DeclineReason>,
    /// A short line for the referrer (no personal data).
    feedback: Option<String>,
}

/// Referral mutations.
#[derive(Default)]
pub struct ReferralsMutation;

#[Object]
impl ReferralsMutation {
    /// Sets the days an assigned referral may wait for first contact before it is flagged
    /// (1–90; tenant admins).
    async fn set_referral_contact_limit(
        &self,
        ctx: &Context<'_>,
        days: i32,
    ) -> async_graphql::Result<i32> {
        let (svc, rc) = request(ctx)?;
        let days = u32::try_from(days)
            .map_err(|_| DomainError::validation("days", "must be between 1 and 90"))
            .gql()?;
        let days = svc.set_contact_limit(rc, days).await.gql()?;
        Ok(i32::try_from(days).unwrap_or(i32::MAX))
    }

    /// A referrer submits a referral with the citizen's consent to processing it.
    async fn submit_referral(
        &self,
        ctx: &Context<'_>,
        input: SubmitReferralInput,
    ) -> async_graphql::Result<SubmitReferralPayload> {
        let (svc, rc) = request(ctx)?;
        let citizen = match (input.new_citizen, input.citizen_id) {
            (Some(c), None) => ReferredCitizen::New(NewCitizen {
                name: Personal::parse("newCitizen.name", &c.name, 200).gql()?,
                contact: c
                    .contact
                    .as_deref()
                    .map(|v| Personal::parse("newCitizen.contact", v, 500))
                    .transpose()
                    .gql()?,
                birth_year: c.birth_year.map(BirthYear::parse).transpose().gql()?,
                municipality: parse_municipality(&c.municipality).gql()?,
            }),
            (None, Some(id)) => {
                ReferredCitizen::Known(CitizenId::from_uuid(parse_id("citizenId", &id).gql()?))
            }
            _ => {
                return Err(to_gql(DomainError::validation(
                    "input",
                    "give exactly one of newCitizen and citizenId",
                )));
            }
        };
        let new = NewReferral {
            citizen,
            reason: input
                .reason
                .as_deref()
                .map(|r| Personal::parse("reason", r, 2000))
                .transpose()
                .gql()?,
            consent_evidence: input.consent_evidence.into(),
            share_outcome: input.share_outcome_with_referrer,
            contact: input.contact_consent,
            offer_id: input
                .offer_id
                .as_ref()
                .map(|o| parse_id("offerId", o).map(OfferId::from_uuid))
                .transpose()
                .gql()?,
            idempotency_key: input.idempotency_key,
        };
        let (id, created) = svc.submit(rc, new).await.gql()?;
        let view = svc.referrer_view(rc, id).await.gql()?;
        Ok(SubmitReferralPayload {
            referral: view.into(),
            created,
        })
    }

    /// Moves a referral; an illegal move is a CONFLICT. Referrers may only WITHDRAW their
    /// organisation's referrals.
    async fn move_referral(
        &self,
        ctx: &Context<'_>,
        input: MoveReferralInput,
    ) -> async_graphql::Result<ReferralStatus> {
        let (svc, rc) = request(ctx)?;
        let id = referral_id("id", &input.id)?;
        let target = match (&input.peer_id, &input.course_id) {
            (Some(peer), None) => Some(AssignTarget::Peer(PeerId::from_uuid(
                parse_id("peerId", peer).gql()?,
            ))),
            (None, Some(course)) => Some(AssignTarget::Course(OfferId::from_uuid(
                parse_id("courseId", course).gql()?,
            ))),
            (None, None) => None,
            (Some(_), Some(_)) => {
                return Err(to_gql(DomainError::validation(
                    "courseId",
                    "give a peer or a course, not both",
                )));
            }
        };
        let details = MoveDetails {
            outcome: input.outcome.map(Into::into),
            decline_reason: input.decline_reason.map(Into::into),
            feedback: input.feedback,
        };
        svc.move_referral(rc, id, input.action.into(), details, target)
            .await
            .gql()?;
        svc.referrer_view(rc, id).await.gql().map(Into::into)
    }
}
