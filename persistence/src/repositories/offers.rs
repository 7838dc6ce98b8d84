//! Offers, course sessions, enrolments with their waiting list, attendance, café headcounts
//! and one-to-one meetings. Enrolment decisions are the domain's (`place_for`, `promotes`),
//! made here with the offer's row locked so that two enrolments cannot both take the last
//! place.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc, Weekday};
use peerbro_domain::ids::{
    CitizenId, CourseSessionId, EnrolmentId, MeetingId, OfferId, OrganisationId, PeerId,
    ReferralId, TenantId, UserId,
};
use peerbro_domain::offers::{
    Attendance, CafeVisit, CourseSchedule, CourseSession, Enrolment, EnrolmentStatus,
    FacilitatorCheck, MatchCheck, Meeting, Offer, OfferFilter, OfferRepository, OfferType,
    PeerMatch, ReferralParties, check_attendance, check_enrolment, check_referable,
    check_withdrawal, place_for, promotes,
};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::people::PeerStatus;
use peerbro_domain::referral::ReferralState;
use peerbro_domain::{DomainError, DomainResult, RequestContext};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _,
    IntoActiveModel as _, PaginatorTrait as _, QueryFilter as _, QueryOrder as _,
};
use uuid::Uuid;

use super::keyset;
use super::rows::by_id;
use crate::db::{Database, Tx};
use crate::entities::offers::{
    attendance, cafe_visits, course_sessions, enrolments, meetings, offer_facilitators, offers,
};
use crate::entities::organisations;
use crate::entities::privacy::citizens;
use crate::entities::referral::referrals;
use crate::errors::unexpected;

/// [`OfferRepository`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaOfferRepository {
    db: Database,
}

fn corrupt(what: &str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("stored offer {what} does not parse"))
}

fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn to_u32(n: i32, what: &str) -> DomainResult<u32> {
    u32::try_from(n).map_err(|_| corrupt(what))
}

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn offer_from(m: offers::Model, facilitators: Vec<PeerId>) -> DomainResult<Offer> {
    let schedule = match (
        m.start_date,
        m.weekday,
        m.start_time,
        m.session_count,
        m.session_minutes,
    ) {
        (Some(start_date), Some(weekday), Some(start_time), Some(count), Some(minutes)) => {
            Some(CourseSchedule {
                start_date,
                weekday: *usize::try_from(weekday)
                    .ok()
                    .and_then(|w| WEEKDAYS.get(w))
                    .ok_or_else(|| corrupt("weekday"))?,
                start_time,
                session_count: to_u32(count, "session count")?,
                session_minutes: to_u32(minutes, "session length")?,
            })
        }
        _ => None,
    };
    Ok(Offer {
        id: OfferId::from_uuid(m.id),
        organisation_id: OrganisationId::from_uuid(m.organisation_id),
        offer_type: m.offer_type.parse().map_err(|_| corrupt("type"))?,
        title: m.title,
        location: m.location,
        capacity: m.capacity.map(|c| to_u32(c, "capacity")).transpose()?,
        facilitators,
        schedule,
        open: m.open,
        created_at: m.created_at,
    })
}

