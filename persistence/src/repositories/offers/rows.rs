//! Offer rows to and from the domain's types, shared by this context's repository and its
//! unit-of-work store.

use std::collections::HashMap;

use chrono::Weekday;
use peerbro_domain::ids::{
    CitizenId, CourseSessionId, EnrolmentId, OfferId, OrganisationId, PeerId, ReferralId, TenantId,
};
use peerbro_domain::offers::{CourseSchedule, CourseSession, Enrolment, Offer};
use peerbro_domain::{DomainError, DomainResult};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};
use uuid::Uuid;

use crate::db::Tx;
use crate::entities::offers::{course_sessions, enrolments, offer_facilitators, offers};
use crate::errors::unexpected;
use crate::repositories::rows::by_id;

pub(super) fn corrupt(what: &str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("stored offer {what} does not parse"))
}

pub(super) fn to_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub(super) fn to_u32(n: i32, what: &str) -> DomainResult<u32> {
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

pub(super) fn offer_from(m: offers::Model, facilitators: Vec<PeerId>) -> DomainResult<Offer> {
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
        open_access: m.open_access,
        created_at: m.created_at,
    })
}

pub(super) fn enrolment_from(m: enrolments::Model) -> DomainResult<Enrolment> {
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

pub(super) fn session_from(m: course_sessions::Model) -> DomainResult<CourseSession> {
    Ok(CourseSession {
        id: CourseSessionId::from_uuid(m.id),
        offer_id: OfferId::from_uuid(m.offer_id),
        number: to_u32(m.number, "session number")?,
        date: m.date,
        start_time: m.start_time,
        minutes: to_u32(m.minutes, "session length")?,
        cancelled_at: m.cancelled_at,
    })
}

pub(super) async fn offer_row(
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

pub(super) async fn load_offers(
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
