//! [`ReportSource`] on sea-orm: a period's counts, read in one transaction of the tenant. Only
//! the columns a count needs are read; nothing personal is decrypted.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Days, Utc};
use peerbro_domain::clock::day_start;
use peerbro_domain::people::{DEFAULT_SUPERVISION_LIMIT_DAYS, PeerKind, PeerStatus};
use peerbro_domain::referral::{OutcomeCode, ReferralState};
use peerbro_domain::reports::{Period, ReportCounts, ReportSource};
use peerbro_domain::tenancy::OrganisationKind;
use peerbro_domain::{DomainError, DomainResult, RequestContext};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};
use uuid::Uuid;

use crate::db::{Database, Tx};
use crate::entities::offers::{attendance, cafe_visits, course_sessions};
use crate::entities::organisations;
use crate::entities::peers::{peer_transitions, peer_workers, placements, supervision_attendees};
use crate::entities::referral::{referral_transitions, referrals};
use crate::errors::unexpected;
use crate::settings;

/// [`ReportSource`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaReportSource {
    db: Database,
}

impl SeaReportSource {
    /// Over `db`.
    #[must_use]
    pub const fn new(db: Database) -> Self {
        Self { db }
    }
}

fn corrupt(what: &'static str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!(
        "a stored {what} does not read for a report"
    ))
}

/// A referral's organisation, state, submission and first contact.
type SubmittedRow = (Uuid, String, DateTime<Utc>, Option<DateTime<Utc>>);

async fn referral_counts(
    tx: &Tx,
    tenant: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    counts: &mut ReportCounts,
) -> DomainResult<()> {
    let kinds: HashMap<Uuid, String> = organisations::Entity::find()
        .select_only()
        .column(organisations::Column::Id)
        .column(organisations::Column::Kind)
        .filter(organisations::Column::TenantId.eq(tenant))
        .into_tuple::<(Uuid, String)>()
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .collect();
    let rows: Vec<SubmittedRow> = referrals::Entity::find()
        .select_only()
        .column(referrals::Column::ReferrerOrganisationId)
        .column(referrals::Column::State)
        .column(referrals::Column::SubmittedAt)
        .column(referrals::Column::FirstContactAt)
        .filter(referrals::Column::TenantId.eq(tenant))
        .filter(referrals::Column::SubmittedAt.gte(from))
        .filter(referrals::Column::SubmittedAt.lt(to))
        .into_tuple()
        .all(tx)
        .await
        .map_err(unexpected)?;
    for (organisation, state, submitted, contact) in rows {
        let kind: OrganisationKind = kinds
            .get(&organisation)
            .ok_or_else(|| corrupt("referrer organisation"))?
            .parse()
            .map_err(|_| corrupt("organisation kind"))?;
        let state: ReferralState = state.parse().map_err(|_| corrupt("referral state"))?;
        counts.referrals.push((kind, state));
        if let Some(contact) = contact {
            counts
                .first_contact_minutes
                .push((contact - submitted).num_minutes().max(0));
        }
    }
    let endings: Vec<(String, Option<String>)> = referral_transitions::Entity::find()
        .select_only()
        .column(referral_transitions::Column::ToState)
        .column(referral_transitions::Column::Outcome)
        .filter(referral_transitions::Column::TenantId.eq(tenant))
        .filter(referral_transitions::Column::ToState.is_in(["COMPLETED", "ENDED_EARLY"]))
        .filter(referral_transitions::Column::At.gte(from))
        .filter(referral_transitions::Column::At.lt(to))
        .into_tuple()
        .all(tx)
        .await
        .map_err(unexpected)?;
    for (state, outcome) in endings {
        let outcome: Option<OutcomeCode> = outcome
            .map(|o| o.parse().map_err(|_| corrupt("outcome")))
            .transpose()?;
        counts
            .endings
            .push((state.parse().map_err(|_| corrupt("state"))?, outcome));
    }
    Ok(())
}

