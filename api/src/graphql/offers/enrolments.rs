//! Enrolments on courses, with the course they are on.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};
use peerbro_domain::ids::OfferId;
use peerbro_domain::offers as domain;

use super::types::{EnrolmentStatus, Offer};
use crate::graphql::time::Instant;

/// A citizen's place on a course.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Enrolment {
    /// Id.
    pub(crate) id: ID,
    /// The course.
    pub(crate) offer_id: ID,
    /// The citizen.
    pub(crate) citizen_id: ID,
    /// The referral it came from.
    pub(crate) referral_id: Option<ID>,
    /// Where it stands.
    pub(crate) status: EnrolmentStatus,
    /// Enrolled or waitlisted at.
    pub(crate) created_at: Instant,
    /// Last change.
    pub(crate) updated_at: Instant,
    #[graphql(skip)]
    pub(crate) offer_key: OfferId,
    #[graphql(skip)]
    pub(crate) key: peerbro_domain::ids::EnrolmentId,
}

impl From<domain::Enrolment> for Enrolment {
    fn from(e: domain::Enrolment) -> Self {
        Self {
            id: crate::graphql::ids::gid(e.id),
            offer_id: crate::graphql::ids::gid(e.offer_id),
            citizen_id: crate::graphql::ids::gid(e.citizen_id),
            referral_id: e.referral_id.map(crate::graphql::ids::gid),
            status: e.status.into(),
            created_at: e.created_at.into(),
            updated_at: e.updated_at.into(),
            offer_key: e.offer_id,
            key: e.id,
        }
    }
}

/// A withdrawal, and who got the freed place.
#[derive(SimpleObject)]
pub struct WithdrawEnrolmentPayload {
    /// The withdrawn enrolment.
    pub(crate) withdrawn: Enrolment,
    /// The first on the waiting list, now enrolled.
    pub(crate) promoted: Option<Enrolment>,
}

#[ComplexObject]
impl Enrolment {
    /// The citizen's pseudonym (batched across a list), for whoever sees the enrolment:
    /// coordinators, the course's facilitators, the citizen.
    async fn citizen_pseudonym(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        let loader = ctx.data::<async_graphql::dataloader::DataLoader<
            crate::graphql::loaders::EnrolmentPseudonymLoader,
        >>()?;
        Ok(loader.load_one(self.key).await?)
    }

    /// The course (batched across a list of enrolments).
    async fn offer(&self, ctx: &Context<'_>) -> async_graphql::Result<Offer> {
        super::types::load_offer(ctx, self.offer_key).await
    }
}

/// A citizen's enrolment of themself.
#[derive(InputObject)]
pub struct EnrolMyselfInput {
    /// The open-access course (`Offer.openAccess`).
    pub(crate) offer_id: ID,
}

/// An enrolment made.
#[derive(SimpleObject)]
pub struct EnrolmentPayload {
    /// The enrolment: a place, or a place on the waiting list.
    pub(crate) enrolment: Enrolment,
}

/// Changes to an offer: only the fields given change.
#[derive(InputObject)]
pub struct UpdateOfferInput {
    /// The offer.
    pub(crate) offer_id: ID,
    /// A new title.
    pub(crate) title: Option<String>,
    /// A new place; `null` makes it online.
    pub(crate) location: async_graphql::MaybeUndefined<String>,
    /// A course's places (1–50): never below the places given; more places go to the
    /// waiting list in order.
    pub(crate) capacity: Option<i32>,
    /// Whether citizens may enrol themselves (courses only).
    pub(crate) open_access: Option<bool>,
}

/// An offer as changed.
#[derive(SimpleObject)]
pub struct UpdateOfferPayload {
    /// The offer.
    pub(crate) offer: Offer,
    /// Enrolments that got a place because the course grew, in waiting-list order.
    pub(crate) promoted: Vec<Enrolment>,
}

/// A course session to cancel.
#[derive(InputObject)]
pub struct CancelCourseSessionInput {
    /// The session (today or later).
    pub(crate) session_id: ID,
}

/// A cancelled session.
#[derive(SimpleObject)]
pub struct CancelCourseSessionPayload {
    /// The session, with `cancelledAt`.
    pub(crate) session: super::types::CourseSession,
}
