//! The courses of support measurement reads: started one-to-one matches (the referral's move
//! to `ACTIVE` starts it, `COMPLETED` or `ENDED_EARLY` ends it) and places on courses (the
//! first session starts it, the last ends it). Five statements whatever the number of rows.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use peerbro_domain::DomainResult;
use peerbro_domain::clock::day_start;
use peerbro_domain::ids::{CitizenId, EnrolmentId, OfferId, PeerId, ReferralId, TenantId};
use peerbro_domain::outcomes::{
    MeasuredSupport, MeasurementPoint, Support, SupportFilter, SupportRef,
};
use peerbro_domain::people::OfferType;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QuerySelect as _};
use uuid::Uuid;

use crate::db::Tx;
use crate::entities::offers::{course_sessions, enrolments, offer_facilitators, offers};
use crate::entities::outcomes as responses;
use crate::entities::privacy::citizens;
use crate::entities::referral::{referral_transitions, referrals};
use crate::errors::unexpected;

pub(super) fn corrupt(what: &'static str) -> peerbro_domain::DomainError {
    peerbro_domain::DomainError::Unknown(anyhow::anyhow!("a stored answer's {what} does not read"))
}

/// Which supports to read.
pub(super) enum Scope<'a> {
    /// Those a worklist or app list needs.
    Filter(&'a SupportFilter),
    /// One.
    One(SupportRef),
}

const MATCH_STATES: [&str; 3] = ["ACTIVE", "COMPLETED", "ENDED_EARLY"];
pub(super) const MATCH: &str = "MATCH";
pub(super) const COURSE: &str = "COURSE";

/// A support before its citizen and answers are known.
struct Bare {
    support: SupportRef,
    citizen: Uuid,
    peers: Vec<PeerId>,
    offer_id: Option<OfferId>,
    offer_type: OfferType,
    span: Support,
}

async fn matches(tx: &Tx, tenant: TenantId, scope: &Scope<'_>) -> DomainResult<Vec<Bare>> {
    let mut query = referrals::Entity::find()
        .filter(referrals::Column::TenantId.eq(tenant.as_uuid()))
        .filter(referrals::Column::AssignedPeerId.is_not_null())
        .filter(referrals::Column::State.is_in(MATCH_STATES));
    match scope {
        Scope::One(SupportRef::Match(id)) => {
            query = query.filter(referrals::Column::Id.eq(id.as_uuid()));
        }
        Scope::One(SupportRef::Course(_)) => return Ok(Vec::new()),
        Scope::Filter(f) => {
            query = query.filter(referrals::Column::UpdatedAt.gte(day_start(f.since)));
            if let Some(c) = f.citizen {
                query = query.filter(referrals::Column::CitizenId.eq(c.as_uuid()));
            }
            if let Some(p) = f.peer {
                query = query.filter(referrals::Column::AssignedPeerId.eq(p.as_uuid()));
            }
        }
    }
    let rows = query.all(tx).await.map_err(unexpected)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let moves = referral_transitions::Entity::find()
        .filter(referral_transitions::Column::TenantId.eq(tenant.as_uuid()))
        .filter(referral_transitions::Column::ReferralId.is_in(rows.iter().map(|r| r.id)))
        .filter(referral_transitions::Column::ToState.is_in(MATCH_STATES))
        .all(tx)
        .await
        .map_err(unexpected)?;
    let mut started: HashMap<Uuid, NaiveDate> = HashMap::new();
    let mut ended: HashMap<Uuid, NaiveDate> = HashMap::new();
    for m in moves {
        let day = m.at.date_naive();
        let slot = if m.to_state == "ACTIVE" {
            started.entry(m.referral_id).or_insert(day)
        } else {
            ended.entry(m.referral_id).or_insert(day)
        };
        *slot = (*slot).min(day);
    }
    let requested: Vec<Uuid> = rows.iter().filter_map(|r| r.requested_offer_id).collect();
    let one_to_one: Vec<Uuid> = if requested.is_empty() {
        Vec::new()
    } else {
        offers::Entity::find()
            .select_only()
            .column(offers::Column::Id)
            .filter(offers::Column::TenantId.eq(tenant.as_uuid()))
            .filter(offers::Column::Id.is_in(requested))
            .filter(offers::Column::OfferType.eq(OfferType::OneToOne.as_str()))
            .into_tuple()
            .all(tx)
            .await
            .map_err(unexpected)?
    };
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let started_on = *started.get(&r.id)?;
            Some(Bare {
                support: SupportRef::Match(ReferralId::from_uuid(r.id)),
                citizen: r.citizen_id,
                peers: r
                    .assigned_peer_id
                    .map(PeerId::from_uuid)
                    .into_iter()
                    .collect(),
                offer_id: r
                    .requested_offer_id
                    .filter(|o| one_to_one.contains(o))
                    .map(OfferId::from_uuid),
                offer_type: OfferType::OneToOne,
                span: Support {
                    started_on,
                    ended_on: ended.get(&r.id).copied(),
                },
            })
        })
        .collect())
}

