//! Output types, enums and loaders of this context's GraphQL API.

use crate::graphql::time::{Date, Instant, LocalTime};
use std::collections::HashMap;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{ComplexObject, Context, ID, SimpleObject};
use chrono::Weekday as ChronoWeekday;
use peerbro_domain::ids::OfferId;
use peerbro_domain::offers::{self as domain, OfferService};
use peerbro_domain::{DomainError, RequestContext};

use crate::graphql::errors::{GqlResultExt as _, LoadError};
use crate::graphql::ids::parse;
use crate::graphql::peers::OfferKind;
use crate::graphql::referrals::enums::ReferralState;

pub(crate) fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(&'a OfferService, &'a RequestContext)> {
    crate::graphql::errors::request_data(ctx)
}

pub(crate) fn id_of<T: crate::graphql::ids::Global>(
    field: &str,
    id: &ID,
) -> async_graphql::Result<T> {
    parse::<T>(field, id).gql()
}

wire_enum!(
    /// A citizen's place on a course.
    EnrolmentStatus => domain::EnrolmentStatus {
        /// Has a place.
        Enrolled,
        /// Waits for a place.
        Waitlisted,
        /// Left.
        Withdrawn,
    }
);

/// A day of the week.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl From<Weekday> for ChronoWeekday {
    fn from(w: Weekday) -> Self {
        match w {
            Weekday::Monday => Self::Mon,
            Weekday::Tuesday => Self::Tue,
            Weekday::Wednesday => Self::Wed,
            Weekday::Thursday => Self::Thu,
            Weekday::Friday => Self::Fri,
            Weekday::Saturday => Self::Sat,
            Weekday::Sunday => Self::Sun,
        }
    }
}

impl From<ChronoWeekday> for Weekday {
    fn from(w: ChronoWeekday) -> Self {
        match w {
            ChronoWeekday::Mon => Self::Monday,
            ChronoWeekday::Tue => Self::Tuesday,
            ChronoWeekday::Wed => Self::Wednesday,
            ChronoWeekday::Thu => Self::Thursday,
            ChronoWeekday::Fri => Self::Friday,
            ChronoWeekday::Sat => Self::Saturday,
            ChronoWeekday::Sun => Self::Sunday,
        }
    }
}

/// When a course meets.
#[derive(SimpleObject)]
pub struct Schedule {
    /// The first session is on the first `weekday` on or after this date.
    pub(crate) starts_on: Date,
    /// The first session is on the first `weekday` on or after this date.
    #[graphql(deprecation = "use startsOn")]
    pub(crate) start_date: Date,
    /// The weekday.
    pub(crate) weekday: Weekday,
    /// Local (Danish) start time.
    pub(crate) start_time: LocalTime,
    /// Weekly sessions.
    pub(crate) session_count: i32,
    /// Minutes per session.
    pub(crate) session_minutes: i32,
}

/// An offer by id through the request's DataLoader (batched over the rows of a list);
/// `NOT_FOUND` when it is not in the caller's tenant.
pub(crate) async fn load_offer(ctx: &Context<'_>, id: OfferId) -> async_graphql::Result<Offer> {
    let loader = ctx.data::<DataLoader<crate::graphql::loaders::OfferLoader>>()?;
    loader
        .load_one(id)
        .await?
        .map(Into::into)
        .ok_or_else(|| crate::graphql::to_gql(DomainError::NotFound { resource: "offer" }))
}

