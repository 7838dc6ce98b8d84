//! A tenant's fixed report for a period: every count table goes through disclosure control
//! ([`suppress`]), every statistic over persons is given only over at least the threshold of
//! persons, and nothing can be filtered — the sections and their rows are always the same.

use chrono::{DateTime, Utc};

use crate::error::DomainResult;
use crate::outcomes::ChangeSummary;
use crate::reports::disclosure::{Cell, Published, suppress, too_small};
use crate::reports::period::Period;
use crate::reports::tally::{
    ReportCounts, Tally, ending_rows, move_columns, organisation_rows, outcome_columns,
    peer_kind_rows, status_columns,
};

/// A published count table with its labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// Stable key, e.g. `referrals-by-organisation-and-status`.
    pub key: &'static str,
    /// Danish title.
    pub title: &'static str,
    /// Row labels (stored names).
    pub rows: Vec<String>,
    /// Column labels (stored names).
    pub columns: Vec<String>,
    /// The figures as they may be published.
    pub published: Published,
}

/// A statistic over persons: shown only over at least the threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Statistic {
    /// Persons (or cases) it is computed over; `None` when fewer than the threshold.
    pub n: Option<u64>,
    /// Its value; `None` when suppressed.
    pub value: Option<f64>,
}

/// A single published count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count {
    /// Stable key.
    pub key: &'static str,
    /// The figure.
    pub cell: Cell,
}

/// A tenant's report for one period.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The period.
    pub period: Period,
    /// The disclosure threshold applied.
    pub threshold: u32,
    /// When it was made.
    pub generated_at: DateTime<Utc>,
    /// The count tables, in a fixed order.
    pub tables: Vec<Table>,
    /// Single counts, in a fixed order.
    pub counts: Vec<Count>,
    /// Hours from submission to first contact: median.
    pub first_contact_median_hours: Statistic,
    /// Hours from submission to first contact: 90th percentile.
    pub first_contact_p90_hours: Statistic,
    /// Weekly placement hours (over at least the threshold of peers).
    pub placement_weekly_hours: Statistic,
    /// CHIME change from baseline to the end, for supports whose end was answered in the period.
    pub chime_change: ChangeSummary,
}

/// The `q`-quantile (0–1) of sorted values, linear between closest ranks (type 7).
#[must_use]
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    #[allow(clippy::cast_precision_loss)] // counts of people
    let rank = q * last as f64;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 0 <= rank <= last
    let low = rank.floor() as usize;
    let high = (low + 1).min(last);
    #[allow(clippy::cast_precision_loss)]
    let frac = rank - low as f64;
    Some(sorted[low] + (sorted[high] - sorted[low]) * frac)
}

fn table(
    key: &'static str,
    title: &'static str,
    rows: Vec<String>,
    columns: Vec<String>,
    body: &[Vec<u64>],
    threshold: u64,
) -> DomainResult<Table> {
    Ok(Table {
        key,
        title,
        rows,
        columns,
        published: suppress(body, threshold)?,
    })
}

fn labels<T>(pairs: Vec<(T, String)>) -> Vec<String> {
    pairs.into_iter().map(|(_, l)| l).collect()
}

fn single(key: &'static str, value: u64, threshold: u64) -> Count {
    let cell = if too_small(value, threshold) {
        Cell::Suppressed
    } else {
        Cell::Shown(value)
    };
    Count { key, cell }
}

fn statistic(n: u64, threshold: u64, value: impl FnOnce() -> Option<f64>) -> Statistic {
    if n >= threshold {
        Statistic {
            n: Some(n),
            value: value(),
        }
    } else {
        Statistic {
            n: None,
            value: None,
        }
    }
}

impl Report {
    /// Assembles a tenant's report from the period's counts and change.
    ///
    /// # Errors
    /// `Validation` for a threshold below 3 (never reached: settings refuse it).
    pub fn assemble(
        period: Period,
        threshold: u32,
        generated_at: DateTime<Utc>,
        counts: &ReportCounts,
        chime_change: ChangeSummary,
    ) -> DomainResult<Self> {
        Self::publish(
            period,
            threshold,
            generated_at,
            &Tally::of(counts),
            chime_change,
        )
    }