async fn courses(tx: &Tx, tenant: TenantId, scope: &Scope<'_>) -> DomainResult<Vec<Bare>> {
    let t = tenant.as_uuid();
    let mut places = enrolments::Entity::find()
        .filter(enrolments::Column::TenantId.eq(t))
        .filter(enrolments::Column::Status.eq("ENROLLED"));
    match scope {
        Scope::One(SupportRef::Course(id)) => {
            places = places.filter(enrolments::Column::Id.eq(id.as_uuid()));
        }
        Scope::One(SupportRef::Match(_)) => return Ok(Vec::new()),
        Scope::Filter(f) => {
            // Only courses with a session since the day (an older course has nothing open).
            let recent = Query::select()
                .column(course_sessions::Column::OfferId)
                .from(course_sessions::Entity)
                .and_where(course_sessions::Column::TenantId.eq(t))
                .and_where(course_sessions::Column::Date.gte(f.since))
                .to_owned();
            places = places.filter(enrolments::Column::OfferId.in_subquery(recent));
            if let Some(c) = f.citizen {
                places = places.filter(enrolments::Column::CitizenId.eq(c.as_uuid()));
            }
            if let Some(p) = f.peer {
                let facilitated = Query::select()
                    .column(offer_facilitators::Column::OfferId)
                    .from(offer_facilitators::Entity)
                    .and_where(offer_facilitators::Column::TenantId.eq(t))
                    .and_where(offer_facilitators::Column::PeerId.eq(p.as_uuid()))
                    .to_owned();
                places = places.filter(enrolments::Column::OfferId.in_subquery(facilitated));
            }
        }
    }
    let rows = places.all(tx).await.map_err(unexpected)?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let offer_ids: Vec<Uuid> = rows.iter().map(|r| r.offer_id).collect();
    let sessions: Vec<(Uuid, NaiveDate)> = course_sessions::Entity::find()
        .select_only()
        .column(course_sessions::Column::OfferId)
        .column(course_sessions::Column::Date)
        .filter(course_sessions::Column::TenantId.eq(t))
        .filter(course_sessions::Column::OfferId.is_in(offer_ids.clone()))
        .into_tuple()
        .all(tx)
        .await
        .map_err(unexpected)?;
    let mut spans: HashMap<Uuid, (NaiveDate, NaiveDate)> = HashMap::new();
    for (offer, day) in sessions {
        let span = spans.entry(offer).or_insert((day, day));
        span.0 = span.0.min(day);
        span.1 = span.1.max(day);
    }
    let facilitators: Vec<(Uuid, Uuid)> = offer_facilitators::Entity::find()
        .select_only()
        .column(offer_facilitators::Column::OfferId)
        .column(offer_facilitators::Column::PeerId)
        .filter(offer_facilitators::Column::TenantId.eq(t))
        .filter(offer_facilitators::Column::OfferId.is_in(offer_ids))
        .into_tuple()
        .all(tx)
        .await
        .map_err(unexpected)?;
    let mut peers: HashMap<Uuid, Vec<PeerId>> = HashMap::new();
    for (offer, peer) in facilitators {
        peers
            .entry(offer)
            .or_default()
            .push(PeerId::from_uuid(peer));
    }
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let (first, last) = *spans.get(&r.offer_id)?;
            Some(Bare {
                support: SupportRef::Course(EnrolmentId::from_uuid(r.id)),
                citizen: r.citizen_id,
                peers: peers.get(&r.offer_id).cloned().unwrap_or_default(),
                offer_id: Some(OfferId::from_uuid(r.offer_id)),
                offer_type: OfferType::GroupCourse,
                span: Support {
                    started_on: first,
                    ended_on: Some(last),
                },
            })
        })
        .collect())
}

/// The supports of `scope`, with pseudonyms and answered points, ascending by id; erased
/// citizens' are left out.
pub(super) async fn load(
    tx: &Tx,
    tenant: TenantId,
    scope: &Scope<'_>,
) -> DomainResult<Vec<MeasuredSupport>> {
    let mut bare = matches(tx, tenant, scope).await?;
    bare.extend(courses(tx, tenant, scope).await?);
    if bare.is_empty() {
        return Ok(Vec::new());
    }
    let pseudonyms: HashMap<Uuid, String> = citizens::Entity::find()
        .select_only()
        .column(citizens::Column::Id)
        .column(citizens::Column::Pseudonym)
        .filter(citizens::Column::TenantId.eq(tenant.as_uuid()))
        .filter(citizens::Column::Id.is_in(bare.iter().map(|b| b.citizen)))
        .filter(citizens::Column::ErasedAt.is_null())
        .into_tuple::<(Uuid, String)>()
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .collect();
    let answered: Vec<(Uuid, String)> = responses::Entity::find()
        .select_only()
        .column(responses::Column::SupportId)
        .column(responses::Column::Point)
        .filter(responses::Column::TenantId.eq(tenant.as_uuid()))
        .filter(responses::Column::SupportId.is_in(bare.iter().map(|b| b.support.uuid())))
        .into_tuple()
        .all(tx)
        .await
        .map_err(unexpected)?;
    let mut points: HashMap<Uuid, Vec<MeasurementPoint>> = HashMap::new();
    for (support, point) in answered {
        let point = point.parse().map_err(|_| corrupt("point"))?;
        points.entry(support).or_default().push(point);
    }
    let mut out: BTreeMap<Uuid, MeasuredSupport> = BTreeMap::new();
    for b in bare {
        let Some(pseudonym) = pseudonyms.get(&b.citizen) else {
            continue;
        };
        let id = b.support.uuid();
        out.insert(
            id,
            MeasuredSupport {
                support: b.support,
                citizen_id: CitizenId::from_uuid(b.citizen),
                citizen_pseudonym: pseudonym.clone(),
                peers: b.peers,
                offer_id: b.offer_id,
                offer_type: b.offer_type,
                span: b.span,
                answered: points.remove(&id).unwrap_or_default(),
            },
        );
    }
    Ok(out.into_values().collect())
}