pub(crate) fn small(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// An offer.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Offer {
    /// Id.
    pub(crate) id: ID,
    /// The organisation that runs it.
    #[graphql(deprecation = "use organisation")]
    pub(crate) organisation_id: ID,
    /// Its kind.
    pub(crate) kind: OfferKind,
    /// Its kind.
    #[graphql(deprecation = "use kind")]
    pub(crate) offer_type: OfferKind,
    /// Title.
    pub(crate) title: String,
    /// Where; null means online.
    pub(crate) location: Option<String>,
    /// Whether it is online.
    pub(crate) online: bool,
    /// Places (courses).
    pub(crate) capacity: Option<i32>,
    /// The ids of the facilitating peers (courses; see `facilitators`).
    pub(crate) facilitator_ids: Vec<ID>,
    /// When it meets (courses).
    pub(crate) schedule: Option<Schedule>,
    /// Whether it takes referrals and enrolments.
    pub(crate) open: bool,
    /// A course citizens may enrol on themselves (`enrolMyself`).
    pub(crate) open_access: bool,
    /// Created.
    pub(crate) created_at: Instant,
    #[graphql(skip)]
    pub(crate) key: OfferId,
    #[graphql(skip)]
    pub(crate) organisation_key: peerbro_domain::ids::OrganisationId,
    #[graphql(skip)]
    pub(crate) facilitator_keys: Vec<peerbro_domain::ids::PeerId>,
}

impl From<domain::Offer> for Offer {
    fn from(o: domain::Offer) -> Self {
        Self {
            id: crate::graphql::ids::gid(o.id),
            organisation_id: crate::graphql::ids::gid(o.organisation_id),
            kind: o.offer_type.into(),
            offer_type: o.offer_type.into(),
            title: o.title,
            online: o.location.is_none(),
            location: o.location,
            capacity: o.capacity.map(small),
            facilitator_ids: o
                .facilitators
                .iter()
                .copied()
                .map(crate::graphql::ids::gid)
                .collect(),
            schedule: o.schedule.map(|s| Schedule {
                starts_on: s.start_date.into(),
                start_date: s.start_date.into(),
                weekday: s.weekday.into(),
                start_time: s.start_time.into(),
                session_count: small(s.session_count),
                session_minutes: small(s.session_minutes),
            }),
            open: o.open,
            open_access: o.open_access,
            created_at: o.created_at.into(),
            key: o.id,
            organisation_key: o.organisation_id,
            facilitator_keys: o.facilitators,
        }
    }
}

#[ComplexObject]
impl Offer {
    /// The organisation that runs it (batched across a list of offers).
    async fn organisation(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<crate::graphql::tenancy::Organisation> {
        let loader = ctx.data::<DataLoader<crate::graphql::loaders::OrganisationLoader>>()?;
        loader
            .load_one(self.organisation_key)
            .await?
            .map(Into::into)
            .ok_or_else(|| {
                crate::graphql::to_gql(DomainError::NotFound {
                    resource: "organisation",
                })
            })
    }

    /// The facilitating peers (courses), for coordinators and tenant admins: their names and
    /// contacts are personal data, so the read is audited with `purpose` (batched).
    async fn facilitators(
        &self,
        ctx: &Context<'_>,
        purpose: crate::graphql::people::AccessPurpose,
    ) -> async_graphql::Result<Vec<crate::graphql::peers::PeerWorker>> {
        crate::graphql::peers::peers(ctx, &self.facilitator_keys, purpose).await
    }

    /// A course's sessions, in order (batched across a page of offers); only those on or
    /// after `from` when given (the citizen app's upcoming sessions: `from` today).
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        from: Option<Date>,
    ) -> async_graphql::Result<Vec<CourseSession>> {
        let loader = ctx.data::<DataLoader<SessionLoader>>()?;
        let all = loader.load_one(self.key).await?.unwrap_or_default();
        Ok(match from {
            Some(from) => all.into_iter().filter(|s| s.date >= from).collect(),
            None => all,
        })
    }
}

