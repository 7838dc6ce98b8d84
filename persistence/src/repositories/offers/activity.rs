//! What happens in an offer: attendance at course sessions and recovery-café headcounts.

use std::collections::HashSet;

use chrono::NaiveDate;
use peerbro_domain::ids::{CitizenId, CourseSessionId, OfferId};
use peerbro_domain::offers::{Attendance, CafeVisit, EnrolmentStatus, check_attendance};
use peerbro_domain::{Conflict, DomainResult, RequestContext};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _,
};
use uuid::Uuid;

use super::SeaOfferRepository;
use super::rows::{offer_row, to_i32, to_u32};
use crate::entities::offers::{attendance, cafe_visits, course_sessions, enrolments};
use crate::errors::unexpected;
use crate::repositories::rows::by_id;

fn attendance_from(a: attendance::Model) -> Attendance {
    Attendance {
        session_id: CourseSessionId::from_uuid(a.session_id),
        citizen_id: CitizenId::from_uuid(a.citizen_id),
        present: a.present,
    }
}

/// The attendance marks at the sessions of `offers`: their sessions, then their marks.
async fn attendance_of(
    tx: &crate::db::Tx,
    tenant: peerbro_domain::ids::TenantId,
    offers: Vec<Uuid>,
) -> DomainResult<Vec<Attendance>> {
    let sessions: Vec<Uuid> = course_sessions::Entity::find()
        .filter(course_sessions::Column::TenantId.eq(tenant.as_uuid()))
        .filter(course_sessions::Column::OfferId.is_in(offers))
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .map(|s| s.id)
        .collect();
    if sessions.is_empty() {
        return Ok(Vec::new());
    }
    Ok(attendance::Entity::find()
        .filter(attendance::Column::TenantId.eq(tenant.as_uuid()))
        .filter(attendance::Column::SessionId.is_in(sessions))
        .order_by_asc(attendance::Column::SessionId)
        .order_by_asc(attendance::Column::CitizenId)
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .map(attendance_from)
        .collect())
}

impl SeaOfferRepository {
    /// Enrolments counted by course and status, in one GROUP BY.
    pub(super) async fn enrolment_counts_in(
        &self,
        ctx: &RequestContext,
    ) -> DomainResult<Vec<(OfferId, EnrolmentStatus, u64)>> {
        use sea_orm::QuerySelect as _;
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows: Vec<(Uuid, String, i64)> = enrolments::Entity::find()
            .select_only()
            .column(enrolments::Column::OfferId)
            .column(enrolments::Column::Status)
            .column_as(enrolments::Column::Id.count(), "n")
            .filter(enrolments::Column::TenantId.eq(tenant.as_uuid()))
            .group_by(enrolments::Column::OfferId)
            .group_by(enrolments::Column::Status)
            .into_tuple()
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter()
            .map(|(offer, status, n)| {
                Ok((
                    OfferId::from_uuid(offer),
                    status
                        .parse()
                        .map_err(|_| super::rows::corrupt("enrolment status"))?,
                    u64::try_from(n).unwrap_or(0),
                ))
            })
            .collect()
    }

    /// The enrolments of `offers` and the attendance at their sessions: three statements.
    pub(super) async fn rosters_in(
        &self,
        ctx: &RequestContext,
        offers: &[OfferId],
    ) -> DomainResult<peerbro_domain::offers::Rosters> {
        if offers.is_empty() {
            return Ok(peerbro_domain::offers::Rosters::default());
        }
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let ids: Vec<Uuid> = offers.iter().map(OfferId::as_uuid).collect();
        let enrolled = enrolments::Entity::find()
            .filter(enrolments::Column::TenantId.eq(tenant.as_uuid()))
            .filter(enrolments::Column::OfferId.is_in(ids.iter().copied()))
            .order_by_asc(enrolments::Column::CreatedAt)
            .order_by_asc(enrolments::Column::Id)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let marks = attendance_of(&tx, tenant, ids).await?;
        tx.commit().await?;
        Ok(peerbro_domain::offers::Rosters {
            enrolments: enrolled
                .into_iter()
                .map(super::rows::enrolment_from)
                .collect::<DomainResult<_>>()?,
            attendance: marks,
        })
    }

    pub(super) async fn record_attendance_in(
        &self,
        ctx: &RequestContext,
        session: CourseSessionId,
        marks: &[(CitizenId, bool)],
    ) -> DomainResult<Vec<Attendance>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        // Locked, so that retention folding this session's marks (ADR 0042) either waits for
        // these marks and counts them, or has folded it and they are refused.
        let row = by_id::<course_sessions::Entity>(&tx, tenant, session.as_uuid(), true, "session")
            .await?;
        if row.attendance_folded_at.is_some() {
            return Err(Conflict::AttendanceRetired.into());
        }
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

    pub(super) async fn attendance_in(
        &self,
        ctx: &RequestContext,
        offer: OfferId,
    ) -> DomainResult<Vec<Attendance>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let marks = attendance_of(&tx, tenant, vec![offer.as_uuid()]).await?;
        tx.commit().await?;
        Ok(marks)
    }

    pub(super) async fn record_cafe_visit_in(
        &self,
        ctx: &RequestContext,
        visit: &CafeVisit,
    ) -> DomainResult<()> {
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

    pub(super) async fn cafe_visits_in(
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
}
