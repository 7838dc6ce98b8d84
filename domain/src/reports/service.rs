//! The report use case: a tenant's fixed report for a period, for coordinators and tenant
//! admins (and the system, for the CLI).

use std::sync::Arc;

use async_trait::async_trait;

use crate::authz::{COORDINATING, require_any};
use crate::clock::{Clock, day_start};
use crate::context::RequestContext;
use crate::error::{DomainError, DomainResult};
use crate::outcomes::{ChangeQuery, MeasurementPoint, OutcomeService};
use crate::reports::period::Period;
use crate::reports::report::Report;
use crate::reports::tally::ReportCounts;

/// Counts a tenant's work over a period.
#[async_trait]
pub trait ReportSource: Send + Sync {
    /// The period's counts, read in one transaction of the context's tenant.
    ///
    /// # Errors
    /// `Unknown` (or `Unavailable`) on storage failure.
    async fn counts(&self, ctx: &RequestContext, period: &Period) -> DomainResult<ReportCounts>;
}

/// A step of a report run, for progress output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportStep {
    /// Counting referrals, courses, peers and placements.
    Counting,
    /// Computing the change in outcomes.
    Outcomes,
    /// Applying disclosure control.
    Suppressing,
}

/// The report use case.
#[derive(Clone)]
pub struct ReportService {
    source: Arc<dyn ReportSource>,
    outcomes: OutcomeService,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for ReportService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReportService").finish_non_exhaustive()
    }
}

impl ReportService {
    /// Over its ports.
    #[must_use]
    pub fn new(
        source: Arc<dyn ReportSource>,
        outcomes: OutcomeService,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            source,
            outcomes,
            clock,
        }
    }

    /// The clock's today (periods are checked against it).
    #[must_use]
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today()
    }

    /// The tenant's report for `period`, every table suppressed at the tenant's threshold
    /// (coordinators and tenant admins). `progress` hears each step.
    ///
    /// # Errors
    /// `Forbidden`; `Unavailable` when the database is.
    pub async fn report(
        &self,
        ctx: &RequestContext,
        period: Period,
        progress: &(dyn Fn(ReportStep) + Send + Sync),
    ) -> DomainResult<Report> {
        require_any(
            ctx,
            &COORDINATING,
            DomainError::Forbidden("only coordinators and tenant admins read reports"),
        )?;
        progress(ReportStep::Counting);
        let counts = self.source.counts(ctx, &period).await?;
        progress(ReportStep::Outcomes);
        let settings = self.outcomes.settings(ctx).await?;
        let change = self
            .outcomes
            .change(
                ctx,
                &ChangeQuery {
                    instrument_key: None,
                    to: MeasurementPoint::End,
                    offer: None,
                    offer_type: None,
                    answered: Some((day_start(period.first_day()), day_start(period.end()))),
                },
            )
            .await?;
        progress(ReportStep::Suppressing);
        Report::assemble(
            period,
            settings.disclosure_threshold,
            self.clock.now(),
            &counts,
            change,
        )
    }
}
