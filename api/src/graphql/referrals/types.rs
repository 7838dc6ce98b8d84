//! Output types, enums and loaders of this context's GraphQL API.

use std::sync::Arc;

use crate::graphql::time::Instant;
use async_graphql::dataloader::DataLoader;
use async_graphql::{ComplexObject, Context, ID, Object, SimpleObject};
use peerbro_domain::RequestContext;
use peerbro_domain::ids::{OfferId, OrganisationId, ReferralId};
use peerbro_domain::referral::{self as domain, ReferralDetail, ReferralService, ReferrerView};

pub use super::enums::*;
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::ids::parse;
use crate::graphql::loaders::{OfferLoader, OrganisationLoader};
use crate::graphql::offers::Offer;
use crate::graphql::tenancy::Organisation;

pub(crate) fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(&'a ReferralService, &'a RequestContext)> {
    crate::graphql::errors::request_data(ctx)
}

/// What the referrer's organisation sees: nothing about the citizen beyond this.
#[derive(SimpleObject)]
#[graphql(complex, serial)]
pub struct ReferralStatus {
    /// Id.
    pub(crate) id: ID,
    /// Status.
    pub(crate) state: ReferralState,
    /// The HL7 FHIR Task status.
    pub(crate) fhir_task_status: String,
    /// Submitted.
    pub(crate) submitted_at: Instant,
    /// First contact with the citizen.
    pub(crate) first_contact_at: Option<Instant>,
    /// The latest change.
    pub(crate) updated_at: Instant,
    /// Feedback for the referrer.
    pub(crate) feedback: Option<String>,
    /// The coded outcome; shown only while the citizen consents to sharing it.
    pub(crate) outcome: Option<OutcomeCode>,
    /// Why it was declined.
    pub(crate) decline_reason: Option<DeclineReason>,
    /// Why `outcome` is null: not yet, not shared, withdrawn, or ended without support; null
    /// when the outcome is shown.
    pub(crate) outcome_absence: Option<OutcomeAbsence>,
    /// The referrer's own reference for the case, as given when submitting.
    pub(crate) case_reference: Option<String>,
    #[graphql(skip)]
    pub(crate) requested_offer: Option<OfferId>,
    #[graphql(skip)]
    pub(crate) key: peerbro_domain::ids::ReferralId,
}

#[ComplexObject]
impl ReferralStatus {
    /// The offer the referrer asked for (null: the coordinator decides).
    async fn requested_offer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Offer>> {
        offer(ctx, self.requested_offer).await
    }

    /// The citizen's pseudonym (e.g. `B-7KQ2-M9XD`), which tells referrals apart without
    /// naming anyone (batched across a list).
    async fn citizen_pseudonym(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let loader = ctx.data::<DataLoader<crate::graphql::loaders::PseudonymLoader>>()?;
        Ok(loader.load_one(self.key).await?)
    }

    /// What happens next (null once the referral has ended).
    async fn next_step(&self) -> Option<ReferralNextStep> {
        domain::ReferralState::from(self.state)
            .next_step()
            .map(Into::into)
    }
}

impl From<ReferrerView> for ReferralStatus {
    fn from(v: ReferrerView) -> Self {
        Self {
            id: crate::graphql::ids::gid_as("ReferralStatus", v.id.as_uuid()),
            state: v.state.into(),
            fhir_task_status: v.state.fhir_task_status().to_owned(),
            submitted_at: v.submitted_at.into(),
            first_contact_at: v.first_contact_at.map(Into::into),
            updated_at: v.updated_at.into(),
            feedback: v.feedback,
            outcome: v.outcome.map(Into::into),
            decline_reason: v.decline_reason.map(Into::into),
            outcome_absence: v.outcome_absence.map(Into::into),
            case_reference: v.case_reference,
            requested_offer: v.requested_offer_id,
            key: v.id,
        }
    }
}

/// A recorded move.
#[derive(SimpleObject)]
#[graphql(complex, serial)]
pub struct ReferralTransition {
    /// From.
    pub(crate) from: ReferralState,
    /// To.
    pub(crate) to: ReferralState,
    /// The move.
    pub(crate) action: ReferralAction,
    /// When.
    pub(crate) at: Instant,
    /// Who.
    #[graphql(deprecation = "use actor")]
    pub(crate) actor_id: Option<ID>,
    /// The outcome it recorded.
    pub(crate) outcome: Option<OutcomeCode>,
    /// The decline reason it recorded.
    pub(crate) decline_reason: Option<DeclineReason>,
    /// The feedback it gave the referrer.
    pub(crate) feedback: Option<String>,
    #[graphql(skip)]
    pub(crate) actor: Option<peerbro_domain::ids::UserId>,
}

