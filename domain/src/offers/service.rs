//! Offer use cases. Coordinators (and tenant admins) create offers and enrol citizens; every
//! member of the tenant can see what is offered; a course's facilitating peers record its
//! attendance; a match's peer logs its meetings; peers and coordinators count café visitors.

use std::sync::Arc;

use chrono::NaiveDate;

use crate::clock::Clock;
use crate::context::RequestContext;
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{CitizenId, CourseSessionId, EnrolmentId, OfferId, PeerId};
use crate::offers::course::Withdrawal;
use crate::offers::model::{
    Attendance, CafeVisit, CourseSession, Enrolment, EnrolmentStatus, NewOffer, Offer, OfferType,
    sessions_of,
};
use crate::offers::policy;
use crate::offers::ports::{OfferFilter, OfferRepository};
use crate::page::{Page, PageRequest};
use crate::people::{CitizenRepository, PeerRepository, PeerStatus};
use crate::unit_of_work::Transactions;

/// The offer use cases.
#[derive(Clone)]
pub struct OfferService {
    pub(super) offers: Arc<dyn OfferRepository>,
    pub(super) peers: Arc<dyn PeerRepository>,
    pub(super) citizens: Arc<dyn CitizenRepository>,
    pub(super) transactions: Arc<dyn Transactions>,
    pub(super) clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for OfferService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfferService").finish_non_exhaustive()
    }
}

