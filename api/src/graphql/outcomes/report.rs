//! The fixed report in GraphQL: typed cells (a value, or suppressed) exactly as disclosure
//! control published them.

use async_graphql::{Context, Object, SimpleObject};
use peerbro_domain::reports::{self as domain, Cell, Granularity, Period};

use super::answers::OutcomeChange;
use crate::graphql::errors::GqlResultExt as _;
use crate::graphql::time::{Date, Instant};

wire_enum!(
    /// How long a report's period is.
    ReportGranularity => Granularity {
        /// A calendar month.
        Month,
        /// A calendar quarter.
        Quarter,
        /// A calendar year.
        Year,
    }
);

/// A published figure: its value, or suppressed by disclosure control.
#[derive(SimpleObject)]
pub struct ReportCell {
    /// The figure; null when suppressed.
    pub(crate) value: Option<i64>,
    /// Whether it is hidden (a small count, or one that could be derived from the others).
    pub(crate) suppressed: bool,
}

impl From<Cell> for ReportCell {
    fn from(c: Cell) -> Self {
        match c {
            Cell::Shown(n) => Self {
                value: Some(i64::try_from(n).unwrap_or(i64::MAX)),
                suppressed: false,
            },
            Cell::Suppressed => Self {
                value: None,
                suppressed: true,
            },
        }
    }
}

/// A count table of a report.
#[derive(SimpleObject)]
pub struct ReportTable {
    /// Stable key, e.g. `referrals-by-organisation-and-status`.
    pub(crate) key: String,
    /// Title (Danish).
    pub(crate) title: String,
    /// Row labels.
    pub(crate) rows: Vec<String>,
    /// Column labels.
    pub(crate) columns: Vec<String>,
    /// The body, row by row.
    pub(crate) cells: Vec<Vec<ReportCell>>,
    /// Each row's total.
    pub(crate) row_totals: Vec<ReportCell>,
    /// Each column's total.
    pub(crate) column_totals: Vec<ReportCell>,
    /// The grand total.
    pub(crate) total: ReportCell,
}

/// A single figure of a report.
#[derive(SimpleObject)]
pub struct ReportCount {
    /// Stable key, e.g. `cafe-visits`.
    pub(crate) key: String,
    /// The figure.
    pub(crate) cell: ReportCell,
}

/// A statistic over persons: shown only over at least the disclosure threshold.
#[derive(SimpleObject)]
pub struct ReportStatistic {
    /// Persons or cases it is computed over (null when suppressed).
    pub(crate) n: Option<i64>,
    /// The value (null when suppressed or none).
    pub(crate) value: Option<f64>,
    /// Whether it is hidden.
    pub(crate) suppressed: bool,
}

impl From<domain::Statistic> for ReportStatistic {
    fn from(s: domain::Statistic) -> Self {
        Self {
            n: s.n.map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
            value: s.value,
            suppressed: s.n.is_none(),
        }
    }
}

/// A partnership's fixed report for one period.
#[derive(SimpleObject)]
pub struct Report {
    /// The period: `2026-11`, `2026-Q4` or `2026`.
    pub(crate) period: String,
    /// Its granularity.
    pub(crate) granularity: ReportGranularity,
    /// Its first day.
    pub(crate) starts_on: Date,
    /// Its last day.
    pub(crate) ends_on: Date,
    /// The disclosure threshold applied.
    pub(crate) threshold: i32,
    /// When it was made.
    pub(crate) generated_at: Instant,
    /// Count tables: referrals by referring organisation kind and status, endings by outcome,
    /// the peer pipeline, supervision compliance, course attendance.
    pub(crate) tables: Vec<ReportTable>,
    /// Single figures: course sessions held, café days and visits.
    pub(crate) counts: Vec<ReportCount>,
    /// Hours from submission to first contact (referrals submitted in the period; each
    /// rounded down to the whole hour): median.
    pub(crate) first_contact_median_hours: ReportStatistic,
    /// The same, 90th percentile.
    pub(crate) first_contact_p90_hours: ReportStatistic,
    /// Weekly hours of the placements running in the period.
    pub(crate) placement_weekly_hours: ReportStatistic,
    /// CHIME change from baseline to the end, for supports whose end was answered in the
    /// period.
    pub(crate) chime_change: OutcomeChange,
}