#[ComplexObject]
impl ReferralTransition {
    /// Who moved it (null for the system); batched across a list.
    async fn actor(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::graphql::tenancy::User>> {
        crate::graphql::tenancy::user(ctx, self.actor).await
    }
}

/// A referral as coordinators see it.
#[derive(SimpleObject)]
#[graphql(complex, serial)]
pub struct Referral {
    /// Id.
    pub(crate) id: ID,
    /// Status.
    pub(crate) state: ReferralState,
    /// The HL7 FHIR Task status.
    pub(crate) fhir_task_status: String,
    /// The citizen (read their details with `citizen(id, purpose)`; that read is audited).
    pub(crate) citizen_id: ID,
    /// The referring user's id (see `referrer`).
    pub(crate) referrer_id: ID,
    /// Why the citizen is referred; only through `referral(id, purpose)` (audited).
    pub(crate) reason: Option<String>,
    /// Submitted.
    pub(crate) submitted_at: Instant,
    /// First contact.
    pub(crate) first_contact_at: Option<Instant>,
    /// Whole minutes from submission to first contact.
    pub(crate) minutes_to_first_contact: Option<i64>,
    /// Whole hours from submission to first contact.
    #[graphql(deprecation = "use minutesToFirstContact")]
    pub(crate) hours_to_first_contact: Option<i64>,
    /// The assigned peer.
    pub(crate) assigned_peer_id: Option<ID>,
    /// The offer the referrer asked for (null: the coordinator decides).
    #[graphql(deprecation = "use requestedOffer")]
    pub(crate) requested_offer_id: Option<ID>,
    /// The course it is assigned to.
    #[graphql(deprecation = "use assignedOffer")]
    pub(crate) assigned_offer_id: Option<ID>,
    #[graphql(skip)]
    pub(crate) requested_offer: Option<OfferId>,
    #[graphql(skip)]
    pub(crate) assigned_offer: Option<OfferId>,
    #[graphql(skip)]
    pub(crate) assigned_peer_key: Option<peerbro_domain::ids::PeerId>,
    #[graphql(skip)]
    pub(crate) keys: (peerbro_domain::ids::ReferralId, peerbro_domain::ids::UserId),
    /// Flagged: assigned without contact for longer than the tenant's limit (14 days unless
    /// a tenant admin changed it).
    pub(crate) contact_overdue: bool,
    /// The outcome.
    pub(crate) outcome: Option<OutcomeCode>,
    /// Why it was declined.
    pub(crate) decline_reason: Option<DeclineReason>,
    /// The latest feedback for the referrer.
    pub(crate) feedback: Option<String>,
    /// The referrer's own reference for the case.
    pub(crate) case_reference: Option<String>,
    /// Every move, oldest first.
    pub(crate) transitions: Vec<ReferralTransition>,
    #[graphql(skip)]
    pub(crate) referrer_organisation_id: OrganisationId,
    /// The organisation, when a list read its rows' organisations with them (the worklist).
    #[graphql(skip)]
    pub(crate) referrer_organisation: Option<Arc<Organisation>>,
}

#[ComplexObject]
impl Referral {
    /// The offer the referrer asked for (null: the coordinator decides).
    async fn requested_offer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Offer>> {
        offer(ctx, self.requested_offer).await
    }

    /// The course it is assigned to (null: not a course).
    async fn assigned_offer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Offer>> {
        offer(ctx, self.assigned_offer).await
    }

    /// The peer it is assigned to (null: none): their name and contact are personal data, so
    /// the read is audited with `purpose`, as `peerWorker(id, purpose)` is (batched across a
    /// list, one query per purpose).
    async fn assigned_peer(
        &self,
        ctx: &Context<'_>,
        purpose: crate::graphql::people::AccessPurpose,
    ) -> async_graphql::Result<Option<crate::graphql::peers::PeerWorker>> {
        let Some(peer) = self.assigned_peer_key else {
            return Ok(None);
        };
        crate::graphql::peers::peer(ctx, peer, purpose).await
    }

