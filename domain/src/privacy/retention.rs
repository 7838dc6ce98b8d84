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

/// Closed referrals keep their free text this long unless the tenant says otherwise.
pub const DEFAULT_CLOSED_REFERRAL_DAYS: u32 = 730;
/// Inactive citizens are kept this long unless the tenant says otherwise.
pub const DEFAULT_INACTIVE_CITIZEN_DAYS: u32 = 1825;
/// The shortest and longest retention a tenant may set for closed referrals' free text.
pub const CLOSED_REFERRAL_DAYS: std::ops::RangeInclusive<u32> = 90..=3650;
/// The shortest and longest retention a tenant may set for inactive citizens.
pub const INACTIVE_CITIZEN_DAYS: std::ops::RangeInclusive<u32> = 365..=3650;

/// A tenant's retention.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionPolicy {
    /// Days a closed referral keeps its free text.
    pub closed_referral_days: u32,
    /// Days without activity after which a citizen with nothing open is erased.
    pub inactive_citizen_days: u32,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            closed_referral_days: DEFAULT_CLOSED_REFERRAL_DAYS,
            inactive_citizen_days: DEFAULT_INACTIVE_CITIZEN_DAYS,
        }
    }
}

impl RetentionPolicy {
    /// Checks both limits.
    ///
    /// # Errors
    /// `Validation` naming the field out of range.
    pub fn check(self) -> DomainResult<Self> {
        if !CLOSED_REFERRAL_DAYS.contains(&self.closed_referral_days) {
            return Err(DomainError::validation(
                "closedReferralDays",
                "must be 90-3650 days",
            ));
        }
        if !INACTIVE_CITIZEN_DAYS.contains(&self.inactive_citizen_days) {
            return Err(DomainError::validation(
                "inactiveCitizenDays",
                "must be 365-3650 days",
            ));
        }
        Ok(self)
    }
}

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
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(closed: u32, inactive: u32) -> DomainResult<RetentionPolicy> {
        RetentionPolicy {
            closed_referral_days: closed,
            inactive_citizen_days: inactive,
        }
        .check()
    }

    fn field(result: DomainResult<RetentionPolicy>) -> Option<String> {
        match result {
            Err(DomainError::Validation { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn each_limit_holds_at_the_limit_and_refuses_one_past() {
        assert!(policy(90, 365).is_ok());
        assert!(policy(3650, 3650).is_ok());
        assert_eq!(
            field(policy(89, 365)),
            Some("closedReferralDays".to_owned())
        );
        assert_eq!(
            field(policy(3651, 365)),
            Some("closedReferralDays".to_owned())
        );
        assert_eq!(
            field(policy(90, 364)),
            Some("inactiveCitizenDays".to_owned())
        );
        assert_eq!(
            field(policy(90, 3651)),
            Some("inactiveCitizenDays".to_owned())
        );
        assert!(RetentionPolicy::default().check().is_ok());
    }
}