async fn course_counts(
    tx: &Tx,
    tenant: Uuid,
    period: &Period,
    counts: &mut ReportCounts,
) -> DomainResult<()> {
    let held = || {
        Query::select()
            .column(course_sessions::Column::Id)
            .from(course_sessions::Entity)
            .and_where(course_sessions::Column::TenantId.eq(tenant))
            .and_where(course_sessions::Column::Date.gte(period.first_day()))
            .and_where(course_sessions::Column::Date.lt(period.end()))
            .and_where(course_sessions::Column::CancelledAt.is_null())
            .to_owned()
    };
    // Each session held, with the marks retention has folded into it (ADR 0042).
    let tallies: Vec<(i32, i32)> = course_sessions::Entity::find()
        .select_only()
        .column(course_sessions::Column::PresentTally)
        .column(course_sessions::Column::AbsentTally)
        .filter(course_sessions::Column::TenantId.eq(tenant))
        .filter(course_sessions::Column::Id.in_subquery(held()))
        .into_tuple()
        .all(tx)
        .await
        .map_err(unexpected)?;
    counts.sessions_held = tallies.len() as u64;
    let folded = |pick: fn(&(i32, i32)) -> i32| -> u64 {
        tallies
            .iter()
            .map(|t| u64::try_from(pick(t)).unwrap_or(0))
            .sum()
    };
    let marks: Vec<bool> = attendance::Entity::find()
        .select_only()
        .column(attendance::Column::Present)
        .filter(attendance::Column::TenantId.eq(tenant))
        .filter(attendance::Column::SessionId.in_subquery(held()))
        .into_tuple()
        .all(tx)
        .await
        .map_err(unexpected)?;
    let present = marks.iter().filter(|p| **p).count() as u64;
    counts.attendance = (
        present + folded(|t| t.0),
        marks.len() as u64 - present + folded(|t| t.1),
    );
    let visits: Vec<i32> = cafe_visits::Entity::find()
        .select_only()
        .column(cafe_visits::Column::Headcount)
        .filter(cafe_visits::Column::TenantId.eq(tenant))
        .filter(cafe_visits::Column::Date.gte(period.first_day()))
        .filter(cafe_visits::Column::Date.lt(period.end()))
        .into_tuple()
        .all(tx)
        .await
        .map_err(unexpected)?;
    counts.cafe = (
        visits.len() as u64,
        visits.iter().map(|v| u64::try_from(*v).unwrap_or(0)).sum(),
    );
    Ok(())
}

