//! Changing an offer after it was created — its title, place, places and open access — and
//! cancelling a course session: coordinators and tenant admins.

use crate::context::RequestContext;
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{CourseSessionId, OfferId};
use crate::offers::model::{CourseSession, Enrolment, Offer, OfferType, parse_place, parse_title};
use crate::offers::policy;
use crate::offers::service::OfferService;

/// What changes of an offer; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OfferChange {
    /// A new title.
    pub title: Option<String>,
    /// A new place, or `Some(None)`: online.
    pub location: Option<Option<String>>,
    /// A course's places (1–50; never below the places given; more places go to the waiting
    /// list in order).
    pub capacity: Option<u32>,
    /// Whether citizens may enrol themselves (courses only).
    pub open_access: Option<bool>,
}

/// An offer as changed, with the enrolments the change promoted from the waiting list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferChanged {
    /// The offer.
    pub offer: Offer,
    /// Citizens who got a place because the course grew.
    pub promoted: Vec<Enrolment>,
}

impl OfferService {
    /// Changes an offer (coordinators and tenant admins), in one transaction with the course
    /// and its waiting list locked.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Validation` for nothing to change or a bad value (capacity
    /// or open access on an offer that is not a course); `Conflict` (`CAPACITY`) below the
    /// places given.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn update_offer(
        &self,
        ctx: &RequestContext,
        id: OfferId,
        change: OfferChange,
    ) -> DomainResult<OfferChanged> {
        policy::require_coordinator(ctx)?;
        if change == OfferChange::default() {
            return Err(DomainError::validation(
                "input",
                "give at least one field to change",
            ));
        }
        let title = change.title.as_deref().map(parse_title).transpose()?;
        let place = change
            .location
            .map(|l| {
                let online = l.is_none();
                parse_place(l, online)
            })
            .transpose()?;
        let mut uow = self.transactions.begin(ctx).await?;
        let mut offer = uow.courses().lock_offer(id).await?;
        let course = offer.offer_type == OfferType::GroupCourse;
        if !course && (change.capacity.is_some() || change.open_access.is_some()) {
            return Err(DomainError::validation(
                if change.capacity.is_some() {
                    "capacity"
                } else {
                    "openAccess"
                },
                "only a course has places and open access",
            ));
        }
        let mut promoted = Vec::new();
        if let Some(capacity) = change.capacity {
            let mut places = uow.courses().lock(id).await?;
            promoted = places.set_capacity(capacity, self.clock.now())?;
            uow.courses().update(&promoted).await?;
            offer.capacity = Some(capacity);
        }
        if let Some(title) = title {
            offer.title = title;
        }
        if let Some(place) = place {
            offer.location = place;
        }
        if let Some(open_access) = change.open_access {
            offer.open_access = open_access;
        }
        uow.courses().update_offer(&offer).await?;
        uow.commit().await?;
        Ok(OfferChanged { offer, promoted })
    }

    /// Cancels an upcoming course session (coordinators and tenant admins): it stays in the
    /// course's list, marked cancelled, so the citizens on the course see it in their app;
    /// no attendance is recorded for it.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`; `Conflict` (`NOT_UPCOMING`) for a session cancelled already
    /// or before today.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn cancel_session(
        &self,
        ctx: &RequestContext,
        id: CourseSessionId,
    ) -> DomainResult<CourseSession> {
        policy::require_coordinator(ctx)?;
        let mut uow = self.transactions.begin(ctx).await?;
        let mut session = uow.courses().lock_session(id).await?;
        if session.cancelled_at.is_some() || session.date < self.clock.today() {
            return Err(DomainError::Conflict(Conflict::SessionNotUpcoming));
        }
        session.cancelled_at = Some(self.clock.now());
        uow.courses().update_session(&session).await?;
        uow.commit().await?;
        Ok(session)
    }
}
