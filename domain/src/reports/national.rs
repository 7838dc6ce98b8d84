//! The national view (ADR 0034): for a partner organisation that runs the programme across
//! municipalities (a tenant the platform operator created as national), the report of every
//! partnership that opted in, combined. Each partnership's figures are tallied in its own
//! transactions, as that partnership (row-level security holds there too); only the tallies —
//! count tables, an hour histogram and sums — are added up, and the sum is published through
//! the same disclosure control at the strictest threshold of any partnership in it. No row of
//! any partnership's data crosses to another tenant.

use std::sync::Arc;

use crate::authz::{COORDINATING, require_any};
use crate::context::RequestContext;
use crate::error::{DomainError, DomainResult};
use crate::outcomes::{ChangeQuery, ChangeSums, MeasurementPoint, OutcomeService};
use crate::reports::period::Period;
use crate::reports::report::Report;
use crate::reports::service::ReportSource;
use crate::reports::tally::Tally;
use crate::tenancy::TenantRepository;

/// The combined report of the partnerships that opted in.
#[derive(Clone, Debug, PartialEq)]
pub struct NationalReport {
    /// The names of the partnerships in it, alphabetically.
    pub partnerships: Vec<String>,
    /// The combined report.
    pub report: Report,
}

/// Reads every partnership that opted in, one at a time.
#[derive(Clone)]
pub struct NationalReports {
    source: Arc<dyn ReportSource>,
    outcomes: OutcomeService,
    tenants: Arc<dyn TenantRepository>,
    clock: Arc<dyn crate::clock::Clock>,
}

impl std::fmt::Debug for NationalReports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NationalReports").finish_non_exhaustive()
    }
}

impl NationalReports {
    /// Over its ports.
    #[must_use]
    pub fn new(
        source: Arc<dyn ReportSource>,
        outcomes: OutcomeService,
        tenants: Arc<dyn TenantRepository>,
        clock: Arc<dyn crate::clock::Clock>,
    ) -> Self {
        Self {
            source,
            outcomes,
            tenants,
            clock,
        }
    }

    /// The national report for `period` (coordinators and tenant admins of a national
    /// tenant). Partnerships join it by opting in (`nationalReporting` in their outcome
    /// settings); the CHIME change counts those measuring with the national tenant's citizen
    /// instrument.
    ///
    /// # Errors
    /// `Forbidden` for another role or a tenant that is not national; `Unavailable` when the
    /// database is.
    pub async fn report(
        &self,
        ctx: &RequestContext,
        period: Period,
    ) -> DomainResult<NationalReport> {
        let refusal = || {
            DomainError::Forbidden(
                "only coordinators of a national partner organisation read the national view",
            )
        };
        require_any(ctx, &COORDINATING, refusal())?;
        let own = self.outcomes.settings(ctx).await?;
        if !self.tenants.current(ctx).await?.national {
            return Err(refusal());
        }
        let query = ChangeQuery {
            instrument_key: Some(own.citizen_instrument_key.clone()),
            to: MeasurementPoint::End,
            offer: None,
            offer_type: None,
            answered: Some((
                crate::clock::day_start(period.first_day()),
                crate::clock::day_start(period.end()),
            )),
        };
        let mut threshold = own.disclosure_threshold;
        let mut tally: Option<Tally> = None;
        let mut change = ChangeSums::empty(own.citizen_instrument_key.clone());
        let mut partnerships = Vec::new();
        for tenant in self.tenants.all().await? {
            let as_it = RequestContext::system(tenant.id);
            let settings = self.outcomes.settings(&as_it).await?;
            if !settings.national_reporting {
                continue;
            }
            threshold = threshold.max(settings.disclosure_threshold);
            let counts = Tally::of(&self.source.counts(&as_it, &period).await?);
            tally = Some(match tally {
                Some(sum) => sum.merged(&counts),
                None => counts,
            });
            match self.outcomes.change_sums(&as_it, &query, &settings).await {
                Ok(sums) => change = change.merged(&sums),
                // The partnership does not have the national instrument: no change from it.
                Err(DomainError::Validation { .. }) => {}
                Err(e) => return Err(e),
            }
            partnerships.push(tenant.name);
        }
        partnerships.sort();
        tracing::info!(partnerships = partnerships.len(), "national report");
        let tally = tally.unwrap_or_else(|| Tally::of(&crate::reports::ReportCounts::default()));
        let report = Report::publish(
            period,
            threshold,
            self.clock.now(),
            &tally,
            change.publish(threshold),
        )?;
        Ok(NationalReport {
            partnerships,
            report,
        })
    }
}