async fn peer_counts(
    tx: &Tx,
    tenant: Uuid,
    period: &Period,
    limit_days: u32,
    counts: &mut ReportCounts,
) -> DomainResult<()> {
    let (from, to) = (day_start(period.first_day()), day_start(period.end()));
    let peers: Vec<(Uuid, String, String, DateTime<Utc>)> = peer_workers::Entity::find()
        .select_only()
        .column(peer_workers::Column::Id)
        .column(peer_workers::Column::Kind)
        .column(peer_workers::Column::Status)
        .column(peer_workers::Column::CreatedAt)
        .filter(peer_workers::Column::TenantId.eq(tenant))
        .filter(peer_workers::Column::CreatedAt.lt(to))
        .into_tuple()
        .all(tx)
        .await
        .map_err(unexpected)?;
    let moves: Vec<(Uuid, String, String, DateTime<Utc>)> = peer_transitions::Entity::find()
        .select_only()
        .column(peer_transitions::Column::PeerId)
        .column(peer_transitions::Column::FromStatus)
        .column(peer_transitions::Column::ToStatus)
        .column(peer_transitions::Column::At)
        .filter(peer_transitions::Column::TenantId.eq(tenant))
        .order_by_asc(peer_transitions::Column::At)
        .into_tuple()
        .all(tx)
        .await
        .map_err(unexpected)?;
    let kind_of: HashMap<Uuid, PeerKind> = peers
        .iter()
        .map(|(id, kind, _, _)| Ok((*id, kind.parse().map_err(|_| corrupt("peer kind"))?)))
        .collect::<DomainResult<_>>()?;
    // Each peer's status at the period's end: the last move before it, else the status the
    // first move after it left, else the status now.
    let mut at_end: HashMap<Uuid, String> = peers
        .iter()
        .map(|(id, _, status, _)| (*id, status.clone()))
        .collect();
    let mut settled: std::collections::HashSet<Uuid> = std::collections::HashSet::new();
    for (peer, from_status, to_status, at) in &moves {
        if *at >= from
            && *at < to
            && let Some(kind) = kind_of.get(peer)
        {
            let status: PeerStatus = to_status.parse().map_err(|_| corrupt("peer status"))?;
            counts.peer_moves.push((*kind, status));
        }
        if *at < to {
            at_end.insert(*peer, to_status.clone());
            settled.insert(*peer);
        } else if settled.insert(*peer) {
            at_end.insert(*peer, from_status.clone());
        }
    }
    let active: Vec<Uuid> = at_end
        .into_iter()
        .filter(|(id, status)| status == PeerStatus::Active.as_str() && kind_of.contains_key(id))
        .map(|(id, _)| id)
        .collect();
    let since = period
        .end()
        .checked_sub_days(Days::new(u64::from(limit_days)))
        .unwrap_or(period.first_day());
    let supervised: std::collections::HashSet<Uuid> = supervision_attendees::Entity::find()
        .select_only()
        .column(supervision_attendees::Column::PeerId)
        .filter(supervision_attendees::Column::TenantId.eq(tenant))
        .filter(supervision_attendees::Column::HeldOn.gte(since))
        .filter(supervision_attendees::Column::HeldOn.lt(period.end()))
        .into_tuple::<Uuid>()
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .collect();
    let within = active.iter().filter(|p| supervised.contains(p)).count() as u64;
    counts.supervision = (within, active.len() as u64 - within);
    let running: Vec<(Uuid, i32)> = placements::Entity::find()
        .select_only()
        .column(placements::Column::PeerId)
        .column(placements::Column::WeeklyHoursTenths)
        .filter(placements::Column::TenantId.eq(tenant))
        .filter(placements::Column::StartOn.lt(period.end()))
        .filter(
            sea_orm::Condition::any()
                .add(placements::Column::EndOn.is_null())
                .add(placements::Column::EndOn.gte(period.first_day())),
        )
        .into_tuple()
        .all(tx)
        .await
        .map_err(unexpected)?;
    let mut placed: Vec<Uuid> = running.iter().map(|(p, _)| *p).collect();
    placed.sort_unstable();
    placed.dedup();
    counts.placements = (
        placed.len() as u64,
        running
            .iter()
            .map(|(_, h)| u64::try_from(*h).unwrap_or(0))
            .sum(),
    );
    Ok(())
}

#[async_trait]
impl ReportSource for SeaReportSource {
    async fn counts(&self, ctx: &RequestContext, period: &Period) -> DomainResult<ReportCounts> {
        let tenant = ctx.tenant_id()?;
        let limit_days = settings::read(&self.db, tenant)
            .await?
            .and_then(|row| u32::try_from(row.supervision_limit_days).ok())
            .unwrap_or(DEFAULT_SUPERVISION_LIMIT_DAYS);
        let tx = self.db.begin_read(tenant).await?;
        let t = tenant.as_uuid();
        let mut counts = ReportCounts::default();
        let (from, to) = (day_start(period.first_day()), day_start(period.end()));
        referral_counts(&tx, t, from, to, &mut counts).await?;
        course_counts(&tx, t, period, &mut counts).await?;
        peer_counts(&tx, t, period, limit_days, &mut counts).await?;
        tx.commit().await?;
        Ok(counts)
    }
}
