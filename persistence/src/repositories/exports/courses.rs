//! A citizen's places on courses, attendance, answered questionnaires and study consents, for
//! their export.

use std::collections::HashMap;

use peerbro_domain::DomainResult;
use peerbro_domain::ids::TenantId;
use peerbro_domain::privacy::access::{
    ExportedAnswers, ExportedAttendance, ExportedEnrolment, ExportedStudyConsent,
};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};
use uuid::Uuid;

use super::referrals::offer_titles;
use super::{Opener, instrument_titles};
use crate::db::Tx;
use crate::entities::offers::{attendance, course_sessions, enrolments};
use crate::entities::outcomes as responses;
use crate::entities::research::{studies, study_consents};
use crate::errors::unexpected;

pub(super) async fn enrolments(
    tx: &Tx,
    tenant: TenantId,
    citizen: Uuid,
) -> DomainResult<Vec<ExportedEnrolment>> {
    let rows = enrolments::Entity::find()
        .filter(enrolments::Column::TenantId.eq(tenant.as_uuid()))
        .filter(enrolments::Column::CitizenId.eq(citizen))
        .order_by_asc(enrolments::Column::CreatedAt)
        .all(tx)
        .await
        .map_err(unexpected)?;
    let offered: Vec<Uuid> = rows.iter().map(|e| e.offer_id).collect();
    let titles = offer_titles(tx, tenant, offered).await?;
    Ok(rows
        .into_iter()
        .map(|e| ExportedEnrolment {
            offer: titles.get(&e.offer_id).cloned().unwrap_or_default(),
            status: e.status,
            since: e.created_at,
        })
        .collect())
}

pub(super) async fn attendance(
    tx: &Tx,
    tenant: TenantId,
    citizen: Uuid,
) -> DomainResult<Vec<ExportedAttendance>> {
    let t = tenant.as_uuid();
    let marks = attendance::Entity::find()
        .filter(attendance::Column::TenantId.eq(t))
        .filter(attendance::Column::CitizenId.eq(citizen))
        .all(tx)
        .await
        .map_err(unexpected)?;
    let held: Vec<Uuid> = marks.iter().map(|m| m.session_id).collect();
    let sessions: HashMap<Uuid, course_sessions::Model> = course_sessions::Entity::find()
        .filter(course_sessions::Column::TenantId.eq(t))
        .filter(course_sessions::Column::Id.is_in(held))
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let offered: Vec<Uuid> = sessions.values().map(|s| s.offer_id).collect();
    let titles = offer_titles(tx, tenant, offered).await?;
    let mut out: Vec<ExportedAttendance> = marks
        .into_iter()
        .filter_map(|m| sessions.get(&m.session_id).map(|s| (m.present, s)))
        .map(|(present, s)| ExportedAttendance {
            offer: titles.get(&s.offer_id).cloned().unwrap_or_default(),
            session: s.number,
            date: s.date,
            present,
        })
        .collect();
    out.sort_by(|a, b| (a.date, &a.offer, a.session).cmp(&(b.date, &b.offer, b.session)));
    Ok(out)
}

pub(super) async fn questionnaires(
    tx: &Tx,
    tenant: TenantId,
    citizen: Uuid,
    opener: &Opener<'_>,
) -> DomainResult<Vec<ExportedAnswers>> {
    let t = tenant.as_uuid();
    let rows = responses::Entity::find()
        .filter(responses::Column::TenantId.eq(t))
        .filter(responses::Column::CitizenId.eq(citizen))
        .order_by_asc(responses::Column::AnsweredAt)
        .all(tx)
        .await
        .map_err(unexpected)?;
    let used: Vec<Uuid> = rows.iter().map(|r| r.instrument_id).collect();
    let titles = instrument_titles(tx, t, used).await?;
    rows.into_iter()
        .map(|r| {
            let answers =
                opener.answers("questionnaire_responses", r.id, r.answers_sealed.as_deref())?;
            Ok(ExportedAnswers {
                instrument: titles.get(&r.instrument_id).cloned().unwrap_or_default(),
                point: r.point,
                answered_at: r.answered_at,
                answers,
            })
        })
        .collect()
}

pub(super) async fn studies(
    tx: &Tx,
    tenant: TenantId,
    citizen: Uuid,
) -> DomainResult<Vec<ExportedStudyConsent>> {
    let t = tenant.as_uuid();
    let rows = study_consents::Entity::find()
        .filter(study_consents::Column::TenantId.eq(t))
        .filter(study_consents::Column::CitizenId.eq(citizen))
        .order_by_asc(study_consents::Column::At)
        .all(tx)
        .await
        .map_err(unexpected)?;
    let named: Vec<Uuid> = rows.iter().map(|r| r.study_id).collect();
    let titles: HashMap<Uuid, String> = studies::Entity::find()
        .filter(studies::Column::TenantId.eq(t))
        .filter(studies::Column::Id.is_in(named))
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .map(|s| (s.id, s.title))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| ExportedStudyConsent {
            study: titles.get(&r.study_id).cloned().unwrap_or_default(),
            version: r.information_sheet_version,
            given: r.given,
            at: r.at,
        })
        .collect())
}
