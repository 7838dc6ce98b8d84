//! Retention (issue 13, ADR 0042): the tenant's policy in `tenant_settings`; closed referrals'
//! free text removed; attendance, meetings and answers past their retention ([`records`]);
//! citizens with nothing open and no recent activity found (their erasure goes through the
//! citizen repository, which honours legal holds).

mod records;

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use peerbro_domain::ids::{CitizenId, TenantId};
use peerbro_domain::privacy::retention::{
    DEFAULT_ANSWERS_DAYS, DEFAULT_ATTENDANCE_DAYS, DEFAULT_AUDIT_DAYS, DEFAULT_CHAT_DAYS,
    DEFAULT_CLOSED_REFERRAL_DAYS, DEFAULT_INACTIVE_CITIZEN_DAYS, RetentionPolicy, RetentionStore,
};
use peerbro_domain::referral::ReferralState;
use peerbro_domain::{DomainResult, RequestContext};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QuerySelect as _};
use uuid::Uuid;

use crate::db::{Database, Tx};
use crate::entities::legal_holds;
use crate::entities::offers::{course_sessions, enrolments, meetings};
use crate::entities::outcomes as responses;
use crate::entities::privacy::{citizens, consents};
use crate::entities::referral::{referral_transitions, referrals};
use crate::errors::unexpected;

/// [`RetentionStore`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaRetentionStore {
    db: Database,
}

impl SeaRetentionStore {
    /// Over `db`.
    #[must_use]
    pub const fn new(db: Database) -> Self {
        Self { db }
    }
}

fn days(value: Option<i32>, default: u32) -> u32 {
    value.and_then(|d| u32::try_from(d).ok()).unwrap_or(default)
}

fn final_states() -> Vec<&'static str> {
    ReferralState::ALL
        .iter()
        .filter(|s| s.is_final())
        .map(|s| s.as_str())
        .collect()
}

/// Ids of `column` in rows of `E` matching `condition` in the tenant.
async fn ids<E: sea_orm::EntityTrait>(
    tx: &Tx,
    tenant_column: E::Column,
    tenant: Uuid,
    column: E::Column,
    condition: Condition,
) -> DomainResult<HashSet<Uuid>> {
    Ok(E::find()
        .select_only()
        .column(column)
        .filter(tenant_column.eq(tenant))
        .filter(condition)
        .into_tuple::<Uuid>()
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .collect())
}

/// Everyone in the tenant a legal hold keeps (citizens and peer workers).
async fn held(tx: &Tx, t: Uuid) -> DomainResult<HashSet<Uuid>> {
    ids::<legal_holds::Entity>(
        tx,
        legal_holds::Column::TenantId,
        t,
        legal_holds::Column::SubjectId,
        Condition::all(),
    )
    .await
}

/// Citizens with something open or some activity since `cutoff`.
async fn active_since(tx: &Tx, t: Uuid, cutoff: DateTime<Utc>) -> DomainResult<HashSet<Uuid>> {
    use sea_orm::ColumnTrait as C;
    let mut active = ids::<referrals::Entity>(
        tx,
        referrals::Column::TenantId,
        t,
        referrals::Column::CitizenId,
        Condition::any()
            .add(C::is_not_in(&referrals::Column::State, final_states()))
            .add(referrals::Column::UpdatedAt.gte(cutoff)),
    )
    .await?;
    active.extend(
        ids::<consents::Entity>(
            tx,
            consents::Column::TenantId,
            t,
            consents::Column::CitizenId,
            Condition::all().add(consents::Column::At.gte(cutoff)),
        )
        .await?,
    );
    active.extend(
        ids::<responses::Entity>(
            tx,
            responses::Column::TenantId,
            t,
            responses::Column::CitizenId,
            Condition::all().add(responses::Column::AnsweredAt.gte(cutoff)),
        )
        .await?,
    );
    // Meetings logged since, through their referral.
    let met = ids::<meetings::Entity>(
        tx,
        meetings::Column::TenantId,
        t,
        meetings::Column::ReferralId,
        Condition::all().add(meetings::Column::LoggedAt.gte(cutoff)),
    )
    .await?;
    if !met.is_empty() {
        active.extend(
            ids::<referrals::Entity>(
                tx,
                referrals::Column::TenantId,
                t,
                referrals::Column::CitizenId,
                Condition::all().add(referrals::Column::Id.is_in(met)),
            )
            .await?,
        );
    }
    // A place on a course is open while the course still meets after the cut-off; any change
    // to an enrolment since is activity. Only the enrolments that can count are read (not
    // withdrawn, or changed since), and of each course only its last day.
    let places: Vec<(Uuid, Uuid, String, DateTime<Utc>)> = enrolments::Entity::find()
        .select_only()
        .column(enrolments::Column::CitizenId)
        .column(enrolments::Column::OfferId)
        .column(enrolments::Column::Status)
        .column(enrolments::Column::UpdatedAt)
        .filter(enrolments::Column::TenantId.eq(t))
        .filter(
            Condition::any()
                .add(enrolments::Column::Status.ne("WITHDRAWN"))
                .add(enrolments::Column::UpdatedAt.gte(cutoff)),
        )
        .into_tuple()
        .all(tx)
        .await
        .map_err(unexpected)?;
    let last_session: HashMap<Uuid, NaiveDate> = course_sessions::Entity::find()
        .select_only()
        .column(course_sessions::Column::OfferId)
        .column_as(course_sessions::Column::Date.max(), "last_day")
        .filter(course_sessions::Column::TenantId.eq(t))
        .group_by(course_sessions::Column::OfferId)
        .into_tuple::<(Uuid, NaiveDate)>()
        .all(tx)
        .await
        .map_err(unexpected)?
        .into_iter()
        .collect();
    let cutoff_day = cutoff.date_naive();
    for (citizen, offer, status, updated_at) in places {
        let holds_place = status != "WITHDRAWN"
            && last_session
                .get(&offer)
                .is_none_or(|day| *day >= cutoff_day);
        if holds_place || updated_at >= cutoff {
            active.insert(citizen);
        }
    }
    Ok(active)
}