impl OfferService {
    /// Wires the service.
    #[must_use]
    pub fn new(
        offers: Arc<dyn OfferRepository>,
        peers: Arc<dyn PeerRepository>,
        citizens: Arc<dyn CitizenRepository>,
        transactions: Arc<dyn Transactions>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            offers,
            peers,
            citizens,
            transactions,
            clock,
        }
    }

    /// The caller's peer profile, if they are a peer.
    pub(super) async fn own_peer(&self, ctx: &RequestContext) -> DomainResult<Option<PeerId>> {
        policy::require_member(ctx)?;
        match policy::peer_user(ctx) {
            Some(user) => self.peers.peer_id_of_user(ctx, user).await,
            None => Ok(None),
        }
    }

    /// Creates an offer; a course gets its sessions at once.
    ///
    /// # Errors
    /// `Forbidden` unless a coordinator or tenant admin; `Validation`; `NotFound` for an
    /// unknown organisation or peer; `Conflict` when a facilitator is not an active peer.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn create(&self, ctx: &RequestContext, new: NewOffer) -> DomainResult<Offer> {
        policy::require_coordinator(ctx)?;
        let offer = new.validate(self.clock.now())?;
        let sessions = offer
            .schedule
            .as_ref()
            .map(|s| sessions_of(offer.id, s))
            .unwrap_or_default();
        self.offers
            .create(
                ctx,
                &offer,
                &sessions,
                Box::new(|peers| {
                    if peers
                        .iter()
                        .any(|(_, status)| *status != PeerStatus::Active)
                    {
                        return Err(DomainError::Conflict(Conflict::FacilitatorNotActive));
                    }
                    Ok(())
                }),
            )
            .await?;
        Ok(offer)
    }

    /// A page of the tenant's offers (any member).
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn list(
        &self,
        ctx: &RequestContext,
        filter: &OfferFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Offer>> {
        policy::require_member(ctx)?;
        self.offers.list(ctx, filter, page).await
    }

    /// The offers of `ids` that exist in the tenant (any member; batched, at most 100).
    ///
    /// # Errors
    /// `Unauthenticated`; `Validation` for more than 100 ids.
    pub async fn by_ids(&self, ctx: &RequestContext, ids: &[OfferId]) -> DomainResult<Vec<Offer>> {
        policy::require_member(ctx)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let page = PageRequest::new(
            Some(i64::try_from(ids.len()).unwrap_or(i64::MAX)),
            None,
            None,
            None,
        )?;
        let filter = OfferFilter {
            ids: ids.to_vec(),
            ..OfferFilter::default()
        };
        Ok(self.offers.list(ctx, &filter, &page).await?.items)
    }

    /// One offer (any member).
    ///
    /// # Errors
    /// `Unauthenticated`; `NotFound`.
    pub async fn get(&self, ctx: &RequestContext, id: OfferId) -> DomainResult<Offer> {
        policy::require_member(ctx)?;
        self.offers.get(ctx, id).await
    }

    /// The sessions of courses (any member; batched).
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn sessions(
        &self,
        ctx: &RequestContext,
        offers: &[OfferId],
    ) -> DomainResult<Vec<CourseSession>> {
        policy::require_member(ctx)?;
        self.offers.sessions(ctx, offers).await
    }

    /// Opens or closes an offer.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn set_open(
        &self,
        ctx: &RequestContext,
        id: OfferId,
        open: bool,
    ) -> DomainResult<Offer> {
        policy::require_coordinator(ctx)?;
        self.offers.set_open(ctx, id, open).await
    }

    /// Enrols a citizen on a course: a place if one is free, else the waiting list.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Conflict` (not an open course, already enrolled).
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn enrol(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
        citizen: CitizenId,
    ) -> DomainResult<Enrolment> {
        policy::require_coordinator(ctx)?;
        let mut uow = self.transactions.begin(ctx).await?;
        let mut course = uow.courses().lock(offer).await?;
        if !uow.courses().citizen_exists(citizen).await? {
            return Err(DomainError::NotFound {
                resource: "citizen",
            });
        }
        let enrolment = course.enrol(citizen, None, self.clock.now())?;
        uow.courses().add(&enrolment).await?;
        uow.commit().await?;
        Ok(enrolment)
    }

    /// Withdraws an enrolment; the first on the waiting list gets the freed place.
    /// Coordinators withdraw any, and hear who was promoted; a citizen withdraws their own
    /// (anyone else's answers `NotFound`) and hears nothing of who was.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Conflict` when already withdrawn.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn withdraw(
        &self,
        ctx: &RequestContext,
        enrolment: EnrolmentId,
    ) -> DomainResult<Withdrawal> {
        let own = if policy::coordinates(ctx) {
            None
        } else {
            Some(self.own_citizen(ctx).await?)
        };
        let mut uow = self.transactions.begin(ctx).await?;
        let offer = uow.courses().offer_of(enrolment).await?;
        let mut course = uow.courses().lock(offer).await?;
        if let Some(me) = own
            && course
                .enrolment(enrolment)
                .is_none_or(|e| e.citizen_id != me)
        {
            return Err(DomainError::NotFound {
                resource: "enrolment",
            });
        }
        let mut withdrawal = course.withdraw(enrolment, self.clock.now())?;
        uow.courses().update(&withdrawal.changed()).await?;
        uow.commit().await?;
        if own.is_some() {
            // Who got the freed place is another citizen's business, not theirs.
            withdrawal.promoted = None;
        }
        Ok(withdrawal)
    }

    /// A course's enrolments and waiting list (coordinators, and its facilitators).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn enrolments(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
        status: Option<EnrolmentStatus>,
        page: &PageRequest,
    ) -> DomainResult<Page<Enrolment>> {
        self.require_course_staff(ctx, offer).await?;
        self.offers.enrolments(ctx, offer, status, page).await
    }

    /// Coordinators, or a peer facilitating this course.
    pub(super) async fn require_course_staff(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
    ) -> DomainResult<()> {
        policy::require_member(ctx)?;
        // Another tenant's (or no) course: NOT_FOUND before any role is considered.
        let course = self.offers.get(ctx, offer).await?;
        policy::course_staff(ctx, self.own_peer(ctx).await?, &course)
    }

    /// Records attendance at a session (coordinators and the course's facilitators).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Validation` for a citizen without a place.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn record_attendance(
        &self,
        ctx: &RequestContext,
        session: CourseSessionId,
        marks: &[(CitizenId, bool)],
    ) -> DomainResult<Vec<Attendance>> {
        let found = self.offers.session(ctx, session).await?;
        self.require_course_staff(ctx, found.offer_id).await?;
        if found.cancelled_at.is_some() {
            return Err(DomainError::Conflict(Conflict::SessionCancelled));
        }
        // Every citizen named resolves in the tenant before any rule is applied.
        let named: Vec<CitizenId> = marks.iter().map(|(c, _)| *c).collect();
        let known = self
            .citizens
            .consent_histories(&RequestContext::system(ctx.tenant_id()?), &named)
            .await?;
        if named.iter().any(|c| !known.contains_key(c)) {
            return Err(DomainError::NotFound {
                resource: "citizen",
            });
        }
        if found.date > self.clock.today() {
            return Err(DomainError::validation(
                "sessionId",
                "attendance is recorded on or after the session's day",
            ));
        }
        self.offers.record_attendance(ctx, session, marks).await
    }

    /// A course's attendance (coordinators and its facilitators).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn attendance(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
    ) -> DomainResult<Vec<Attendance>> {
        self.require_course_staff(ctx, offer).await?;
        self.offers.attendance(ctx, offer).await
    }

    /// Records a café's headcount for a day (coordinators and peers).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Conflict` for an offer that is not a café; `Validation`.
    pub async fn record_cafe_visit(
        &self,
        ctx: &RequestContext,
        visit: CafeVisit,
    ) -> DomainResult<CafeVisit> {
        self.require_cafe_staff(ctx).await?;
        let offer = self.offers.get(ctx, visit.offer_id).await?;
        if offer.offer_type != OfferType::RecoveryCafe {
            return Err(DomainError::Conflict(Conflict::NotACafe));
        }
        if visit.date > self.clock.today() {
            return Err(DomainError::validation("heldOn", "cannot be in the future"));
        }
        if visit.headcount > 500 {
            return Err(DomainError::validation(
                "headcount",
                "must be between 0 and 500",
            ));
        }
        self.offers.record_cafe_visit(ctx, &visit).await?;
        Ok(visit)
    }

    /// A café's headcounts (coordinators and peers).
    ///
    /// # Errors
    /// `Forbidden`; `Validation` for a period longer than a year or reversed.
    pub async fn cafe_visits(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<Vec<CafeVisit>> {
        self.require_cafe_staff(ctx).await?;
        self.offers.get(ctx, offer).await?;
        if to < from || (to - from).num_days() > 366 {
            return Err(DomainError::validation(
                "to",
                "the period must run forwards and span at most a year",
            ));
        }
        self.offers.cafe_visits(ctx, offer, from, to).await
    }

    pub(super) async fn require_cafe_staff(&self, ctx: &RequestContext) -> DomainResult<()> {
        policy::cafe_staff(ctx, self.own_peer(ctx).await?)
    }
}