fn enrolment_from(m: enrolments::Model) -> DomainResult<Enrolment> {
    Ok(Enrolment {
        id: EnrolmentId::from_uuid(m.id),
        offer_id: OfferId::from_uuid(m.offer_id),
        citizen_id: CitizenId::from_uuid(m.citizen_id),
        referral_id: m.referral_id.map(ReferralId::from_uuid),
        status: m.status.parse().map_err(|_| corrupt("enrolment status"))?,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn session_from(m: course_sessions::Model) -> DomainResult<CourseSession> {
    Ok(CourseSession {
        id: CourseSessionId::from_uuid(m.id),
        offer_id: OfferId::from_uuid(m.offer_id),
        number: to_u32(m.number, "session number")?,
        date: m.date,
        start_time: m.start_time,
        minutes: to_u32(m.minutes, "session length")?,
    })
}

async fn offer_row(
    tx: &Tx,
    tenant: TenantId,
    id: OfferId,
    lock: bool,
) -> DomainResult<offers::Model> {
    by_id::<offers::Entity>(tx, tenant, id.as_uuid(), lock, "offer").await
}

async fn facilitators_of(
    tx: &Tx,
    tenant: TenantId,
    offers: &[Uuid],
) -> DomainResult<HashMap<Uuid, Vec<PeerId>>> {
    let mut map: HashMap<Uuid, Vec<PeerId>> = HashMap::new();
    if offers.is_empty() {
        return Ok(map);
    }
    for row in offer_facilitators::Entity::find()
        .filter(offer_facilitators::Column::TenantId.eq(tenant.as_uuid()))
        .filter(offer_facilitators::Column::OfferId.is_in(offers.iter().copied()))
        .order_by_asc(offer_facilitators::Column::PeerId)
        .all(tx)
        .await
        .map_err(unexpected)?
    {
        map.entry(row.offer_id)
            .or_default()
            .push(PeerId::from_uuid(row.peer_id));
    }
    Ok(map)
}

async fn load_offers(
    tx: &Tx,
    tenant: TenantId,
    rows: Vec<offers::Model>,
) -> DomainResult<Vec<Offer>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut facilitators = facilitators_of(tx, tenant, &ids).await?;
    rows.into_iter()
        .map(|r| {
            let f = facilitators.remove(&r.id).unwrap_or_default();
            offer_from(r, f)
        })
        .collect()
}

async fn count_enrolled(tx: &Tx, tenant: TenantId, offer: Uuid) -> DomainResult<u32> {
    let n = enrolments::Entity::find()
        .filter(enrolments::Column::TenantId.eq(tenant.as_uuid()))
        .filter(enrolments::Column::OfferId.eq(offer))
        .filter(enrolments::Column::Status.eq(EnrolmentStatus::Enrolled.as_str()))
        .count(tx)
        .await
        .map_err(unexpected)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Enrols `citizen` on the course `offer` inside `tx`, locking the offer: a place while one
/// is free, else the waiting list.
pub(crate) async fn enrol_in(
    tx: &Tx,
    tenant: TenantId,
    offer: OfferId,
    citizen: CitizenId,
    referral: Option<ReferralId>,
    now: DateTime<Utc>,
) -> DomainResult<Enrolment> {
    let row = offer_row(tx, tenant, offer, true).await?;
    let offer_type = row
        .offer_type
        .parse::<OfferType>()
        .map_err(|_| corrupt("type"))?;
    check_enrolment(offer_type, row.open, false)?;
    let known = citizens::Entity::find()
        .filter(citizens::Column::TenantId.eq(tenant.as_uuid()))
        .filter(citizens::Column::Id.eq(citizen.as_uuid()))
        .count(tx)
        .await
        .map_err(unexpected)?;
    if known == 0 {
        return Err(DomainError::NotFound {
            resource: "citizen",
        });
    }
    let already = enrolments::Entity::find()
        .filter(enrolments::Column::TenantId.eq(tenant.as_uuid()))
        .filter(enrolments::Column::OfferId.eq(offer.as_uuid()))
        .filter(enrolments::Column::CitizenId.eq(citizen.as_uuid()))
        .filter(enrolments::Column::Status.ne(EnrolmentStatus::Withdrawn.as_str()))
        .count(tx)
        .await
        .map_err(unexpected)?;
    check_enrolment(offer_type, row.open, already > 0)?;
    let capacity = row
        .capacity
        .map(|c| to_u32(c, "capacity"))
        .transpose()?
        .unwrap_or(0);
    let status = place_for(capacity, count_enrolled(tx, tenant, row.id).await?);
    let model = enrolments::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        id: Set(Uuid::now_v7()),
        offer_id: Set(offer.as_uuid()),
        citizen_id: Set(citizen.as_uuid()),
        referral_id: Set(referral.map(|r| r.as_uuid())),
        status: Set(status.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(tx)
    .await
    .map_err(unexpected)?;
    enrolment_from(model)
}

/// Withdraws `row` inside `tx` (its offer already locked by the caller or here) and gives a
/// freed place to the first on the waiting list.
async fn withdraw_row(
    tx: &Tx,
    tenant: TenantId,
    row: enrolments::Model,
    now: DateTime<Utc>,
) -> DomainResult<(Enrolment, Option<Enrolment>)> {
    let offer = offer_row(tx, tenant, OfferId::from_uuid(row.offer_id), true).await?;
    let had_place = row.status == EnrolmentStatus::Enrolled.as_str();
    let mut model = row.into_active_model();
    model.status = Set(EnrolmentStatus::Withdrawn.as_str().to_owned());
    model.updated_at = Set(now);
    let withdrawn = enrolment_from(model.update(tx).await.map_err(unexpected)?)?;
    let capacity = offer
        .capacity
        .map(|c| to_u32(c, "capacity"))
        .transpose()?
        .unwrap_or(0);
    let mut promoted = None;
    if had_place && promotes(capacity, count_enrolled(tx, tenant, offer.id).await?) {
        let next = enrolments::Entity::find()
            .filter(enrolments::Column::TenantId.eq(tenant.as_uuid()))
            .filter(enrolments::Column::OfferId.eq(offer.id))
            .filter(enrolments::Column::Status.eq(EnrolmentStatus::Waitlisted.as_str()))
            .order_by_asc(enrolments::Column::CreatedAt)
            .order_by_asc(enrolments::Column::Id)
            .one(tx)
            .await
            .map_err(unexpected)?;
        if let Some(next) = next {
            let mut model = next.into_active_model();
            model.status = Set(EnrolmentStatus::Enrolled.as_str().to_owned());
            model.updated_at = Set(now);
            promoted = Some(enrolment_from(model.update(tx).await.map_err(unexpected)?)?);
        }
    }
    Ok((withdrawn, promoted))
}

/// Withdraws the active enrolment that came from `referral`, if any.
pub(crate) async fn withdraw_for_referral(
    tx: &Tx,
    tenant: TenantId,
    referral: ReferralId,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let row = enrolments::Entity::find()
        .filter(enrolments::Column::TenantId.eq(tenant.as_uuid()))
        .filter(enrolments::Column::ReferralId.eq(referral.as_uuid()))
        .filter(enrolments::Column::Status.ne(EnrolmentStatus::Withdrawn.as_str()))
        .one(tx)
        .await
        .map_err(unexpected)?;
    if let Some(row) = row {
        withdraw_row(tx, tenant, row, now).await?;
    }
    Ok(())
}

/// Checks that an offer exists in the tenant (`NotFound`), inside `tx`.
pub(crate) async fn require_offer(tx: &Tx, tenant: TenantId, id: OfferId) -> DomainResult<()> {
    offer_row(tx, tenant, id, false).await.map(|_| ())
}

/// Checks that an offer exists (`NotFound`) and takes referrals (`check_referable`), inside
/// `tx`.
pub(crate) async fn require_open_offer(tx: &Tx, tenant: TenantId, id: OfferId) -> DomainResult<()> {
    check_referable(offer_row(tx, tenant, id, false).await?.open)
}

impl SeaOfferRepository {
    /// Over `db`.
    #[must_use]
    pub const fn new(db: Database) -> Self {
        Self { db }
    }
}

#[async_trait]
impl OfferRepository for SeaOfferRepository {
    async fn create(
        &self,
        ctx: &RequestContext,
        offer: &Offer,
        sessions: &[CourseSession],
        check: FacilitatorCheck,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let org = organisations::Entity::find()
            .filter(organisations::Column::TenantId.eq(tenant.as_uuid()))
            .filter(organisations::Column::Id.eq(offer.organisation_id.as_uuid()))
            .count(&tx)
            .await
            .map_err(unexpected)?;
        if org == 0 {
            return Err(DomainError::NotFound {
                resource: "organisation",
            });
        }
        let mut statuses = Vec::with_capacity(offer.facilitators.len());
        for peer in &offer.facilitators {
            let row = super::peers::find_row(&tx, tenant, *peer, false).await?;
            statuses.push((
                *peer,
                row.status
                    .parse::<PeerStatus>()
                    .map_err(|_| corrupt("peer status"))?,
            ));
        }
        check(&statuses)?;
        let schedule = offer.schedule.as_ref();
        offers::Entity::insert(offers::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(offer.id.as_uuid()),
            organisation_id: Set(offer.organisation_id.as_uuid()),
            offer_type: Set(offer.offer_type.as_str().to_owned()),
            title: Set(offer.title.clone()),
            location: Set(offer.location.clone()),
            capacity: Set(offer.capacity.map(to_i32)),
            start_date: Set(schedule.map(|s| s.start_date)),
            weekday: Set(schedule.map(|s| to_i32(s.weekday.num_days_from_monday()))),
            start_time: Set(schedule.map(|s| s.start_time)),
            session_count: Set(schedule.map(|s| to_i32(s.session_count))),
            session_minutes: Set(schedule.map(|s| to_i32(s.session_minutes))),
            open: Set(offer.open),
            created_at: Set(offer.created_at),
        })
        .exec_without_returning(&tx)
        .await
        .map_err(unexpected)?;
        if !offer.facilitators.is_empty() {
            offer_facilitators::Entity::insert_many(offer.facilitators.iter().map(|peer| {
                offer_facilitators::ActiveModel {
                    tenant_id: Set(tenant.as_uuid()),
                    offer_id: Set(offer.id.as_uuid()),
                    peer_id: Set(peer.as_uuid()),
                }
            }))
            .exec_without_returning(&tx)
            .await
            .map_err(unexpected)?;
        }
        if !sessions.is_empty() {
            course_sessions::Entity::insert_many(sessions.iter().map(|session| {
                course_sessions::ActiveModel {
                    tenant_id: Set(tenant.as_uuid()),
                    id: Set(session.id.as_uuid()),
                    offer_id: Set(session.offer_id.as_uuid()),
                    number: Set(to_i32(session.number)),
                    date: Set(session.date),
                    start_time: Set(session.start_time),
                    minutes: Set(to_i32(session.minutes)),
                }
            }))
            .exec_without_returning(&tx)
            .await
            .map_err(unexpected)?;
        }
        tx.commit().await
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        filter: &OfferFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Offer>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let mut query =
            offers::Entity::find().filter(offers::Column::TenantId.eq(tenant.as_uuid()));
        if let Some(kind) = filter.offer_type {
            query = query.filter(offers::Column::OfferType.eq(kind.as_str()));
        }
        if filter.open_only {
            query = query.filter(offers::Column::Open.eq(true));
        }
        let rows = keyset(query, offers::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let items = load_offers(&tx, tenant, rows).await?;
        tx.commit().await?;
        Ok(Page::from_probe(items, page))
    }

    async fn get(&self, ctx: &RequestContext, id: OfferId) -> DomainResult<Offer> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = offer_row(&tx, tenant, id, false).await?;
        let offer = load_offers(&tx, tenant, vec![row]).await?.pop();
        tx.commit().await?;
        offer.ok_or(DomainError::NotFound { resource: "offer" })
    }

    async fn set_open(&self, ctx: &RequestContext, id: OfferId, open: bool) -> DomainResult<Offer> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = offer_row(&tx, tenant, id, true).await?;
        let mut model = row.into_active_model();
        model.open = Set(open);
        let row = model.update(&tx).await.map_err(unexpected)?;
        let offer = load_offers(&tx, tenant, vec![row]).await?.pop();
        tx.commit().await?;
        offer.ok_or(DomainError::NotFound { resource: "offer" })
    }

    async fn sessions(
        &self,
        ctx: &RequestContext,
        offers: &[OfferId],
    ) -> DomainResult<Vec<CourseSession>> {
        if offers.is_empty() {
            return Ok(Vec::new());
        }
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows = course_sessions::Entity::find()
            .filter(course_sessions::Column::TenantId.eq(tenant.as_uuid()))
            .filter(course_sessions::Column::OfferId.is_in(offers.iter().map(|o| o.as_uuid())))
            .order_by_asc(course_sessions::Column::OfferId)
            .order_by_asc(course_sessions::Column::Number)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter().map(session_from).collect()
    }

    async fn session(
        &self,
        ctx: &RequestContext,
        id: CourseSessionId,
    ) -> DomainResult<CourseSession> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row =
            by_id::<course_sessions::Entity>(&tx, tenant, id.as_uuid(), false, "session").await?;
        tx.commit().await?;
        session_from(row)
    }

    async fn enrol(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
        citizen: CitizenId,
        referral: Option<ReferralId>,
    ) -> DomainResult<Enrolment> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let enrolment = enrol_in(&tx, tenant, offer, citizen, referral, Utc::now()).await?;
        tx.commit().await?;
        Ok(enrolment)
    }

    async fn withdraw(
        &self,
        ctx: &RequestContext,
        enrolment: EnrolmentId,
    ) -> DomainResult<(Enrolment, Option<Enrolment>)> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = by_id::<enrolments::Entity>(&tx, tenant, enrolment.as_uuid(), true, "enrolment")
            .await?;
        check_withdrawal(
            row.status
                .parse()
                .map_err(|_| corrupt("enrolment status"))?,
        )?;
        let result = withdraw_row(&tx, tenant, row, Utc::now()).await?;
        tx.commit().await?;
        Ok(result)
    }

    async fn enrolments(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
    ) -> DomainResult<Vec<Enrolment>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows = enrolments::Entity::find()
            .filter(enrolments::Column::TenantId.eq(tenant.as_uuid()))
            .filter(enrolments::Column::OfferId.eq(offer.as_uuid()))
            .order_by_asc(enrolments::Column::CreatedAt)
            .order_by_asc(enrolments::Column::Id)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter().map(enrolment_from).collect()
    }

    async fn record_attendance(
        &self,
        ctx: &RequestContext,
        session: CourseSessionId,
        marks: &[(CitizenId, bool)],
    ) -> DomainResult<Vec<Attendance>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row =
            by_id::<course_sessions::Entity>(&tx, tenant, session.as_uuid(), false, "session")
                .await?;
        let enrolled: HashSet<Uuid> = enrolments::Entity::find()
            .filter(enrolments::Column::TenantId.eq(tenant.as_uuid()))
            .filter(enrolments::Column::OfferId.eq(row.offer_id))
            .filter(enrolments::Column::Status.eq(EnrolmentStatus::Enrolled.as_str()))
            .all(&tx)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(|e| e.citizen_id)
            .collect();
        let mut recorded = Vec::with_capacity(marks.len());
        for (citizen, present) in marks {
            check_attendance(enrolled.contains(&citizen.as_uuid()))?;
            attendance::Entity::insert(attendance::ActiveModel {
                tenant_id: Set(tenant.as_uuid()),
                session_id: Set(session.as_uuid()),
                citizen_id: Set(citizen.as_uuid()),
                present: Set(*present),
            })
            .on_conflict(
                OnConflict::columns([
                    attendance::Column::TenantId,
                    attendance::Column::SessionId,
                    attendance::Column::CitizenId,
                ])
                .update_column(attendance::Column::Present)
                .to_owned(),
            )
            .exec_without_returning(&tx)
            .await
            .map_err(unexpected)?;
            recorded.push(Attendance {
                session_id: session,
                citizen_id: *citizen,
                present: *present,
            });
        }
        tx.commit().await?;
        Ok(recorded)
    }

    async fn attendance(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
    ) -> DomainResult<Vec<Attendance>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let sessions: Vec<Uuid> = course_sessions::Entity::find()
            .filter(course_sessions::Column::TenantId.eq(tenant.as_uuid()))
            .filter(course_sessions::Column::OfferId.eq(offer.as_uuid()))
            .all(&tx)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(|s| s.id)
            .collect();
        let rows = if sessions.is_empty() {
            Vec::new()
        } else {
            attendance::Entity::find()
                .filter(attendance::Column::TenantId.eq(tenant.as_uuid()))
                .filter(attendance::Column::SessionId.is_in(sessions))
                .order_by_asc(attendance::Column::SessionId)
                .order_by_asc(attendance::Column::CitizenId)
                .all(&tx)
                .await
                .map_err(unexpected)?
        };
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|a| Attendance {
                session_id: CourseSessionId::from_uuid(a.session_id),
                citizen_id: CitizenId::from_uuid(a.citizen_id),
                present: a.present,
            })
            .collect())
    }

    async fn record_cafe_visit(&self, ctx: &RequestContext, visit: &CafeVisit) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        offer_row(&tx, tenant, visit.offer_id, false).await?;
        cafe_visits::Entity::insert(cafe_visits::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            offer_id: Set(visit.offer_id.as_uuid()),
            date: Set(visit.date),
            headcount: Set(to_i32(visit.headcount)),
        })
        .on_conflict(
            OnConflict::columns([
                cafe_visits::Column::TenantId,
                cafe_visits::Column::OfferId,
                cafe_visits::Column::Date,
            ])
            .update_column(cafe_visits::Column::Headcount)
            .to_owned(),
        )
        .exec_without_returning(&tx)
        .await
        .map_err(unexpected)?;
        tx.commit().await
    }

    async fn cafe_visits(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> DomainResult<Vec<CafeVisit>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows = cafe_visits::Entity::find()
            .filter(cafe_visits::Column::TenantId.eq(tenant.as_uuid()))
            .filter(cafe_visits::Column::OfferId.eq(offer.as_uuid()))
            .filter(cafe_visits::Column::Date.gte(from))
            .filter(cafe_visits::Column::Date.lte(to))
            .order_by_asc(cafe_visits::Column::Date)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter()
            .map(|v| {
                Ok(CafeVisit {
                    offer_id: OfferId::from_uuid(v.offer_id),
                    date: v.date,
                    headcount: to_u32(v.headcount, "headcount")?,
                })
            })
            .collect()
    }

    async fn log_meeting(
        &self,
        ctx: &RequestContext,
        meeting: &Meeting,
        check: MatchCheck,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let referral = by_id::<referrals::Entity>(
            &tx,
            tenant,
            meeting.referral_id.as_uuid(),
            true,
            "referral",
        )
        .await?;
        check(
            referral
                .state
                .parse::<ReferralState>()
                .map_err(|_| corrupt("referral state"))?,
            referral.assigned_peer_id.map(PeerId::from_uuid),
        )?;
        meetings::Entity::insert(meetings::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(meeting.id.as_uuid()),
            referral_id: Set(meeting.referral_id.as_uuid()),
            peer_id: Set(meeting.peer_id.as_uuid()),
            date: Set(meeting.date),
            minutes: Set(to_i32(meeting.minutes)),
            form: Set(meeting.form.as_str().to_owned()),
            logged_by: Set(meeting.logged_by.map(|u| u.as_uuid())),
            logged_at: Set(meeting.logged_at),
        })
        .exec_without_returning(&tx)
        .await
        .map_err(unexpected)?;
        tx.commit().await
    }

    async fn meetings(
        &self,
        ctx: &RequestContext,
        referrals: &[ReferralId],
    ) -> DomainResult<Vec<Meeting>> {
        if referrals.is_empty() {
            return Ok(Vec::new());
        }
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows = meetings::Entity::find()
            .filter(meetings::Column::TenantId.eq(tenant.as_uuid()))
            .filter(meetings::Column::ReferralId.is_in(referrals.iter().map(|r| r.as_uuid())))
            .order_by_asc(meetings::Column::Date)
            .order_by_asc(meetings::Column::Id)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter()
            .map(|m| {
                Ok(Meeting {
                    id: MeetingId::from_uuid(m.id),
                    referral_id: ReferralId::from_uuid(m.referral_id),
                    peer_id: PeerId::from_uuid(m.peer_id),
                    date: m.date,
                    minutes: to_u32(m.minutes, "meeting length")?,
                    form: m.form.parse().map_err(|_| corrupt("meeting form"))?,
                    logged_by: m.logged_by.map(UserId::from_uuid),
                    logged_at: m.logged_at,
                })
            })
            .collect()
    }

    async fn matches_of(&self, ctx: &RequestContext, peer: PeerId) -> DomainResult<Vec<PeerMatch>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows = referrals::Entity::find()
            .filter(referrals::Column::TenantId.eq(tenant.as_uuid()))
            .filter(referrals::Column::AssignedPeerId.eq(peer.as_uuid()))
            .order_by_asc(referrals::Column::AssignedAt)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.citizen_id).collect();
        let pseudonyms: HashMap<Uuid, String> = if ids.is_empty() {
            HashMap::new()
        } else {
            citizens::Entity::find()
                .filter(citizens::Column::TenantId.eq(tenant.as_uuid()))
                .filter(citizens::Column::Id.is_in(ids))
                .all(&tx)
                .await
                .map_err(unexpected)?
                .into_iter()
                .map(|c| (c.id, c.pseudonym))
                .collect()
        };
        tx.commit().await?;
        rows.into_iter()
            .map(|r| {
                Ok(PeerMatch {
                    referral_id: ReferralId::from_uuid(r.id),
                    citizen_pseudonym: pseudonyms.get(&r.citizen_id).cloned().unwrap_or_default(),
                    state: r.state.parse().map_err(|_| corrupt("referral state"))?,
                    assigned_at: r.assigned_at,
                    first_contact_at: r.first_contact_at,
                })
            })
            .collect()
    }

    async fn referral_parties(
        &self,
        ctx: &RequestContext,
        referral: ReferralId,
    ) -> DomainResult<ReferralParties> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row =
            by_id::<referrals::Entity>(&tx, tenant, referral.as_uuid(), false, "referral").await?;
        tx.commit().await?;
        Ok(ReferralParties {
            citizen_id: CitizenId::from_uuid(row.citizen_id),
            assigned_peer_id: row.assigned_peer_id.map(PeerId::from_uuid),
            state: row.state.parse().map_err(|_| corrupt("referral state"))?,
        })
    }
}