#[async_trait]
impl RetentionStore for SeaRetentionStore {
    async fn policy(&self, ctx: &RequestContext) -> DomainResult<RetentionPolicy> {
        let row = crate::settings::read(&self.db, ctx.tenant_id()?).await?;
        Ok(RetentionPolicy {
            closed_referral_days: days(
                row.as_ref().and_then(|r| r.closed_referral_days),
                DEFAULT_CLOSED_REFERRAL_DAYS,
            ),
            inactive_citizen_days: days(
                row.as_ref().and_then(|r| r.inactive_citizen_days),
                DEFAULT_INACTIVE_CITIZEN_DAYS,
            ),
            attendance_days: days(
                row.as_ref().and_then(|r| r.attendance_days),
                DEFAULT_ATTENDANCE_DAYS,
            ),
            answers_days: days(
                row.as_ref().and_then(|r| r.answers_days),
                DEFAULT_ANSWERS_DAYS,
            ),
            audit_days: days(row.as_ref().and_then(|r| r.audit_days), DEFAULT_AUDIT_DAYS),
            chat_days: days(row.as_ref().and_then(|r| r.chat_days), DEFAULT_CHAT_DAYS),
        })
    }

    async fn set_policy(&self, ctx: &RequestContext, policy: RetentionPolicy) -> DomainResult<()> {
        crate::settings::write_retention(&self.db, ctx.tenant_id()?, &policy).await
    }

    async fn attendance_and_meetings(
        &self,
        ctx: &RequestContext,
        now: DateTime<Utc>,
        cutoff: DateTime<Utc>,
        apply: bool,
    ) -> DomainResult<(u64, u64)> {
        let tenant = ctx.tenant_id()?;
        let t = tenant.as_uuid();
        let tx = self.db.begin_write(tenant).await?;
        let held = held(&tx, t).await?;
        let marks = records::attendance(&tx, t, &held, (now, cutoff), apply).await?;
        let met = records::meetings(&tx, t, &held, cutoff, apply).await?;
        tx.commit().await?;
        Ok((marks, met))
    }

