//! Offer use cases. Coordinators (and tenant admins) create offers and enrol citizens; every
//! member of the tenant can see what is offered; a course's facilitating peers record its
//! attendance; a match's peer logs its meetings; peers and coordinators count café visitors.

use std::sync::Arc;

use chrono::NaiveDate;

use crate::offers::policy;
use crate::clock::Clock;
use crate::context::RequestContext;
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{CitizenId, CourseSessionId, EnrolmentId, MeetingId, OfferId, PeerId, ReferralId};
use crate::offers::course::Withdrawal;
use crate::offers::model::{
    Attendance, CafeVisit, CourseSession, Enrolment, Meeting, MeetingForm, NewOffer, Offer,
    OfferType, PeerMatch, sessions_of, validate_meeting,
};
use crate::offers::ports::{OfferFilter, OfferRepository, ReferralParties};
use crate::page::{Page, PageRequest};
use crate::people::{
    Citizen, CitizenRepository, ConsentPurpose, PeerRepository, PeerStatus, has_consent,
};
use crate::privacy::Purpose;
use crate::unit_of_work::Transactions;

/// The offer use cases.
#[derive(Clone)]
pub struct OfferService {
    offers: Arc<dyn OfferRepository>,
    peers: Arc<dyn PeerRepository>,
    citizens: Arc<dyn CitizenRepository>,
    transactions: Arc<dyn Transactions>,
    clock: Arc<dyn Clock>,
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
    async fn own_peer(&self, ctx: &RequestContext) -> DomainResult<Option<PeerId>> {
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
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Conflict` when already withdrawn.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn withdraw(
        &self,
        ctx: &RequestContext,
        enrolment: EnrolmentId,
    ) -> DomainResult<Withdrawal> {
        policy::require_coordinator(ctx)?;
        let mut uow = self.transactions.begin(ctx).await?;
        let offer = uow.courses().offer_of(enrolment).await?;
        let mut course = uow.courses().lock(offer).await?;
        let withdrawal = course.withdraw(enrolment, self.clock.now())?;
        uow.courses().update(&withdrawal.changed()).await?;
        uow.commit().await?;
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
    ) -> DomainResult<Vec<Enrolment>> {
        self.require_course_staff(ctx, offer).await?;
        self.offers.enrolments(ctx, offer).await
    }

    /// Coordinators, or a peer facilitating this course.
    async fn require_course_staff(&self, ctx: &RequestContext, offer: OfferId) -> DomainResult<()> {
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
            return Err(DomainError::validation("date", "cannot be in the future"));
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

    async fn require_cafe_staff(&self, ctx: &RequestContext) -> DomainResult<()> {
        policy::cafe_staff(ctx, self.own_peer(ctx).await?)
    }

    /// Coordinators, or the peer the referral (the match) is assigned to; returns who the
    /// referral concerns.
    async fn require_match_staff(
        &self,
        ctx: &RequestContext,
        referral: ReferralId,
    ) -> DomainResult<ReferralParties> {
        policy::require_member(ctx)?;
        // Another tenant's (or no) referral: NOT_FOUND before any role is considered.
        let parties = self.offers.referral_parties(ctx, referral).await?;
        policy::match_staff(ctx, self.own_peer(ctx).await?, &parties)?;
        Ok(parties)
    }

    /// Logs a meeting of a one-to-one match: when, how long, how; never its content.
    /// The match's peer or a coordinator logs it, while the referral is assigned, in contact
    /// or active.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Validation`; `Conflict` when the referral is not a running
    /// match.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn log_meeting(
        &self,
        ctx: &RequestContext,
        referral: ReferralId,
        date: NaiveDate,
        minutes: u32,
        form: MeetingForm,
    ) -> DomainResult<Meeting> {
        let parties = self.require_match_staff(ctx, referral).await?;
        validate_meeting(date, minutes, self.clock.today())?;
        let peer = parties
            .assigned_peer_id
            .ok_or_else(|| DomainError::Conflict(Conflict::NotMatched))?;
        let meeting = Meeting {
            id: MeetingId::new(),
            referral_id: referral,
            peer_id: peer,
            date,
            minutes,
            form,
            logged_by: ctx.actor().map(crate::context::Actor::user_id),
            logged_at: self.clock.now(),
        };
        self.offers
            .log_meeting(
                ctx,
                &meeting,
                Box::new(move |state, assigned| {
                    if !state.holds_peer_place() || assigned != Some(peer) {
                        return Err(DomainError::Conflict(Conflict::MatchNotRunning));
                    }
                    Ok(())
                }),
            )
            .await?;
        Ok(meeting)
    }

    /// The caller's own matches (peers): referrals assigned to them, with no other peer's.
    ///
    /// # Errors
    /// `Forbidden` unless the caller is a peer with a peer profile.
    pub async fn my_matches(&self, ctx: &RequestContext) -> DomainResult<Vec<PeerMatch>> {
        let peer = self.own_peer(ctx).await?.ok_or_else(policy::forbidden)?;
        self.offers.matches_of(ctx, peer).await
    }

    /// The citizen of one of the caller's matches, name and contact decrypted for peer
    /// support (the read is audited): only the assigned peer, only while the match runs, and
    /// only while the citizen consents to being contacted.
    ///
    /// # Errors
    /// `Forbidden` for anyone but peers; `NotFound` for another peer's match; `Conflict` when
    /// the match is not running or the citizen has not consented to contact.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn match_citizen(
        &self,
        ctx: &RequestContext,
        referral: ReferralId,
    ) -> DomainResult<Citizen> {
        let own = self.own_peer(ctx).await?;
        if own.is_none() {
            return Err(policy::forbidden());
        }
        let parties = self.offers.referral_parties(ctx, referral).await?;
        let peer = policy::match_peer(own, &parties)?;
        if !parties.state.holds_peer_place() {
            return Err(DomainError::Conflict(Conflict::MatchEnded));
        }
        let citizen = parties.citizen_id;
        let system = RequestContext::system(ctx.tenant_id()?);
        let history = self.citizens.consent_history(&system, citizen).await?;
        if !has_consent(&history, ConsentPurpose::Contact) {
            return Err(DomainError::Conflict(Conflict::NoContactConsent));
        }
        tracing::debug!(peer = %peer, "match citizen read");
        self.citizens.get(ctx, citizen, Purpose::PeerSupport).await
    }

    /// The meetings of a match (its peer and coordinators).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn meetings(
        &self,
        ctx: &RequestContext,
        referral: ReferralId,
    ) -> DomainResult<Vec<Meeting>> {
        self.require_match_staff(ctx, referral).await?;
        self.offers.meetings(ctx, &[referral]).await
    }
}
