//! Ports of the offers context.

use async_trait::async_trait;
use chrono::NaiveDate;

use crate::context::RequestContext;
use crate::error::DomainResult;
use crate::ids::{CitizenId, CourseSessionId, EnrolmentId, OfferId, PeerId, ReferralId};
use crate::offers::course::Course;
use crate::offers::meeting::Meeting;
use crate::offers::model::{
    Attendance, CafeVisit, CourseSession, Enrolment, EnrolmentStatus, Offer, OfferType, PeerMatch,
};
use crate::page::{Page, PageRequest};
use crate::people::PeerStatus;
use crate::referral::ReferralState;

/// Checks the facilitators' statuses, inside the adapter's transaction.
pub type FacilitatorCheck = Box<dyn FnOnce(&[(PeerId, PeerStatus)]) -> DomainResult<()> + Send>;

/// Who a referral (a one-to-one match, once assigned) concerns, and where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReferralParties {
    /// The citizen referred.
    pub citizen_id: CitizenId,
    /// The peer it is assigned to.
    pub assigned_peer_id: Option<PeerId>,
    /// Its state.
    pub state: ReferralState,
}

/// Filters for listing offers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OfferFilter {
    /// Only this kind.
    pub offer_type: Option<OfferType>,
    /// Only open offers.
    pub open_only: bool,
    /// Only these offers (all when empty).
    pub ids: Vec<crate::ids::OfferId>,
    /// Only courses this peer facilitates.
    pub facilitated_by: Option<PeerId>,
}

/// What happens on some courses: their enrolments and attendance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rosters {
    /// Enrolments, in enrolment order.
    pub enrolments: Vec<Enrolment>,
    /// Attendance marks.
    pub attendance: Vec<Attendance>,
}

/// Offers of the context's tenant and what happens in them.
#[async_trait]
pub trait OfferRepository: Send + Sync {
    /// Stores an offer with its sessions, after `check` accepted its facilitators.
    ///
    /// # Errors
    /// `NotFound` for an unknown organisation or peer; the check's error.
    async fn create(
        &self,
        ctx: &RequestContext,
        offer: &Offer,
        sessions: &[CourseSession],
        check: FacilitatorCheck,
    ) -> DomainResult<()>;

    /// A page of offers, ascending by id.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn list(
        &self,
        ctx: &RequestContext,
        filter: &OfferFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Offer>>;

    /// One offer.
    ///
    /// # Errors
    /// `NotFound`.
    async fn get(&self, ctx: &RequestContext, id: OfferId) -> DomainResult<Offer>;

    /// Opens or closes an offer for referrals and enrolments.
    ///
    /// # Errors
    /// `NotFound`.
    async fn set_open(&self, ctx: &RequestContext, id: OfferId, open: bool) -> DomainResult<Offer>;

    /// How many enrolments each course has in each status (only the pairs that occur).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn enrolment_counts(
        &self,
        ctx: &RequestContext,
    ) -> DomainResult<Vec<(OfferId, crate::offers::EnrolmentStatus, u64)>>;

    /// A page of a citizen's enrolments on every course, oldest first.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn enrolments_of_citizen(
        &self,
        ctx: &RequestContext,
        citizen: CitizenId,
        page: &PageRequest,
    ) -> DomainResult<Page<Enrolment>>;

    /// The citizen pseudonyms of the enrolments `ids`: only those on courses `facilitated_by`
    /// facilitates and of `citizen`, when given.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn enrolment_pseudonyms(
        &self,
        ctx: &RequestContext,
        ids: &[EnrolmentId],
        facilitated_by: Option<PeerId>,
        citizen: Option<CitizenId>,
    ) -> DomainResult<std::collections::HashMap<EnrolmentId, String>>;

    /// The sessions of courses, by date.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn sessions(
        &self,
        ctx: &RequestContext,
        offers: &[OfferId],
    ) -> DomainResult<Vec<CourseSession>>;

    /// One session.
    ///
    /// # Errors
    /// `NotFound`.
    async fn session(
        &self,
        ctx: &RequestContext,
        id: CourseSessionId,
    ) -> DomainResult<CourseSession>;

    /// A page of a course's enrolments in enrolment order (the waiting list's order),
    /// of one status when given.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn enrolments(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
        status: Option<EnrolmentStatus>,
        page: &PageRequest,
    ) -> DomainResult<Page<Enrolment>>;

    /// The enrolments and attendance of `offers`, in one transaction (a statement or two
    /// whatever their number).
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn rosters(&self, ctx: &RequestContext, offers: &[OfferId]) -> DomainResult<Rosters>;

    /// Records attendance at a session for enrolled citizens (replacing earlier marks).
    ///
    /// # Errors
    /// `NotFound` for the session; `Validation` for a citizen without a place.
    async fn record_attendance(
        &self,
        ctx: &RequestContext,
        session: CourseSessionId,
        marks: &[(CitizenId, bool)],
    ) -> DomainResult<Vec<Attendance>>;

    /// The attendance of a course.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn attendance(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
    ) -> DomainResult<Vec<Attendance>>;

    /// Records (or corrects) a café's headcount for a day.
    ///
    /// # Errors
    /// `NotFound`.
    async fn record_cafe_visit(&self, ctx: &RequestContext, visit: &CafeVisit) -> DomainResult<()>;

    /// A café's headcounts in a period, by date.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn cafe_visits(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<Vec<CafeVisit>>;

    /// A page of one match's meetings, in the order they were planned or logged.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn meetings(
        &self,
        ctx: &RequestContext,
        referral: ReferralId,
        page: &PageRequest,
    ) -> DomainResult<Page<Meeting>>;

    /// One meeting.
    ///
    /// # Errors
    /// `NotFound`.
    async fn meeting(
        &self,
        ctx: &RequestContext,
        id: crate::ids::MeetingId,
    ) -> DomainResult<Meeting>;

    /// The meetings of a citizen's matches from `from` to `to` (both included), by date and
    /// time.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn meetings_of_citizen(
        &self,
        ctx: &RequestContext,
        citizen: CitizenId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<Vec<Meeting>>;

    /// A peer's meetings from `from` to `to` (both included), by date and time.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn meetings_of_peer(
        &self,
        ctx: &RequestContext,
        peer: PeerId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<Vec<Meeting>>;

    /// The sessions of the courses `peer` facilitates, from `from` to `to` (both included),
    /// by date.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn sessions_facilitated(
        &self,
        ctx: &RequestContext,
        peer: PeerId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<Vec<CourseSession>>;

    /// A page of the referrals assigned to `peer`, oldest referral first.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn matches_of(
        &self,
        ctx: &RequestContext,
        peer: PeerId,
        page: &PageRequest,
    ) -> DomainResult<Page<PeerMatch>>;

    /// Who a referral is about, which peer has it, and where it is.
    ///
    /// # Errors
    /// `NotFound`.
    async fn referral_parties(
        &self,
        ctx: &RequestContext,
        referral: ReferralId,
    ) -> DomainResult<ReferralParties>;
}

