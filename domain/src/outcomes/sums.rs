//! Sums of paired changes: gathered from pairs of scores, added across partnerships (ADR
//! 0034), and published only over at least the disclosure threshold of persons.

use std::collections::BTreeMap;

use crate::error::{DomainError, DomainResult};
use crate::outcomes::change::{PairSums, PairedChange};
use crate::outcomes::instrument::{ChimeDimension, Scores};
use crate::outcomes::ports::StoredInstrument;

/// A change over the tenant, suppressed below the threshold.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeSummary {
    /// The instrument key.
    pub instrument_key: String,
    /// The threshold applied.
    pub threshold: u32,
    /// Distinct persons with both points; `None` when fewer than the threshold.
    pub persons: Option<usize>,
    /// Over all items; `None` when suppressed or not computable.
    pub overall: Option<PairedChange>,
    /// Per dimension the instrument measures.
    pub dimensions: Vec<(ChimeDimension, Option<PairedChange>)>,
}

/// The sums behind a change over a tenant, before disclosure control: additive, so that
/// partnerships' sums combine into a national change (ADR 0034) without a pair leaving them.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeSums {
    /// The instrument key.
    pub instrument_key: String,
    /// Distinct persons with both points.
    pub persons: usize,
    /// Over all items.
    pub overall: PairSums,
    /// Per dimension the instrument measures (its newest version).
    pub dimensions: Vec<(ChimeDimension, PairSums)>,
}

impl ChangeSums {
    /// These sums and `other`'s (of the same instrument key) together.
    #[must_use]
    pub fn merged(mut self, other: &Self) -> Self {
        self.persons += other.persons;
        self.overall = self.overall.merged(other.overall);
        for (dimension, sums) in &other.dimensions {
            match self.dimensions.iter_mut().find(|(d, _)| d == dimension) {
                Some((_, mine)) => *mine = mine.merged(*sums),
                None => self.dimensions.push((*dimension, *sums)),
            }
        }
        self.dimensions.sort_by_key(|(d, _)| *d);
        self
    }

    /// The change as it may be published: statistics only over at least `threshold` persons.
    #[must_use]
    pub fn publish(&self, threshold: u32) -> ChangeSummary {
        let shown = self.persons >= threshold as usize;
        let stat = |sums: &PairSums| shown.then(|| PairedChange::from_sums(sums).ok()).flatten();
        ChangeSummary {
            instrument_key: self.instrument_key.clone(),
            threshold,
            persons: shown.then_some(self.persons),
            overall: stat(&self.overall),
            dimensions: self.dimensions.iter().map(|(d, s)| (*d, stat(s))).collect(),
        }
    }
}

impl ChangeSums {
    /// No pairs yet, for `instrument_key`.
    #[must_use]
    pub const fn empty(instrument_key: String) -> Self {
        Self {
            instrument_key,
            persons: 0,
            overall: PairSums {
                n: 0,
                before: 0.0,
                after: 0.0,
                change: 0.0,
                change_squared: 0.0,
            },
            dimensions: Vec::new(),
        }
    }
}

/// The versions of an instrument whose answers are paired: those on the newest version's
/// scale.
pub(crate) fn comparable(versions: &[StoredInstrument]) -> Vec<&StoredInstrument> {
    let newest = versions.last().map(|v| v.instrument.max_answer());
    versions
        .iter()
        .filter(|v| Some(v.instrument.max_answer()) == newest)
        .collect()
}

/// Pairs of scores (before, after), overall and per dimension, gathered into sums.
#[derive(Default)]
pub(crate) struct Pairs {
    overall: Vec<(f64, f64)>,
    per_dimension: BTreeMap<ChimeDimension, Vec<(f64, f64)>>,
}

impl Pairs {
    /// One person's two measurements.
    pub(crate) fn push(&mut self, before: &Scores, after: &Scores) {
        self.overall.push((before.overall, after.overall));
        for (dimension, b) in &before.by_dimension {
            if let Some(a) = after.by_dimension.get(dimension) {
                self.per_dimension
                    .entry(*dimension)
                    .or_default()
                    .push((*b, *a));
            }
        }
    }

    /// The sums over `persons`, for `dimensions` (or, when `None`, every dimension paired).
    pub(crate) fn sums(
        &self,
        instrument_key: String,
        persons: usize,
        dimensions: Option<Vec<ChimeDimension>>,
    ) -> DomainResult<ChangeSums> {
        let sums = |pairs: &[(f64, f64)]| {
            PairSums::of(pairs).map_err(|e| DomainError::Unknown(anyhow::anyhow!("{e}")))
        };
        let dimensions = dimensions.unwrap_or_else(|| self.per_dimension.keys().copied().collect());
        Ok(ChangeSums {
            instrument_key,
            persons,
            overall: sums(&self.overall)?,
            dimensions: dimensions
                .into_iter()
                .map(|d| {
                    let pairs = self.per_dimension.get(&d).map_or(&[][..], Vec::as_slice);
                    Ok((d, sums(pairs)?))
                })
                .collect::<DomainResult<_>>()?,
        })
    }
}
