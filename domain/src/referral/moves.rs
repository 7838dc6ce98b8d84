//! Moves: coordinators triage, assign, record progress and end; a referrer or the citizen
//! referred withdraws. One unit of work: the referral, the peer's places or the course are
//! locked, the aggregates decide, and what changed is stored with its events.

use crate::context::RequestContext;
use crate::error::{DomainError, DomainResult};
use crate::ids::ReferralId;
use crate::referral::model::{MoveDetails, ReferralAction};
use crate::referral::policy::{self, Mover};
use crate::referral::ports::AssignTarget;
use crate::referral::service::ReferralService;

impl ReferralService {
    /// A referrer of the submitting organisation, or the citizen referred, may withdraw;
    /// anyone else's referral answers `NotFound`.
    async fn ensure_may_withdraw(&self, ctx: &RequestContext, id: ReferralId) -> DomainResult<()> {
        // Whoever may see it as referrer or as the citizen referred may withdraw it.
        self.referrer_view(ctx, id).await.map(|_| ())
    }

    /// Moves a referral. Coordinators make every move; a referrer of the submitting
    /// organisation, or the citizen referred, may only withdraw. Assigning names a peer, who must be active and have
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
        match policy::mover(ctx, action)? {
            Mover::Coordinator => {}
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
        // The course place the referral gave up goes to the next on the waiting list.
        if let Some(offer) = held_course {
            let mut held = uow.courses().lock(offer).await?;
            if let Some(enrolment) = held.enrolment_of(id) {
                let withdrawal = held.withdraw(enrolment, now)?;
                uow.courses().update(&withdrawal.changed()).await?;
            }
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
