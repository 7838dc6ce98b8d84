//! Moves: coordinators triage, assign, record progress and end; a referrer or the citizen
//! referred withdraws. One unit of work: the referral, the peer's places or the course are
//! locked, the aggregates decide, and what changed is stored with its events.

use chrono::{DateTime, Utc};

use crate::context::RequestContext;
use crate::error::{DomainError, DomainResult};
use crate::ids::{OfferId, ReferralId};
use crate::referral::model::{MoveDetails, ReferralAction};
use crate::referral::policy::{self, Mover};
use crate::referral::ports::AssignTarget;
use crate::referral::referral::ReferrerView;
use crate::referral::service::ReferralService;
use crate::unit_of_work::UnitOfWork;

impl ReferralService {
    /// Moves a referral ([`Self::move_referral`]) and answers it as the mover may see it
    /// afterwards: as [`Self::referrer_view`] gives it, and to the assigned peer who recorded
    /// contact or the start, what the referrer sees of their match.
    ///
    /// # Errors
    /// As [`Self::move_referral`].
    pub async fn move_and_view(
        &self,
        ctx: &RequestContext,
        id: ReferralId,
        action: ReferralAction,
        details: MoveDetails,
        target: Option<AssignTarget>,
    ) -> DomainResult<ReferrerView> {
        let mover = policy::mover(ctx, action)?;
        self.move_referral(ctx, id, action, details, target).await?;
        if mover == Mover::AssignedPeer {
            // The move itself showed the referral is the caller's match.
            let referral = self.referrals.get(ctx, id, None).await?;
            let shared = self.outcome_shared(ctx, referral.citizen_id).await?;
            return Ok(ReferrerView::of(&referral, shared));
        }
        self.referrer_view(ctx, id).await
    }

    /// A referrer of the submitting organisation, or the citizen referred, may withdraw;
    /// anyone else's referral answers `NotFound`.
    async fn ensure_may_withdraw(&self, ctx: &RequestContext, id: ReferralId) -> DomainResult<()> {
        // Whoever may see it as referrer or as the citizen referred may withdraw it.
        self.referrer_view(ctx, id).await.map(|_| ())
    }

    /// Moves a referral. Coordinators make every move; a referrer of the submitting
    /// organisation, or the citizen referred, may only withdraw; the peer a referral is
    /// assigned to records first contact and the start (anyone else's match answers
    /// `NotFound` to a peer). Assigning names a peer, who must be active and have
    /// capacity for another one-to-one match, or a course, where the citizen gets a place or a
    /// place on the waiting list.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Validation`; `Conflict` for an illegal move or a full peer.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id(), action = action.as_str()))]
    pub async fn move_referral(
        &self,
        ctx: &RequestContext,
        id: ReferralId,
        action: ReferralAction,
        details: MoveDetails,
        target: Option<AssignTarget>,
    ) -> DomainResult<ReferralId> {
        let mover = policy::mover(ctx, action)?;
        match mover {
            Mover::Coordinator | Mover::AssignedPeer => {}
            Mover::Withdrawer => self.ensure_may_withdraw(ctx, id).await?,
        }
        let me = ctx.actor().map(crate::context::Actor::user_id);
        match (action, target) {
            (ReferralAction::Assign, None) => {
                return Err(DomainError::validation(
                    "peerId",
                    "assigning names a peer or a course",
                ));
            }
            (ReferralAction::Assign, Some(_)) | (_, None) => {}
            (_, Some(_)) => {
                return Err(DomainError::validation(
                    "peerId",
                    "a peer or course is given only when assigning",
                ));
            }
        }
        let now = self.clock.now();
        let mut uow = self.transactions.begin(ctx).await?;
        // Load and lock everything the move touches; every id resolves before any rule.
        let mut referral = uow.referrals().lock(id).await?;
        if mover == Mover::AssignedPeer {
            let own = match me {
                Some(user) => uow.peer_places().peer_of_user(user).await?,
                None => None,
            };
            // Another peer's match does not exist for this caller.
            if own.is_none() || referral.assigned_peer_id != own {
                return Err(DomainError::NotFound {
                    resource: "referral",
                });
            }
        }
        let mut course = None;
        let mut capacity = None;
        match target {
            Some(AssignTarget::Peer(peer)) => {
                capacity = Some(uow.peer_places().lock_capacity(peer).await?);
            }
            Some(AssignTarget::Course(offer)) => course = Some(uow.courses().lock(offer).await?),
            None => {}
        }
        let held_course = referral
            .assigned_offer_id
            .filter(|_| action.frees_course_place());
        let known = referral.transitions.len();
        if let Some(capacity) = &capacity {
            referral.assign_peer(capacity)?;
        }
        if let Some(course) = &course {
            referral.assigned_offer_id = Some(course.offer_id);
        }
        referral.apply(action, details, me, now)?;
        if let Some(offer) = held_course {
            release_course_place(uow.as_mut(), offer, id, now).await?;
        }
        if let Some(course) = &mut course {
            let enrolment = course.enrol(referral.citizen_id, Some(id), now)?;
            uow.courses().add(&enrolment).await?;
        }
        uow.referrals()
            .save(&referral, &referral.transitions[known..])
            .await?;
        uow.commit().await?;
        Ok(referral.id)
    }
}

/// The course place referral `id` gave up on `offer` goes to the next on the waiting list.
///
/// # Errors
/// As the course store.
pub(crate) async fn release_course_place(
    uow: &mut dyn UnitOfWork,
    offer: OfferId,
    id: ReferralId,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let mut held = uow.courses().lock(offer).await?;
    if let Some(enrolment) = held.enrolment_of_referral(id) {
        let withdrawal = held.withdraw(enrolment, now)?;
        uow.courses().update(&withdrawal.changed()).await?;
    }
    Ok(())
}