/// Courses inside a unit of work ([`crate::unit_of_work::UnitOfWork`]): loaded locked, so that
/// two enrolments cannot both take the last place, and stored as the [`Course`] decided.
#[async_trait]
pub trait CourseStore: Send {
    /// The offer as a course, with every enrolment in enrolment order, locked until the unit
    /// of work ends. Any kind of offer loads; [`Course::enrol`] refuses what is not a course.
    ///
    /// # Errors
    /// `NotFound` for an offer not in the tenant.
    async fn lock(&mut self, offer: OfferId) -> DomainResult<Course>;

    /// The course an enrolment belongs to.
    ///
    /// # Errors
    /// `NotFound` for an enrolment not in the tenant.
    async fn offer_of(&mut self, enrolment: EnrolmentId) -> DomainResult<OfferId>;

    /// Whether the citizen is registered in the tenant.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn citizen_exists(&mut self, citizen: CitizenId) -> DomainResult<bool>;

    /// Stores a new enrolment.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn add(&mut self, enrolment: &Enrolment) -> DomainResult<()>;

    /// The offer, locked until the unit of work ends.
    ///
    /// # Errors
    /// `NotFound` for an offer not in the tenant.
    async fn lock_offer(&mut self, offer: OfferId) -> DomainResult<Offer>;

    /// Stores an offer's title, place, capacity and open access.
    ///
    /// # Errors
    /// `NotFound` for an offer not stored.
    async fn update_offer(&mut self, offer: &Offer) -> DomainResult<()>;

    /// A course session, locked until the unit of work ends.
    ///
    /// # Errors
    /// `NotFound` for a session not in the tenant.
    async fn lock_session(&mut self, session: CourseSessionId) -> DomainResult<CourseSession>;

    /// Stores a session's cancellation.
    ///
    /// # Errors
    /// `NotFound` for a session not stored.
    async fn update_session(&mut self, session: &CourseSession) -> DomainResult<()>;

    /// Stores the new status of existing enrolments.
    ///
    /// # Errors
    /// `NotFound` for an enrolment not stored.
    async fn update(&mut self, changed: &[Enrolment]) -> DomainResult<()>;
}

/// Meetings inside a unit of work ([`crate::unit_of_work::UnitOfWork`]), stored in the same
/// transaction as the move a first meeting makes of its match.
#[async_trait]
pub trait MeetingStore: Send {
    /// Stores a logged meeting.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn add_meeting(&mut self, meeting: &Meeting) -> DomainResult<()>;

    /// A meeting, locked until the unit of work ends.
    ///
    /// # Errors
    /// `NotFound` for a meeting not in the tenant.
    async fn lock_meeting(&mut self, id: crate::ids::MeetingId) -> DomainResult<Meeting>;

    /// Stores a meeting's new status, date, length, form and who changed it when.
    ///
    /// # Errors
    /// `NotFound` for a meeting not stored.
    async fn update_meeting(&mut self, meeting: &Meeting) -> DomainResult<()>;
}
