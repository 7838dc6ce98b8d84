//! One transaction per use case. A use case that reads and changes more than one aggregate
//! begins a [`UnitOfWork`], loads what it needs through the unit's stores (locked), lets the
//! aggregates decide, stores what changed and commits — or drops the unit, which rolls
//! everything back. Adapters never call each other: the use case is the only one that
//! combines them, and the domain never sees a transaction type.

use async_trait::async_trait;

use crate::context::RequestContext;
use crate::error::DomainResult;
use crate::offers::ports::{CourseStore, MeetingStore};
use crate::people::ports::ConsentStore;
use crate::referral::ports::{PeerPlaces, ReferralStore};

/// A transaction in the context's tenant, seen through the stores of each context.
#[async_trait]
pub trait UnitOfWork: Send {
    /// Referrals.
    fn referrals(&mut self) -> &mut dyn ReferralStore;

    /// Courses and their enrolments.
    fn courses(&mut self) -> &mut dyn CourseStore;

    /// Peers' one-to-one places.
    fn peer_places(&mut self) -> &mut dyn PeerPlaces;

    /// Meetings of one-to-one matches.
    fn meetings(&mut self) -> &mut dyn MeetingStore;

    /// Citizens' consents.
    fn consents(&mut self) -> &mut dyn ConsentStore;

    /// Makes every change durable at once.
    ///
    /// # Errors
    /// `Unavailable` when the database is gone; nothing was changed then.
    async fn commit(self: Box<Self>) -> DomainResult<()>;
}

/// Begins units of work.
#[async_trait]
pub trait Transactions: Send + Sync {
    /// A unit of work in the context's tenant.
    ///
    /// # Errors
    /// `Unauthenticated` without a tenant; `Unavailable` when no connection can be had.
    async fn begin(&self, ctx: &RequestContext) -> DomainResult<Box<dyn UnitOfWork>>;
}