    /// Publishes a tally (one tenant's, or the national sum): every table suppressed at
    /// `threshold`, every statistic over persons only over at least `threshold` of them.
    ///
    /// # Errors
    /// `Validation` for a threshold below 3.
    pub fn publish(
        period: Period,
        threshold: u32,
        generated_at: DateTime<Utc>,
        tally: &Tally,
        chime_change: ChangeSummary,
    ) -> DomainResult<Self> {
        let t = u64::from(threshold);
        let pair = |key, title, row: &str, columns: [&str; 2], (a, b): (u64, u64)| {
            table(
                key,
                title,
                vec![row.to_owned()],
                columns.iter().map(|c| (*c).to_owned()).collect(),
                &[vec![a, b]],
                t,
            )
        };
        let tables = vec![
            table(
                "referrals-by-organisation-and-status",
                "Henvisninger efter henviserens organisationstype og status",
                labels(organisation_rows()),
                labels(status_columns()),
                &tally.referrals,
                t,
            )?,
            table(
                "endings-by-outcome",
                "Afsluttede forløb efter udfald",
                labels(ending_rows()),
                labels(outcome_columns()),
                &tally.endings,
                t,
            )?,
            table(
                "peer-pipeline",
                "Peer-medarbejdere: skift i perioden efter ny status",
                labels(peer_kind_rows()),
                labels(move_columns()),
                &tally.peer_moves,
                t,
            )?,
            pair(
                "supervision-compliance",
                "Aktive peers ved periodens slutning: supervision inden for fristen",
                "ACTIVE",
                ["WITHIN_LIMIT", "OVERDUE"],
                tally.supervision,
            )?,
            pair(
                "course-attendance",
                "Fremmøde på kursusgange",
                "MARKS",
                ["PRESENT", "ABSENT"],
                tally.attendance,
            )?,
        ];
        let counted = [
            Count {
                key: "course-sessions-held",
                cell: Cell::Shown(tally.sessions_held),
            },
            Count {
                key: "cafe-days",
                cell: Cell::Shown(tally.cafe.0),
            },
            single("cafe-visits", tally.cafe.1, t),
        ];
        let hours = tally.contact_hours();
        let contacted = hours.len() as u64;
        Ok(Self {
            period,
            threshold,
            generated_at,
            tables,
            counts: counted.to_vec(),
            first_contact_median_hours: statistic(contacted, t, || quantile(&hours, 0.5)),
            first_contact_p90_hours: statistic(contacted, t, || quantile(&hours, 0.9)),
            placement_weekly_hours: statistic(tally.placements.0, t, || {
                #[allow(clippy::cast_precision_loss)]
                let tenths = tally.placements.1 as f64;
                Some(tenths / 10.0)
            }),
            chime_change,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::referral::ReferralState;
    use crate::reports::disclosure::recoverable;
    use crate::tenancy::OrganisationKind;

    #[test]
    fn quantiles_are_linear_between_ranks() {
        let v = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert_eq!(quantile(&v, 0.5), Some(3.0));
        // rank 0.9 × 4 = 3.6: 4 + 0.6 × 6.
        assert!((quantile(&v, 0.9).unwrap() - 7.6).abs() < 1e-12);
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[2.0], 0.9), Some(2.0));
    }

    fn change() -> ChangeSummary {
        ChangeSummary {
            instrument_key: "hverdagsliv-15".to_owned(),
            threshold: 5,
            persons: None,
            overall: None,
            dimensions: Vec::new(),
        }
    }

    #[test]
    fn every_table_is_suppressed_and_statistics_need_the_threshold() {
        let period = Period::new(
            crate::reports::Granularity::Month,
            2026,
            Some(11),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
        )
        .unwrap();
        let mut counts = ReportCounts::default();
        for _ in 0..7 {
            counts
                .referrals
                .push((OrganisationKind::BostotteTeam, ReferralState::Completed));
        }
        counts
            .referrals
            .push((OrganisationKind::Ngo, ReferralState::Submitted));
        counts.first_contact_minutes = vec![60, 120, 180, 240];
        counts.cafe = (3, 4);
        counts.placements = (2, 300);
        let report = Report::assemble(period, 5, Utc::now(), &counts, change()).unwrap();
        let referrals = &report.tables[0];
        // The lone NGO referral is hidden, and with it enough that the grand total (8) does
        // not give it away.
        assert_eq!(referrals.published.cells[3][0], Cell::Suppressed);
        assert_eq!(referrals.published.total, Cell::Shown(8));
        for t in &report.tables {
            assert!(recoverable(&t.published).is_empty(), "{}", t.key);
        }
        // Four contacts, threshold 5: no median; café visits of 4 hidden; 2 peers' hours too.
        assert_eq!(report.first_contact_median_hours.value, None);
        assert_eq!(report.counts[2].cell, Cell::Suppressed);
        assert_eq!(report.placement_weekly_hours.value, None);
        counts.first_contact_minutes.push(300);
        let report = Report::assemble(period, 5, Utc::now(), &counts, change()).unwrap();
        assert_eq!(report.first_contact_median_hours.value, Some(3.0));
        assert_eq!(report.first_contact_median_hours.n, Some(5));
    }
}
