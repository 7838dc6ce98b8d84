//! Offers in GraphQL: what the partnership offers (every member sees it), courses with their
//! sessions, enrolment and waiting list, attendance, café headcounts, and one-to-one matches
//! with their meetings.

use std::collections::HashMap;

use async_graphql::connection::Connection;
use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday as ChronoWeekday};
use peerbro_domain::ids::{
    CitizenId, CourseSessionId, EnrolmentId, OfferId, OrganisationId, PeerId, ReferralId,
};
use peerbro_domain::offers::{
    self as domain, CafeVisit, CourseSchedule, DEFAULT_SESSION_COUNT, DEFAULT_SESSION_MINUTES,
    NewOffer, OfferFilter, OfferService,
};
use peerbro_domain::{DomainError, RequestContext};

use super::errors::{GqlResultExt as _, LoadError};
use super::peers::OfferType;
use super::referrals::ReferralState;
use super::scalars::parse_id;
use super::tenancy::{connection, page_request};

fn request<'a>(
    ctx: &'a Context<'_>,
) -> async_graphql::Result<(&'a OfferService, &'a RequestContext)> {
    super::errors::request_data(ctx)
}

fn id_of<T>(field: &str, id: &ID, wrap: impl Fn(uuid::Uuid) -> T) -> async_graphql::Result<T> {
    parse_id(field, id).map(wrap).gql()
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

wire_enum!(
    /// How a one-to-one meeting took place.
    MeetingForm => domain::MeetingForm {
        /// Face to face.
        InPerson,
        /// By phone.
        Phone,
        /// By video.
        Video,
        /// A walk together.
        Walk,
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
    start_date: NaiveDate,
    /// The weekday.
    weekday: Weekday,
    /// Local (Danish) start time.
    start_time: NaiveTime,
    /// Weekly sessions.
    session_count: i32,
    /// Minutes per session.
    session_minutes: i32,
}

fn small(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// An offer.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Offer {
    /// Id.
    id: ID,
    /// The organisation that runs it.
    organisation_id: ID,
    /// Its kind.
    offer_type: OfferType,
    /// Title.
    title: String,
    /// Where; null means online.
    location: Option<String>,
    /// Whether it is online.
    online: bool,
    /// Places (courses).
    capacity: Option<i32>,
    /// Facilitating peers (courses).
    facilitator_ids: Vec<ID>,
    /// When it meets (courses).
    schedule: Option<Schedule>,
    /// Whether it takes referrals and enrolments.
    open: bool,
    /// Created.
    created_at: DateTime<Utc>,
    #[graphql(skip)]
    key: OfferId,
}

impl From<domain::Offer> for Offer {
    fn from(o: domain::Offer) -> Self {
        Self {
            id: ID(o.id.to_string()),
            organisation_id: ID(o.organisation_id.to_string()),
            offer_type: o.offer_type.into(),
            title: o.title,
            online: o.location.is_none(),
            location: o.location,
            capacity: o.capacity.map(small),
            facilitator_ids: o.facilitators.iter().map(|p| ID(p.to_string())).collect(),
            schedule: o.schedule.map(|s| Schedule {
                start_date: s.start_date,
                weekday: s.weekday.into(),
                start_time: s.start_time,
                session_count: small(s.session_count),
                session_minutes: small(s.session_minutes),
            }),
            open: o.open,
            created_at: o.created_at,
            key: o.id,
        }
    }
}

#[ComplexObject]
impl Offer {
    /// A course's sessions, in order (batched across a page of offers).
    async fn sessions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CourseSession>> {
        let loader = ctx.data::<DataLoader<SessionLoader>>()?;
        Ok(loader.load_one(self.key).await?.unwrap_or_default())
    }
}

/// One session of a course.
#[derive(SimpleObject, Clone)]
pub struct CourseSession {
    /// Id.
    id: ID,
    /// 1 for the first.
    number: i32,
    /// The day.
    date: NaiveDate,
    /// Local start time.
    start_time: NaiveTime,
    /// Length in minutes.
    minutes: i32,
}

impl From<domain::CourseSession> for CourseSession {
    fn from(s: domain::CourseSession) -> Self {
        Self {
            id: ID(s.id.to_string()),
            number: small(s.number),
            date: s.date,
            start_time: s.start_time,
            minutes: small(s.minutes),
        }
    }
}

/// Loads the sessions of a page of offers in one query.
pub struct SessionLoader {
    offers: OfferService,
    ctx: RequestContext,
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
    DataLoader::new(SessionLoader { offers, ctx }, tokio::spawn)
}

/// A citizen's place on a course.
#[derive(SimpleObject)]
pub struct Enrolment {
    /// Id.
    id: ID,
    /// The course.
    offer_id: ID,
    /// The citizen.
    citizen_id: ID,
    /// The referral it came from.
    referral_id: Option<ID>,
    /// Where it stands.
    status: EnrolmentStatus,
    /// Enrolled or waitlisted at.
    created_at: DateTime<Utc>,
    /// Last change.
    updated_at: DateTime<Utc>,
}

impl From<domain::Enrolment> for Enrolment {
    fn from(e: domain::Enrolment) -> Self {
        Self {
            id: ID(e.id.to_string()),
            offer_id: ID(e.offer_id.to_string()),
            citizen_id: ID(e.citizen_id.to_string()),
            referral_id: e.referral_id.map(|r| ID(r.to_string())),
            status: e.status.into(),
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// A withdrawal, and who got the freed place.
#[derive(SimpleObject)]
pub struct WithdrawEnrolmentPayload {
    /// The withdrawn enrolment.
    withdrawn: Enrolment,
    /// The first on the waiting list, now enrolled.
    promoted: Option<Enrolment>,
}

/// Attendance of one citizen at one session.
#[derive(SimpleObject)]
pub struct AttendanceMark {
    /// The session.
    session_id: ID,
    /// The citizen.
    citizen_id: ID,
    /// Present or not.
    present: bool,
}

impl From<domain::Attendance> for AttendanceMark {
    fn from(a: domain::Attendance) -> Self {
        Self {
            session_id: ID(a.session_id.to_string()),
            citizen_id: ID(a.citizen_id.to_string()),
            present: a.present,
        }
    }
}

/// A café's headcount on a day.
#[derive(SimpleObject)]
pub struct CafeHeadcount {
    /// The day.
    date: NaiveDate,
    /// How many came.
    headcount: i32,
}

/// A logged one-to-one meeting (never its content).
#[derive(SimpleObject)]
pub struct Meeting {
    /// Id.
    id: ID,
    /// The match (referral).
    referral_id: ID,
    /// The peer.
    peer_id: ID,
    /// The day.
    date: NaiveDate,
    /// Length in minutes.
    minutes: i32,
    /// How.
    form: MeetingForm,
}

impl From<domain::Meeting> for Meeting {
    fn from(m: domain::Meeting) -> Self {
        Self {
            id: ID(m.id.to_string()),
            referral_id: ID(m.referral_id.to_string()),
            peer_id: ID(m.peer_id.to_string()),
            date: m.date,
            minutes: small(m.minutes),
            form: m.form.into(),
        }
    }
}

/// One of the caller's own matches.
#[derive(SimpleObject)]
pub struct PeerMatch {
    /// The referral.
    referral_id: ID,
    /// The citizen's pseudonym.
    citizen_pseudonym: String,
    /// Where the referral is.
    state: ReferralState,
    /// Assigned.
    assigned_at: Option<DateTime<Utc>>,
    /// First contact.
    first_contact_at: Option<DateTime<Utc>>,
}

/// What the peer of a running match may know of the citizen to make contact.
#[derive(SimpleObject)]
pub struct MatchCitizen {
    /// Pseudonym.
    pseudonym: String,
    /// Name (null once erased).
    name: Option<String>,
    /// Contact details, as the citizen gave them.
    contact: Option<String>,
}

/// Offer queries.
#[derive(Default)]
pub struct OffersQuery;

#[Object]
impl OffersQuery {
    /// The partnership's offers (any member), optionally of one kind or open only.
    async fn offers(
        &self,
        ctx: &Context<'_>,
        offer_type: Option<OfferType>,
        #[graphql(default)] open_only: bool,
        #[graphql(validator(minimum = 1, maximum = 100))] first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Offer>> {
        let (svc, rc) = request(ctx)?;
        let page = page_request(first, after, None, None).gql()?;
        let filter = OfferFilter {
            offer_type: offer_type.map(Into::into),
            open_only,
        };
        let result = svc.list(rc, &filter, &page).await.gql()?;
        Ok(connection(result, |o| o.id.as_uuid(), Offer::from))
    }

    /// One offer.
    async fn offer(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Offer> {
        let (svc, rc) = request(ctx)?;
        let id = id_of("id", &id, OfferId::from_uuid)?;
        Ok(svc.get(rc, id).await.gql()?.into())
    }

    /// A course's enrolments in enrolment order, the waiting list included (coordinators
    /// and the course's facilitators).
    async fn course_enrolments(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
    ) -> async_graphql::Result<Vec<Enrolment>> {
        let (svc, rc) = request(ctx)?;
        let id = id_of("offerId", &offer_id, OfferId::from_uuid)?;
        Ok(svc
            .enrolments(rc, id)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// A course's attendance (coordinators and the course's facilitators).
    async fn course_attendance(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
    ) -> async_graphql::Result<Vec<AttendanceMark>> {
        let (svc, rc) = request(ctx)?;
        let id = id_of("offerId", &offer_id, OfferId::from_uuid)?;
        Ok(svc
            .attendance(rc, id)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// A café's headcounts between two days (coordinators and peers).
    async fn cafe_headcounts(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
        from: NaiveDate,
        to: NaiveDate,
    ) -> async_graphql::Result<Vec<CafeHeadcount>> {
        let (svc, rc) = request(ctx)?;
        let id = id_of("offerId", &offer_id, OfferId::from_uuid)?;
        Ok(svc
            .cafe_visits(rc, id, from, to)
            .await
            .gql()?
            .into_iter()
            .map(|v| CafeHeadcount {
                date: v.date,
                headcount: small(v.headcount),
            })
            .collect())
    }

    /// The caller's own one-to-one matches (peers).
    async fn my_matches(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PeerMatch>> {
        let (svc, rc) = request(ctx)?;
        Ok(svc
            .my_matches(rc)
            .await
            .gql()?
            .into_iter()
            .map(|m| PeerMatch {
                referral_id: ID(m.referral_id.to_string()),
                citizen_pseudonym: m.citizen_pseudonym,
                state: m.state.into(),
                assigned_at: m.assigned_at,
                first_contact_at: m.first_contact_at,
            })
            .collect())
    }

    /// The citizen of one of the caller's running matches (the assigned peer only, with the
    /// citizen's consent to contact; the read is audited as PEER_SUPPORT).
    async fn match_citizen(
        &self,
        ctx: &Context<'_>,
        referral_id: ID,
    ) -> async_graphql::Result<MatchCitizen> {
        let (svc, rc) = request(ctx)?;
        let id = id_of("referralId", &referral_id, ReferralId::from_uuid)?;
        let c = svc.match_citizen(rc, id).await.gql()?;
        Ok(MatchCitizen {
            pseudonym: c.pseudonym.as_str().to_owned(),
            name: c.name.map(|n| n.expose().to_owned()),
            contact: c.contact.map(|n| n.expose().to_owned()),
        })
    }

    /// The meetings of a match (its peer and coordinators).
    async fn match_meetings(
        &self,
        ctx: &Context<'_>,
        referral_id: ID,
    ) -> async_graphql::Result<Vec<Meeting>> {
        let (svc, rc) = request(ctx)?;
        let id = id_of("referralId", &referral_id, ReferralId::from_uuid)?;
        Ok(svc
            .meetings(rc, id)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }
}

/// A course's schedule.
#[derive(InputObject)]
pub struct ScheduleInput {
    /// The first session is on the first `weekday` on or after this date.
    start_date: NaiveDate,
    /// The weekday.
    weekday: Weekday,
    /// Local (Danish) start time, e.g. "17:00:00".
    start_time: NaiveTime,
    /// Weekly sessions (default 10).
    session_count: Option<i32>,
    /// Minutes per session (default 120).
    session_minutes: Option<i32>,
}

/// A new offer.
#[derive(InputObject)]
pub struct CreateOfferInput {
    /// The organisation that runs it.
    organisation_id: ID,
    /// Its kind.
    offer_type: OfferType,
    /// Title.
    title: String,
    /// Where; leave out and set `online` for online offers.
    location: Option<String>,
    /// Online instead of a place.
    #[graphql(default)]
    online: bool,
    /// Places (courses only).
    capacity: Option<i32>,
    /// The two facilitating peers (courses only).
    #[graphql(default)]
    facilitator_ids: Vec<ID>,
    /// When it meets (courses only).
    schedule: Option<ScheduleInput>,
}

fn count(field: &str, n: Option<i32>, default: u32) -> async_graphql::Result<u32> {
    n.map_or(Ok(default), |n| {
        u32::try_from(n)
            .map_err(|_| DomainError::validation(field, "must not be negative"))
            .gql()
    })
}

/// Attendance of one citizen.
#[derive(InputObject)]
pub struct AttendanceInput {
    /// The citizen (with a place on the course).
    citizen_id: ID,
    /// Present or not.
    present: bool,
}

/// A meeting to log.
#[derive(InputObject)]
pub struct LogMeetingInput {
    /// The match (a referral assigned to a peer).
    referral_id: ID,
    /// The day (today or earlier).
    date: NaiveDate,
    /// Length in minutes (5–600).
    minutes: i32,
    /// How.
    form: MeetingForm,
}

/// Offer mutations.
#[derive(Default)]
pub struct OffersMutation;

#[Object]
impl OffersMutation {
    /// Creates an offer (coordinators and tenant admins). A course gets its weekly sessions
    /// at once.
    async fn create_offer(
        &self,
        ctx: &Context<'_>,
        input: CreateOfferInput,
    ) -> async_graphql::Result<Offer> {
        let (svc, rc) = request(ctx)?;
        let schedule = match input.schedule {
            Some(s) => Some(CourseSchedule {
                start_date: s.start_date,
                weekday: s.weekday.into(),
                start_time: s.start_time,
                session_count: count("sessionCount", s.session_count, DEFAULT_SESSION_COUNT)?,
                session_minutes: count(
                    "sessionMinutes",
                    s.session_minutes,
                    DEFAULT_SESSION_MINUTES,
                )?,
            }),
            None => None,
        };
        let new = NewOffer {
            organisation_id: id_of(
                "organisationId",
                &input.organisation_id,
                OrganisationId::from_uuid,
            )?,
            offer_type: input.offer_type.into(),
            title: input.title,
            location: input.location,
            online: input.online,
            capacity: input
                .capacity
                .map(|c| count("capacity", Some(c), 0))
                .transpose()?,
            facilitators: input
                .facilitator_ids
                .iter()
                .map(|p| id_of("facilitatorIds", p, PeerId::from_uuid))
                .collect::<async_graphql::Result<_>>()?,
            schedule,
        };
        Ok(svc.create(rc, new).await.gql()?.into())
    }

    /// Opens or closes an offer for referrals and enrolments.
    async fn set_offer_open(
        &self,
        ctx: &Context<'_>,
        id: ID,
        open: bool,
    ) -> async_graphql::Result<Offer> {
        let (svc, rc) = request(ctx)?;
        let id = id_of("id", &id, OfferId::from_uuid)?;
        Ok(svc.set_open(rc, id, open).await.gql()?.into())
    }

    /// Enrols a citizen on a course: a place while one is free, else the waiting list.
    async fn enrol_citizen(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
        citizen_id: ID,
    ) -> async_graphql::Result<Enrolment> {
        let (svc, rc) = request(ctx)?;
        let offer = id_of("offerId", &offer_id, OfferId::from_uuid)?;
        let citizen = id_of("citizenId", &citizen_id, CitizenId::from_uuid)?;
        Ok(svc.enrol(rc, offer, citizen).await.gql()?.into())
    }

    /// Withdraws an enrolment; the first on the waiting list gets the freed place.
    async fn withdraw_enrolment(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WithdrawEnrolmentPayload> {
        let (svc, rc) = request(ctx)?;
        let id = id_of("id", &id, EnrolmentId::from_uuid)?;
        let done = svc.withdraw(rc, id).await.gql()?;
        Ok(WithdrawEnrolmentPayload {
            withdrawn: done.withdrawn.into(),
            promoted: done.promoted.map(Into::into),
        })
    }

    /// Records attendance at a session (coordinators and the course's facilitators).
    async fn record_attendance(
        &self,
        ctx: &Context<'_>,
        session_id: ID,
        marks: Vec<AttendanceInput>,
    ) -> async_graphql::Result<Vec<AttendanceMark>> {
        let (svc, rc) = request(ctx)?;
        let session = id_of("sessionId", &session_id, CourseSessionId::from_uuid)?;
        let marks = marks
            .iter()
            .map(|m| {
                Ok((
                    id_of("citizenId", &m.citizen_id, CitizenId::from_uuid)?,
                    m.present,
                ))
            })
            .collect::<async_graphql::Result<Vec<_>>>()?;
        Ok(svc
            .record_attendance(rc, session, &marks)
            .await
            .gql()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Records (or corrects) a café's headcount for a day: a number, never names.
    async fn record_cafe_headcount(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
        date: NaiveDate,
        headcount: i32,
    ) -> async_graphql::Result<CafeHeadcount> {
        let (svc, rc) = request(ctx)?;
        let visit = CafeVisit {
            offer_id: id_of("offerId", &offer_id, OfferId::from_uuid)?,
            date,
            headcount: count("headcount", Some(headcount), 0)?,
        };
        let saved = svc.record_cafe_visit(rc, visit).await.gql()?;
        Ok(CafeHeadcount {
            date: saved.date,
            headcount: small(saved.headcount),
        })
    }

    /// Logs a one-to-one meeting: when, how long, how — never what was said (the match's
    /// peer or a coordinator).
    async fn log_meeting(
        &self,
        ctx: &Context<'_>,
        input: LogMeetingInput,
    ) -> async_graphql::Result<Meeting> {
        let (svc, rc) = request(ctx)?;
        let referral = id_of("referralId", &input.referral_id, ReferralId::from_uuid)?;
        let minutes = count("minutes", Some(input.minutes), 0)?;
        Ok(svc
            .log_meeting(rc, referral, input.date, minutes, input.form.into())
            .await
            .gql()?
            .into())
    }
}
