//! The citizen app's side of courses: a citizen enrols themself on an open-access course,
//! lists their enrolments and withdraws their own.

use crate::context::RequestContext;
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{CitizenId, OfferId};
use crate::offers::model::Enrolment;
use crate::offers::policy;
use crate::offers::service::OfferService;

impl OfferService {
    /// The caller's citizen record.
    ///
    /// # Errors
    /// `Forbidden` without the citizen role; `Conflict` (`NOT_REGISTERED`) without a record.
    pub(super) async fn own_citizen(&self, ctx: &RequestContext) -> DomainResult<CitizenId> {
        crate::people::own_citizen(self.citizens.as_ref(), ctx, policy::forbidden()).await
    }

    /// The caller's citizen record, or `None` for anyone without one (another role, or a
    /// citizen not registered yet): their own lists are then empty.
    ///
    /// # Errors
    /// `Unauthenticated`; `Unavailable`.
    pub(super) async fn own_citizen_if_any(
        &self,
        ctx: &RequestContext,
    ) -> DomainResult<Option<CitizenId>> {
        match self.own_citizen(ctx).await {
            Ok(citizen) => Ok(Some(citizen)),
            Err(DomainError::Forbidden(_) | DomainError::Conflict(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A citizen enrols themself on an open-access course: a place while one is free, else
    /// the waiting list, as a coordinator's enrolment would.
    ///
    /// # Errors
    /// `Forbidden` without the citizen role; `NotFound` for an offer not in the tenant;
    /// `Conflict` without a citizen record (`NOT_REGISTERED`), for a course that is not
    /// open-access (`NOT_OPEN_ACCESS`), closed, or that they are already on.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn enrol_myself(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
    ) -> DomainResult<Enrolment> {
        let citizen = self.own_citizen(ctx).await?;
        let mut uow = self.transactions.begin(ctx).await?;
        let mut course = uow.courses().lock(offer).await?;
        if !course.open_access {
            return Err(DomainError::Conflict(Conflict::NotOpenAccess));
        }
        let enrolment = course.enrol(citizen, None, self.clock.now())?;
        uow.courses().add(&enrolment).await?;
        uow.commit().await?;
        Ok(enrolment)
    }

    /// A page of the caller's own enrolments (citizens), oldest first; none without a
    /// citizen record.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn my_enrolments(
        &self,
        ctx: &RequestContext,
        page: &crate::page::PageRequest,
    ) -> DomainResult<crate::page::Page<Enrolment>> {
        match self.own_citizen_if_any(ctx).await? {
            Some(citizen) => self.offers.enrolments_of_citizen(ctx, citizen, page).await,
            None => Ok(crate::page::Page::from_probe(Vec::new(), page).with_total(Some(0))),
        }
    }

    /// The citizen pseudonyms of the enrolments `ids`, for those the caller may see:
    /// coordinators any, a peer those on the courses they facilitate, a citizen their own;
    /// the rest are left out (one statement for all of them).
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn enrolment_pseudonyms(
        &self,
        ctx: &RequestContext,
        ids: &[crate::ids::EnrolmentId],
    ) -> DomainResult<std::collections::HashMap<crate::ids::EnrolmentId, String>> {
        policy::require_member(ctx)?;
        if ids.is_empty() {
            return Ok(std::collections::HashMap::new());
        }
        let (peer, citizen) = if policy::coordinates(ctx) {
            (None, None)
        } else if let Some(peer) = self.own_peer(ctx).await? {
            (Some(peer), None)
        } else if let Some(citizen) = self.own_citizen_if_any(ctx).await? {
            (None, Some(citizen))
        } else {
            return Ok(std::collections::HashMap::new());
        };
        self.offers
            .enrolment_pseudonyms(ctx, ids, peer, citizen)
            .await
    }
}