/// One session of a course.
#[derive(SimpleObject, Clone)]
pub struct CourseSession {
    /// Id.
    pub(crate) id: ID,
    /// 1 for the first.
    pub(crate) number: i32,
    /// The day it is held.
    pub(crate) held_on: Date,
    /// The day.
    #[graphql(deprecation = "use heldOn")]
    pub(crate) date: Date,
    /// Local start time.
    pub(crate) start_time: LocalTime,
    /// Length in minutes.
    pub(crate) duration_minutes: i32,
    /// Length in minutes.
    #[graphql(deprecation = "use durationMinutes")]
    pub(crate) minutes: i32,
    /// When it was cancelled; null while it takes place.
    pub(crate) cancelled_at: Option<Instant>,
}

impl From<domain::CourseSession> for CourseSession {
    fn from(s: domain::CourseSession) -> Self {
        Self {
            id: crate::graphql::ids::gid(s.id),
            number: small(s.number),
            held_on: s.date.into(),
            date: s.date.into(),
            start_time: s.start_time.into(),
            duration_minutes: small(s.minutes),
            minutes: small(s.minutes),
            cancelled_at: s.cancelled_at.map(Into::into),
        }
    }
}

/// Loads the sessions of a page of offers in one query.
pub struct SessionLoader {
    pub(crate) offers: OfferService,
    pub(crate) ctx: RequestContext,
}

impl Loader<OfferId> for SessionLoader {
    type Value = Vec<CourseSession>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[OfferId],
    ) -> Result<HashMap<OfferId, Vec<CourseSession>>, Self::Error> {
        let sessions = self.offers.sessions(&self.ctx, keys).await?;
        let mut map: HashMap<OfferId, Vec<CourseSession>> = HashMap::new();
        for s in sessions {
            map.entry(s.offer_id).or_default().push(s.into());
        }
        Ok(map)
    }
}

/// The per-request session loader.
#[must_use]
pub fn session_loader(offers: OfferService, ctx: RequestContext) -> DataLoader<SessionLoader> {
    DataLoader::new(
        SessionLoader { offers, ctx },
        peerbro_persistence::ReadScope::spawner(),
    )
}

/// Attendance of one citizen at one session.
#[derive(SimpleObject)]
pub struct AttendanceMark {
    /// The session.
    pub(crate) session_id: ID,
    /// The citizen.
    pub(crate) citizen_id: ID,
    /// Present or not.
    pub(crate) present: bool,
}

impl From<domain::Attendance> for AttendanceMark {
    fn from(a: domain::Attendance) -> Self {
        Self {
            session_id: crate::graphql::ids::gid(a.session_id),
            citizen_id: crate::graphql::ids::gid(a.citizen_id),
            present: a.present,
        }
    }
}

/// A café's headcount on a day.
#[derive(SimpleObject)]
pub struct CafeHeadcount {
    /// The day the café was held.
    pub(crate) held_on: Date,
    /// The day.
    #[graphql(deprecation = "use heldOn")]
    pub(crate) date: Date,
    /// How many came.
    pub(crate) headcount: i32,
}

/// One of the caller's own matches.
#[derive(SimpleObject)]
pub struct PeerMatch {
    /// The referral.
    pub(crate) referral_id: ID,
    /// The citizen's pseudonym.
    pub(crate) citizen_pseudonym: String,
    /// Where the referral is.
    pub(crate) state: ReferralState,
    /// Assigned.
    pub(crate) assigned_at: Option<Instant>,
    /// First contact.
    pub(crate) first_contact_at: Option<Instant>,
}

/// What the peer of a running match may know of the citizen to make contact.
#[derive(SimpleObject)]
pub struct MatchCitizen {
    /// Pseudonym.
    pub(crate) pseudonym: String,
    /// Name (null once erased).
    pub(crate) name: Option<String>,
    /// Contact details, as the citizen gave them.
    pub(crate) contact: Option<String>,
}

pub(crate) fn count(field: &str, n: Option<i32>, default: u32) -> async_graphql::Result<u32> {
    n.map_or(Ok(default), |n| {
        u32::try_from(n)
            .map_err(|_| DomainError::validation(field, "must not be negative"))
            .gql()
    })
}
