//! Deletion on schedule (issue 13): per tenant and category, what has been kept longer than
//! the partnership's retention is deleted — free text crypto-shredded or removed, people whose
//! support ended long ago erased — while the rows that reports count survive without them.
//!
//! Categories:
//! - `CLOSED_REFERRAL_TEXT`: a referral closed (final state) longer ago than
//!   `closedReferralDays` loses its reason, feedback lines, case reference and idempotency
//!   fingerprint; its state, dates, organisation and offer stay for the reports.
//! - `INACTIVE_CITIZENS`: a citizen with nothing open (no open referral, no place on a course)
//!   and no activity (registration, consent, referral move, enrolment change, answer) for
//!   `inactiveCitizenDays` is erased: their key is destroyed (ADR 0007), a login closed. A
//!   legal hold keeps them; the run reports them as held.
//! - `ATTENDANCE_AND_MEETINGS`: attendance marks at course sessions held more than
//!   `attendanceDays` ago are removed, each session keeping how many were present and absent
//!   (the reports count those); one-to-one meetings dated as long ago, of referrals that have
//!   ended, are removed (no report counts meetings). A legal hold keeps the held citizen's.
//! - `QUESTIONNAIRE_ANSWERS`: answers (citizens' and peer workers') given more than
//!   `answersDays` ago are crypto-shredded: the sealed answers are removed, the row (who
//!   answered which questionnaire at which point, when) stays, so counts of answered
//!   questionnaires survive; CHIME change for periods older than the retention then counts
//!   fewer people, as after an erasure. A legal hold keeps the held person's.
//! - `AUDIT_LOG`: entries older than `auditDays` (at least 183, about six months, as Danish
//!   data-processor agreements require) are removed from the start of the chain, which then
//!   starts at a checkpoint (ADR 0045); removal stops at the first entry about a held person.
//! - `CHAT`: anonymous chat conversations that ended more than `chatDays` ago (30 unless the
//!   partnership says otherwise) are deleted with their ciphertext and keys (ADR 0046); the
//!   contacts the statistics count have no link to them and stay.
//!
//! A run is per tenant, as the system; `dry_run` counts what a real run would do at the same
//! moment, and a real run reports what it did — the two agree.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::clock::Clock;
use crate::context::RequestContext;
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{CitizenId, TenantId};
use crate::people::ports::CitizenRepository;
use crate::privacy::Purpose;
use crate::tenancy::TenantRepository;

pub use super::retention_policy::*;

/// What a run did (or, dry, would do) in one tenant.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantRetention {
    /// The tenant's slug.
    pub tenant: String,
    /// Closed referrals whose free text was (would be) removed.
    pub closed_referrals: u64,
    /// Citizens erased (to be erased).
    pub citizens_erased: u64,
    /// Citizens due but kept by a legal hold.
    pub citizens_held: u64,
    /// Attendance marks removed (to be removed), their session keeping the counts.
    pub attendance_marks: u64,
    /// Meetings removed (to be removed).
    pub meetings: u64,
    /// Answered questionnaires whose answers were (would be) shredded.
    pub answers: u64,
    /// Audit entries removed (to be removed) from the start of the chain.
    pub audit_entries: u64,
    /// Ended chat conversations deleted (to be deleted) with their ciphertext.
    pub chat_conversations: u64,
}

/// The adapter a run needs.
#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// The tenant's policy (defaults where unset).
    ///
    /// # Errors
    /// `Unavailable` when the database is gone.
    async fn policy(&self, ctx: &RequestContext) -> DomainResult<RetentionPolicy>;

    /// Stores the tenant's policy.
    ///
    /// # Errors
    /// `Unavailable` when the database is gone.
    async fn set_policy(&self, ctx: &RequestContext, policy: RetentionPolicy) -> DomainResult<()>;

    /// Closed referrals that ended before `cutoff` and still hold free text; with `apply`
    /// their free text is removed in one transaction. Returns how many.
    ///
    /// # Errors
    /// `Unavailable` when the database is gone.
    async fn closed_referral_text(
        &self,
        ctx: &RequestContext,
        cutoff: DateTime<Utc>,
        apply: bool,
    ) -> DomainResult<u64>;

    /// Attendance marks at sessions held before `cutoff`'s day, and meetings dated before it of
    /// referrals in a final state, except a held citizen's; with `apply` the marks are folded
    /// into their sessions' counts (the session marked as folded at `now`) and removed, and the
    /// meetings removed, in one transaction.
    /// Returns (marks, meetings).
    ///
    /// # Errors
    /// `Unavailable` when the database is gone.
    async fn attendance_and_meetings(
        &self,
        ctx: &RequestContext,
        now: DateTime<Utc>,
        cutoff: DateTime<Utc>,
        apply: bool,
    ) -> DomainResult<(u64, u64)>;

    /// Answered questionnaires (citizens' and peer workers') answered before `cutoff` that still
    /// hold answers, except a held person's; with `apply` the answers are removed in one
    /// transaction. Returns how many.
    ///
    /// # Errors
    /// `Unavailable` when the database is gone.
    async fn answers(
        &self,
        ctx: &RequestContext,
        cutoff: DateTime<Utc>,
        apply: bool,
    ) -> DomainResult<u64>;

    /// The audit entries before `cutoff`, from the start of the chain up to the first entry
    /// about a held person; with `apply` they are removed and the chain's checkpoint moved
    /// (at `now`), in one transaction. Returns how many.
    ///
    /// # Errors
    /// `Unavailable` when the database is gone.
    async fn audit(
        &self,
        ctx: &RequestContext,
        now: DateTime<Utc>,
        cutoff: DateTime<Utc>,
        apply: bool,
    ) -> DomainResult<u64>;

    /// Chat conversations that ended before `cutoff`; with `apply` they are deleted with
    /// their messages, in one transaction. Returns how many.
    ///
    /// # Errors
    /// `Unavailable` when the database is gone.
    async fn chat(
        &self,
        ctx: &RequestContext,
        cutoff: DateTime<Utc>,
        apply: bool,
    ) -> DomainResult<u64>;

    /// Citizens not erased, with nothing open, whose last activity is before `cutoff`, each
    /// with whether a legal hold keeps them.
    ///
    /// # Errors
    /// `Unavailable` when the database is gone.
    async fn inactive_citizens(
        &self,
        ctx: &RequestContext,
        cutoff: DateTime<Utc>,
    ) -> DomainResult<Vec<(CitizenId, bool)>>;
}