    /// The referring user, for coordinators and tenant admins (batched).
    async fn referrer(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<crate::graphql::tenancy::User>> {
        crate::graphql::tenancy::user(ctx, Some(self.keys.1)).await
    }

    /// The citizen's pseudonym (batched across a list): who the referral is about, without
    /// an audited read of their details.
    async fn citizen_pseudonym(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let loader = ctx.data::<DataLoader<crate::graphql::loaders::PseudonymLoader>>()?;
        Ok(loader.load_one(self.keys.0).await?)
    }

    /// The referrer's organisation.
    async fn referrer_organisation(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Arc<Organisation>>> {
        if let Some(known) = &self.referrer_organisation {
            return Ok(Some(known.clone()));
        }
        let loader = ctx.data::<DataLoader<OrganisationLoader>>()?;
        Ok(loader
            .load_one(self.referrer_organisation_id)
            .await?
            .map(|o| Arc::new(o.into())))
    }
}

/// An offer through the request's DataLoader (batched over the rows of a list).
async fn offer(ctx: &Context<'_>, id: Option<OfferId>) -> async_graphql::Result<Option<Offer>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let loader = ctx.data::<DataLoader<OfferLoader>>()?;
    Ok(loader.load_one(id).await?.map(Into::into))
}

impl From<ReferralDetail> for Referral {
    fn from(d: ReferralDetail) -> Self {
        let r = d.referral;
        Self {
            id: crate::graphql::ids::gid(r.id),
            state: r.state.into(),
            fhir_task_status: r.state.fhir_task_status().to_owned(),
            citizen_id: crate::graphql::ids::gid(r.citizen_id),
            referrer_id: crate::graphql::ids::gid(r.referrer_id),
            reason: r.reason.as_ref().map(|p| p.expose().to_owned()),
            submitted_at: r.submitted_at.into(),
            first_contact_at: r.first_contact_at.map(Into::into),
            minutes_to_first_contact: r.minutes_to_first_contact(),
            hours_to_first_contact: r.hours_to_first_contact(),
            assigned_peer_id: r.assigned_peer_id.map(crate::graphql::ids::gid),
            assigned_peer_key: r.assigned_peer_id,
            keys: (r.id, r.referrer_id),
            requested_offer_id: r.requested_offer_id.map(crate::graphql::ids::gid),
            assigned_offer_id: r.assigned_offer_id.map(crate::graphql::ids::gid),
            requested_offer: r.requested_offer_id,
            assigned_offer: r.assigned_offer_id,
            contact_overdue: d.contact_overdue,
            referrer_organisation: d.referrer_organisation.map(|o| Arc::new(o.into())),
            outcome: r.outcome.map(Into::into),
            decline_reason: r.decline_reason.map(Into::into),
            feedback: r.feedback,
            case_reference: r.case_reference,
            transitions: r
                .transitions
                .into_iter()
                .map(|t| ReferralTransition {
                    from: t.from.into(),
                    to: t.to.into(),
                    action: t.action.into(),
                    at: t.at.into(),
                    actor_id: t.actor.map(crate::graphql::ids::gid),
                    actor: t.actor,
                    outcome: t.details.outcome.map(Into::into),
                    decline_reason: t.details.decline_reason.map(Into::into),
                    feedback: t.details.feedback,
                })
                .collect(),
            referrer_organisation_id: r.referrer_organisation_id,
        }
    }
}

/// How many of the tenant's referrals are in one state.
#[derive(SimpleObject)]
pub struct ReferralStateCount {
    /// The state.
    pub(crate) state: ReferralState,
    /// How many referrals are in it.
    pub(crate) count: i64,
}

impl ReferralStateCount {
    /// How many of the tenant's referrals are in each state, every state listed
    /// ([`domain::ReferralService::counts_by_state`]).
    pub(crate) async fn of_tenant(ctx: &Context<'_>) -> async_graphql::Result<Vec<Self>> {
        let (svc, rc) = request(ctx)?;
        Ok(svc
            .counts_by_state(rc)
            .await
            .gql()?
            .into_iter()
            .map(|(state, n)| Self {
                state: state.into(),
                count: i64::try_from(n).unwrap_or(i64::MAX),
            })
            .collect())
    }
}

/// How many items a list of referrals holds in all, with its filters, paging aside.
pub enum ReferralCount {
    /// The caller's organisation's referrals, narrowed.
    Organisation(domain::ReferralNarrowing),
    /// The coordinator's worklist, narrowed.
    Worklist(peerbro_domain::referral::WorklistNarrowing),
    /// The caller's own referrals, as the citizen referred.
    Mine,
}

#[Object]
impl ReferralCount {
    /// How many items the list holds in all, with its filters, paging aside (counted only
    /// when asked for: one more statement).
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        let (svc, rc) = request(ctx)?;
        let n = match self {
            Self::Organisation(narrowing) => {
                svc.count_my_organisation_referrals(rc, narrowing).await
            }
            Self::Worklist(narrowing) => svc.count_worklist(rc, narrowing).await,
            Self::Mine => svc.count_my_referrals(rc).await,
        }
        .gql()?;
        Ok(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

pub(crate) fn referral_id(field: &str, id: &ID) -> async_graphql::Result<ReferralId> {
    parse::<ReferralId>(field, id).gql()
}

/// The result of a submission.
#[derive(SimpleObject)]
pub struct SubmitReferralPayload {
    /// The referral.
    pub(crate) referral: ReferralStatus,
    /// False when this was a retry of an earlier submission.
    pub(crate) created: bool,
}