impl From<domain::Report> for Report {
    fn from(r: domain::Report) -> Self {
        let period = r.period;
        Self {
            period: period.label(),
            granularity: period.granularity().into(),
            starts_on: period.first_day().into(),
            ends_on: period.end().pred_opt().unwrap_or(period.end()).into(),
            threshold: i32::try_from(r.threshold).unwrap_or(i32::MAX),
            generated_at: r.generated_at.into(),
            tables: r
                .tables
                .into_iter()
                .map(|t| ReportTable {
                    key: t.key.to_owned(),
                    title: t.title.to_owned(),
                    rows: t.rows,
                    columns: t.columns,
                    cells: t
                        .published
                        .cells
                        .into_iter()
                        .map(|row| row.into_iter().map(Into::into).collect())
                        .collect(),
                    row_totals: t.published.row_totals.into_iter().map(Into::into).collect(),
                    column_totals: t
                        .published
                        .column_totals
                        .into_iter()
                        .map(Into::into)
                        .collect(),
                    total: t.published.total.into(),
                })
                .collect(),
            counts: r
                .counts
                .into_iter()
                .map(|c| ReportCount {
                    key: c.key.to_owned(),
                    cell: c.cell.into(),
                })
                .collect(),
            first_contact_median_hours: r.first_contact_median_hours.into(),
            first_contact_p90_hours: r.first_contact_p90_hours.into(),
            placement_weekly_hours: r.placement_weekly_hours.into(),
            chime_change: r.chime_change.into(),
        }
    }
}

/// The national view: the combined report of the partnerships that opted in.
#[derive(SimpleObject)]
pub struct NationalReport {
    /// The partnerships in it, by name, alphabetically.
    pub(crate) partnerships: Vec<String>,
    /// The combined report, disclosure-controlled at the strictest threshold of any
    /// partnership in it.
    pub(crate) report: Report,
}

/// The report service, the caller and the period asked for (one that has begun).
fn period_of<'a>(
    ctx: &'a Context<'_>,
    granularity: ReportGranularity,
    year: i32,
    number: Option<i32>,
) -> async_graphql::Result<(
    &'a domain::ReportService,
    &'a peerbro_domain::RequestContext,
    Period,
)> {
    let (svc, rc) = crate::graphql::errors::request_data::<domain::ReportService>(ctx)?;
    let period = Period::new(
        granularity.into(),
        i64::from(year),
        number.map(i64::from),
        svc.today(),
    )
    .gql()?;
    Ok((svc, rc, period))
}

/// Report queries.
#[derive(Default)]
pub struct ReportsQuery;

#[Object]
impl ReportsQuery {
    /// The partnership's fixed report for a calendar month, quarter or year that has begun
    /// (coordinators and tenant admins). Every table is disclosure-controlled at the
    /// partnership's threshold; there are no filters. The same report is at
    /// `GET /api/v1/reports/{period}?format=html|csv`.
    async fn report(
        &self,
        ctx: &Context<'_>,
        granularity: ReportGranularity,
        year: i32,
        #[graphql(desc = "The month (1–12) or quarter (1–4); omitted for a year")] number: Option<
            i32,
        >,
    ) -> async_graphql::Result<Report> {
        let (svc, rc, period) = period_of(ctx, granularity, year, number)?;
        Ok(svc.report(rc, period, &|_| {}).await.gql()?.into())
    }

    /// The national view for a calendar month, quarter or year that has begun (coordinators
    /// and tenant admins of a national partner organisation): the partnerships that opted in,
    /// each tallied in its own transactions, added up and published through the same
    /// disclosure control as a partnership's report. The same report is at
    /// `GET /api/v1/national-reports/{period}?format=html|csv`.
    async fn national_report(
        &self,
        ctx: &Context<'_>,
        granularity: ReportGranularity,
        year: i32,
        #[graphql(desc = "The month (1–12) or quarter (1–4); omitted for a year")] number: Option<
            i32,
        >,
    ) -> async_graphql::Result<NationalReport> {
        let (_, rc, period) = period_of(ctx, granularity, year, number)?;
        let national = ctx.data::<domain::NationalReports>()?;
        let found = national.report(rc, period).await.gql()?;
        Ok(NationalReport {
            partnerships: found.partnerships,
            report: found.report.into(),
        })
    }
}