/// Progress of a run: (tenant slug, citizens handled so far, citizens due).
pub type Progress<'a> = &'a (dyn Fn(&str, u64, u64) + Send + Sync);

/// Runs retention.
#[derive(Clone)]
pub struct RetentionService {
    store: Arc<dyn RetentionStore>,
    citizens: Arc<dyn CitizenRepository>,
    tenants: Arc<dyn TenantRepository>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for RetentionService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetentionService").finish_non_exhaustive()
    }
}

fn days_before(now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    now - Duration::days(i64::from(days))
}

impl RetentionService {
    /// Wires the service.
    #[must_use]
    pub fn new(
        store: Arc<dyn RetentionStore>,
        citizens: Arc<dyn CitizenRepository>,
        tenants: Arc<dyn TenantRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            citizens,
            tenants,
            clock,
        }
    }

    /// The caller's tenant's policy (tenant admins).
    ///
    /// # Errors
    /// `Forbidden` for other roles.
    pub async fn policy(&self, ctx: &RequestContext) -> DomainResult<RetentionPolicy> {
        crate::authz::authorize(ctx, crate::authz::TenancyAction::ConfigureTenant)?;
        self.store.policy(ctx).await
    }

    /// Sets the caller's tenant's policy (tenant admins).
    ///
    /// # Errors
    /// `Forbidden` for other roles; `Validation` for a retention out of range.
    pub async fn set_policy(
        &self,
        ctx: &RequestContext,
        policy: RetentionPolicy,
    ) -> DomainResult<RetentionPolicy> {
        crate::authz::authorize(ctx, crate::authz::TenancyAction::ConfigureTenant)?;
        let policy = policy.check()?;
        self.store.set_policy(ctx, policy).await?;
        Ok(policy)
    }

    /// Runs retention in every tenant as the platform (the CLI and the scheduled worker);
    /// with `dry_run` nothing changes and the report says what would.
    ///
    /// # Errors
    /// `Unavailable` when the database is gone; what was done before stays done.
    pub async fn run_all(
        &self,
        dry_run: bool,
        progress: Progress<'_>,
    ) -> DomainResult<Vec<TenantRetention>> {
        let now = self.clock.now();
        let mut report = Vec::new();
        for tenant in self.tenants.all().await? {
            report.push(
                self.run_tenant(tenant.id, tenant.slug.as_str(), now, dry_run, progress)
                    .await?,
            );
        }
        Ok(report)
    }

    async fn run_tenant(
        &self,
        tenant: TenantId,
        slug: &str,
        now: DateTime<Utc>,
        dry_run: bool,
        progress: Progress<'_>,
    ) -> DomainResult<TenantRetention> {
        let ctx = RequestContext::system(tenant);
        let policy = self.store.policy(&ctx).await?;
        let closed_referrals = self
            .store
            .closed_referral_text(
                &ctx,
                days_before(now, policy.closed_referral_days),
                !dry_run,
            )
            .await?;
        let (attendance_marks, meetings) = self
            .store
            .attendance_and_meetings(
                &ctx,
                now,
                days_before(now, policy.attendance_days),
                !dry_run,
            )
            .await?;
        let answers = self
            .store
            .answers(&ctx, days_before(now, policy.answers_days), !dry_run)
            .await?;
        let audit_entries = self
            .store
            .audit(&ctx, now, days_before(now, policy.audit_days), !dry_run)
            .await?;
        let chat_conversations = self
            .store
            .chat(&ctx, days_before(now, policy.chat_days), !dry_run)
            .await?;
        let due = self
            .store
            .inactive_citizens(&ctx, days_before(now, policy.inactive_citizen_days))
            .await?;
        let total = u64::try_from(due.len()).unwrap_or(u64::MAX);
        let (mut erased, mut held) = (0, 0);
        for (done, (citizen, on_hold)) in (1..).zip(due) {
            if dry_run {
                if on_hold {
                    held += 1;
                } else {
                    erased += 1;
                }
            } else {
                match self
                    .citizens
                    .erase(&ctx, citizen, Purpose::Administration)
                    .await
                {
                    Ok(_) => erased += 1,
                    Err(DomainError::Conflict(Conflict::LegalHold { .. })) => held += 1,
                    // Erased meanwhile by someone else: nothing left to do.
                    Err(DomainError::Conflict(Conflict::AlreadyErased)) => {}
                    Err(other) => return Err(other),
                }
            }
            progress(slug, done, total);
        }
        Ok(TenantRetention {
            tenant: slug.to_owned(),
            closed_referrals,
            citizens_erased: erased,
            citizens_held: held,
            attendance_marks,
            meetings,
            answers,
            audit_entries,
            chat_conversations,
        })
    }
}