    async fn audit(
        &self,
        ctx: &RequestContext,
        now: DateTime<Utc>,
        cutoff: DateTime<Utc>,
        apply: bool,
    ) -> DomainResult<u64> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin_write(tenant).await?;
        let held = held(&tx, tenant.as_uuid()).await?;
        let removed =
            crate::audit::checkpoint::prune(&tx, tenant, (now, cutoff), &held, apply).await?;
        tx.commit().await?;
        Ok(removed)
    }

    async fn answers(
        &self,
        ctx: &RequestContext,
        cutoff: DateTime<Utc>,
        apply: bool,
    ) -> DomainResult<u64> {
        let tenant = ctx.tenant_id()?;
        let t = tenant.as_uuid();
        let tx = self.db.begin_write(tenant).await?;
        let held = held(&tx, t).await?;
        let shredded = records::answers(&tx, t, &held, cutoff, apply).await?;
        tx.commit().await?;
        Ok(shredded)
    }

    async fn chat(
        &self,
        ctx: &RequestContext,
        cutoff: DateTime<Utc>,
        apply: bool,
    ) -> DomainResult<u64> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin_write(tenant).await?;
        let deleted = crate::repositories::chat::retention::ended_before(
            &tx,
            tenant.as_uuid(),
            cutoff,
            apply,
        )
        .await?;
        tx.commit().await?;
        Ok(deleted)
    }

    async fn closed_referral_text(
        &self,
        ctx: &RequestContext,
        cutoff: DateTime<Utc>,
        apply: bool,
    ) -> DomainResult<u64> {
        let tenant: TenantId = ctx.tenant_id()?;
        let t = tenant.as_uuid();
        let tx = self.db.begin_write(tenant).await?;
        // A legal hold keeps everything of the person held.
        let held = held(&tx, t).await?;
        let due: Vec<Uuid> = referrals::Entity::find()
            .select_only()
            .column(referrals::Column::Id)
            .filter(referrals::Column::TenantId.eq(t))
            .filter(referrals::Column::State.is_in(final_states()))
            .filter(referrals::Column::UpdatedAt.lt(cutoff))
            .filter(
                Condition::any()
                    .add(referrals::Column::ReasonSealed.is_not_null())
                    .add(referrals::Column::FeedbackSealed.is_not_null())
                    .add(referrals::Column::CaseReference.is_not_null())
                    .add(referrals::Column::IdempotencyKey.is_not_null())
                    .add(referrals::Column::Fingerprint.is_not_null()),
            )
            .filter(referrals::Column::CitizenId.is_not_in(held))
            .into_tuple()
            .all(&tx)
            .await
            .map_err(unexpected)?;
        if apply && !due.is_empty() {
            for chunk in due.chunks(500) {
                referrals::Entity::update_many()
                    .col_expr(
                        referrals::Column::ReasonSealed,
                        Expr::value(Option::<Vec<u8>>::None),
                    )
                    .col_expr(
                        referrals::Column::FeedbackSealed,
                        Expr::value(Option::<Vec<u8>>::None),
                    )
                    .col_expr(
                        referrals::Column::CaseReference,
                        Expr::value(Option::<String>::None),
                    )
                    .col_expr(
                        referrals::Column::IdempotencyKey,
                        Expr::value(Option::<String>::None),
                    )
                    .col_expr(
                        referrals::Column::Fingerprint,
                        Expr::value(Option::<String>::None),
                    )
                    .filter(referrals::Column::TenantId.eq(t))
                    .filter(referrals::Column::Id.is_in(chunk.iter().copied()))
                    .exec(&tx)
                    .await
                    .map_err(unexpected)?;
                referral_transitions::Entity::update_many()
                    .col_expr(
                        referral_transitions::Column::FeedbackSealed,
                        Expr::value(Option::<Vec<u8>>::None),
                    )
                    .filter(referral_transitions::Column::TenantId.eq(t))
                    .filter(referral_transitions::Column::ReferralId.is_in(chunk.iter().copied()))
                    .exec(&tx)
                    .await
                    .map_err(unexpected)?;
            }
        }
        tx.commit().await?;
        Ok(u64::try_from(due.len()).unwrap_or(u64::MAX))
    }

    async fn inactive_citizens(
        &self,
        ctx: &RequestContext,
        cutoff: DateTime<Utc>,
    ) -> DomainResult<Vec<(CitizenId, bool)>> {
        let tenant = ctx.tenant_id()?;
        let t = tenant.as_uuid();
        let tx = self.db.begin_read(tenant).await?;
        let mut candidates: Vec<Uuid> = citizens::Entity::find()
            .select_only()
            .column(citizens::Column::Id)
            .filter(citizens::Column::TenantId.eq(t))
            .filter(citizens::Column::ErasedAt.is_null())
            .filter(citizens::Column::CreatedAt.lt(cutoff))
            .into_tuple()
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let active = active_since(&tx, t, cutoff).await?;
        candidates.retain(|c| !active.contains(c));
        let held = held(&tx, t).await?;
        tx.commit().await?;
        candidates.sort_unstable();
        Ok(candidates
            .into_iter()
            .map(|c| (CitizenId::from_uuid(c), held.contains(&c)))
            .collect())
    }
}
