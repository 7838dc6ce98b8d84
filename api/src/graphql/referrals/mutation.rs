//! Mutations of this context's GraphQL API.

use async_graphql::{Context, Object};
use peerbro_domain::DomainError;
use peerbro_domain::ids::{CitizenId, OfferId, PeerId};
use peerbro_domain::people::{CitizenInput, NewCitizen};
use peerbro_domain::privacy::Personal;
use peerbro_domain::referral::{
    AssignTarget, CaseReference, IdempotencyKey, MoveDetails, NewReferral, ReferralReason,
    ReferredCitizen, SelfReferral,
};

use super::inputs::*;
use super::types::*;
use crate::graphql::errors::{GqlResultExt as _, to_gql};
use crate::graphql::ids::parse;

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
        input: ReferralContactLimitInput,
    ) -> async_graphql::Result<ReferralContactLimitPayload> {
        let (svc, rc) = request(ctx)?;
        let days = u32::try_from(input.days)
            .map_err(|_| DomainError::validation("days", "must be between 1 and 90"))
            .gql()?;
        let days = svc.set_contact_limit(rc, days).await.gql()?;
        Ok(ReferralContactLimitPayload {
            limit_days: i32::try_from(days).unwrap_or(i32::MAX),
        })
    }

    /// A referrer submits a referral with the citizen's consent to processing it.
    async fn submit_referral(
        &self,
        ctx: &Context<'_>,
        input: SubmitReferralInput,
    ) -> async_graphql::Result<SubmitReferralPayload> {
        let (svc, rc) = request(ctx)?;
        let citizen = match (input.new_citizen, input.citizen_id) {
            (Some(c), None) => ReferredCitizen::New(
                NewCitizen::parse(
                    Some("newCitizen"),
                    CitizenInput {
                        name: &c.name,
                        contact: c.contact.as_deref(),
                        birth_year: c.birth_year,
                        municipality: &c.municipality,
                    },
                )
                .gql()?,
            ),
            (None, Some(id)) => ReferredCitizen::Known(parse::<CitizenId>("citizenId", &id).gql()?),
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
                .map(|r| ReferralReason::parse(r).map(Personal::from))
                .transpose()
                .gql()?,
            consent_evidence: input.consent_evidence.into(),
            share_outcome: input.share_outcome_with_referrer,
            contact: input.contact_consent,
            offer_id: input
                .offer_id
                .as_ref()
                .map(|o| parse::<OfferId>("offerId", o))
                .transpose()
                .gql()?,
            idempotency_key: input
                .idempotency_key
                .as_deref()
                .map(IdempotencyKey::parse)
                .transpose()
                .gql()?,
            case_reference: input
                .case_reference
                .as_deref()
                .map(CaseReference::parse)
                .transpose()
                .gql()?,
        };
        let (id, created) = svc.submit(rc, new).await.gql()?;
        let view = svc.referrer_view(rc, id).await.gql()?;
        Ok(SubmitReferralPayload {
            referral: view.into(),
            created,
        })
    }

    /// A citizen with an account refers themself to an open offer; submitting is their
    /// digital consent to the referral being processed (recorded with the consent to
    /// contact, when asked, unless in force). They follow it with `myReferrals` and may
    /// withdraw it. Without a citizen record (`registerSelf` first) `CONFLICT` with
    /// `reason: NOT_REGISTERED`; a closed offer `CONFLICT` (`OFFER_CLOSED`); other roles
    /// `FORBIDDEN`.
    async fn refer_myself(
        &self,
        ctx: &Context<'_>,
        input: ReferMyselfInput,
    ) -> async_graphql::Result<SubmitReferralPayload> {
        let (svc, rc) = request(ctx)?;
        let new = SelfReferral {
            offer_id: parse::<OfferId>("offerId", &input.offer_id).gql()?,
            reason: input
                .reason
                .as_deref()
                .map(|r| ReferralReason::parse(r).map(Personal::from))
                .transpose()
                .gql()?,
            contact: input.contact_consent,
            idempotency_key: input
                .idempotency_key
                .as_deref()
                .map(IdempotencyKey::parse)
                .transpose()
                .gql()?,
        };
        let (id, created) = svc.refer_myself(rc, new).await.gql()?;
        let view = svc.referrer_view(rc, id).await.gql()?;
        Ok(SubmitReferralPayload {
            referral: view.into(),
            created,
        })
    }

    /// Moves a referral; an illegal move is a CONFLICT. Coordinators make every move;
    /// referrers may only WITHDRAW their organisation's referrals (and the citizen referred
    /// their own); the peer a referral is assigned to may RECORD_CONTACT and START it (another
    /// peer's match is NOT_FOUND to them).
    async fn move_referral(
        &self,
        ctx: &Context<'_>,
        input: MoveReferralInput,
    ) -> async_graphql::Result<MoveReferralPayload> {
        let (svc, rc) = request(ctx)?;
        let id = referral_id("referralId", &input.referral_id)?;
        let target = match (&input.peer_id, &input.course_id) {
            (Some(peer), None) => Some(AssignTarget::Peer(parse::<PeerId>("peerId", peer).gql()?)),
            (None, Some(course)) => Some(AssignTarget::Course(
                parse::<OfferId>("courseId", course).gql()?,
            )),
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
        let view = svc
            .move_and_view(rc, id, input.action.into(), details, target)
            .await
            .gql()?;
        Ok(MoveReferralPayload {
            referral: view.into(),
        })
    }
}
