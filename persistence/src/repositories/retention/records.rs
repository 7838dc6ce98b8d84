//! Retention of what happened (ADR 0042): attendance marks folded into their session's counts
//! and removed, meetings of ended referrals removed, questionnaire answers shredded — each past
//! the tenant's retention, none of a held person's.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use peerbro_domain::DomainResult;
use sea_orm::sea_query::{Expr, ExprTrait as _, Func, Query};
use sea_orm::{ColumnTrait as _, EntityTrait, QueryFilter as _, QuerySelect as _};
use uuid::Uuid;

use super::final_states;
use crate::db::Tx;
use crate::entities::offers::{attendance, course_sessions, meetings};
use crate::entities::outcomes as responses;
use crate::entities::peer_responses;
use crate::entities::referral::referrals;
use crate::errors::unexpected;
use crate::repositories::rows::for_update;

/// Rows at a time in an `IN (…)` list.
const CHUNK: usize = 500;

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Marks not of a held citizen at sessions held before `cutoff`'s day; with `apply`, each
/// session (locked first, so a mark recorded meanwhile waits and is then refused) adds them to
/// its counts and the marks are removed. Returns how many marks.
pub(super) async fn attendance(
    tx: &Tx,
    t: Uuid,
    held: &HashSet<Uuid>,
    (now, cutoff): (DateTime<Utc>, DateTime<Utc>),
    apply: bool,
) -> DomainResult<u64> {
    let with_marks = Query::select()
        .column(attendance::Column::SessionId)
        .from(attendance::Entity)
        .and_where(attendance::Column::TenantId.eq(t))
        .to_owned();
    let sessions = course_sessions::Entity::find()
        .select_only()
        .column(course_sessions::Column::Id)
        .filter(course_sessions::Column::TenantId.eq(t))
        .filter(course_sessions::Column::Date.lt(cutoff.date_naive()))
        .filter(course_sessions::Column::Id.in_subquery(with_marks));
    let sessions: Vec<Uuid> = if apply {
        for_update(tx, sessions)
    } else {
        sessions
    }
    .into_tuple()
    .all(tx)
    .await
    .map_err(unexpected)?;
    // Per session: (present, absent, whose marks).
    let mut due: BTreeMap<Uuid, (i32, i32, Vec<Uuid>)> = BTreeMap::new();
    for chunk in sessions.chunks(CHUNK) {
        let marks: Vec<(Uuid, Uuid, bool)> = attendance::Entity::find()
            .select_only()
            .column(attendance::Column::SessionId)
            .column(attendance::Column::CitizenId)
            .column(attendance::Column::Present)
            .filter(attendance::Column::TenantId.eq(t))
            .filter(attendance::Column::SessionId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(tx)
            .await
            .map_err(unexpected)?;
        for (session, citizen, present) in marks {
            if held.contains(&citizen) {
                continue;
            }
            let entry = due.entry(session).or_default();
            if present {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
            entry.2.push(citizen);
        }
    }
    let marks = due.values().map(|(_, _, whose)| whose.len()).sum();
    if apply {
        for (session, (present, absent, whose)) in due {
            course_sessions::Entity::update_many()
                .col_expr(
                    course_sessions::Column::PresentTally,
                    Expr::col(course_sessions::Column::PresentTally).add(present),
                )
                .col_expr(
                    course_sessions::Column::AbsentTally,
                    Expr::col(course_sessions::Column::AbsentTally).add(absent),
                )
                .col_expr(
                    course_sessions::Column::AttendanceFoldedAt,
                    Func::coalesce([
                        Expr::col(course_sessions::Column::AttendanceFoldedAt),
                        Expr::value(now),
                    ])
                    .into(),
                )
                .filter(course_sessions::Column::TenantId.eq(t))
                .filter(course_sessions::Column::Id.eq(session))
                .exec(tx)
                .await
                .map_err(unexpected)?;
            for chunk in whose.chunks(CHUNK) {
                attendance::Entity::delete_many()
                    .filter(attendance::Column::TenantId.eq(t))
                    .filter(attendance::Column::SessionId.eq(session))
                    .filter(attendance::Column::CitizenId.is_in(chunk.iter().copied()))
                    .exec(tx)
                    .await
                    .map_err(unexpected)?;
            }
        }
    }
    Ok(count(marks))
}

/// Meetings dated before `cutoff`'s day of referrals in a final state, not of a held citizen;
/// with `apply` they are removed. Returns how many.
pub(super) async fn meetings(
    tx: &Tx,
    t: Uuid,
    held: &HashSet<Uuid>,
    cutoff: DateTime<Utc>,
    apply: bool,
) -> DomainResult<u64> {
    let ended = Query::select()
        .column(referrals::Column::Id)
        .from(referrals::Entity)
        .and_where(referrals::Column::TenantId.eq(t))
        .and_where(referrals::Column::State.is_in(final_states()))
        .and_where(referrals::Column::CitizenId.is_not_in(held.iter().copied()))
        .to_owned();
    let due: Vec<Uuid> = meetings::Entity::find()
        .select_only()
        .column(meetings::Column::Id)
        .filter(meetings::Column::TenantId.eq(t))
        .filter(meetings::Column::Date.lt(cutoff.date_naive()))
        .filter(meetings::Column::ReferralId.in_subquery(ended))
        .into_tuple()
        .all(tx)
        .await
        .map_err(unexpected)?;
    if apply {
        for chunk in due.chunks(CHUNK) {
            meetings::Entity::delete_many()
                .filter(meetings::Column::TenantId.eq(t))
                .filter(meetings::Column::Id.is_in(chunk.iter().copied()))
                .exec(tx)
                .await
                .map_err(unexpected)?;
        }
    }
    Ok(count(due.len()))
}

/// The columns of a table of sealed answers: tenant, id, whose, when, the sealed answers.
struct AnswerColumns<E: EntityTrait> {
    tenant: E::Column,
    id: E::Column,
    whose: E::Column,
    at: E::Column,
    sealed: E::Column,
}

/// In one table of answers: those given before `cutoff`, still held, not of a held person;
/// with `apply` their answers are removed. Returns how many.
async fn shred<E: EntityTrait>(
    tx: &Tx,
    (t, held): (Uuid, &HashSet<Uuid>),
    c: AnswerColumns<E>,
    cutoff: DateTime<Utc>,
    apply: bool,
) -> DomainResult<usize> {
    let due: Vec<Uuid> = E::find()
        .select_only()
        .column(c.id)
        .filter(c.tenant.eq(t))
        .filter(c.at.lt(cutoff))
        .filter(c.sealed.is_not_null())
        .filter(c.whose.is_not_in(held.iter().copied()))
        .into_tuple()
        .all(tx)
        .await
        .map_err(unexpected)?;
    if apply {
        for chunk in due.chunks(CHUNK) {
            E::update_many()
                .col_expr(c.sealed, Expr::value(Option::<Vec<u8>>::None))
                .filter(c.tenant.eq(t))
                .filter(c.id.is_in(chunk.iter().copied()))
                .exec(tx)
                .await
                .map_err(unexpected)?;
        }
    }
    Ok(due.len())
}

/// Answers given before `cutoff` that are still held, citizens' and peer workers', not of a
/// held person; with `apply` they are removed (the rows stay). Returns how many.
pub(super) async fn answers(
    tx: &Tx,
    t: Uuid,
    held: &HashSet<Uuid>,
    cutoff: DateTime<Utc>,
    apply: bool,
) -> DomainResult<u64> {
    use peer_responses::Column as P;
    use responses::Column as R;
    let citizens = AnswerColumns::<responses::Entity> {
        tenant: R::TenantId,
        id: R::Id,
        whose: R::CitizenId,
        at: R::AnsweredAt,
        sealed: R::AnswersSealed,
    };
    let peers = AnswerColumns::<peer_responses::Entity> {
        tenant: P::TenantId,
        id: P::Id,
        whose: P::PeerId,
        at: P::AnsweredAt,
        sealed: P::AnswersSealed,
    };
    let shredded = shred(tx, (t, held), citizens, cutoff, apply).await?
        + shred(tx, (t, held), peers, cutoff, apply).await?;
    Ok(count(shredded))
}
