//! Paired change: the same people measured twice (baseline and end, or baseline and
//! follow-up). Mean change with its 95 % confidence interval (Student's t with n − 1 degrees
//! of freedom) and a paired effect size (Cohen's d_z: mean change over the standard deviation
//! of the changes). Computed here, in the domain, so that every report shows the same numbers.

use statrs::distribution::{ContinuousCDF as _, StudentsT};

/// Why a change cannot be computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    /// Fewer than two pairs: no spread, no interval.
    #[error("at least two paired measurements are needed")]
    TooFew,
    /// A score is not a finite number.
    #[error("a score is not a finite number")]
    NotFinite,
}

/// The change between two measurements of the same people.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairedChange {
    /// Pairs.
    pub n: usize,
    /// Mean at the first measurement.
    pub mean_before: f64,
    /// Mean at the second.
    pub mean_after: f64,
    /// Mean of the changes (after − before).
    pub mean_change: f64,
    /// Sample standard deviation of the changes.
    pub sd_change: f64,
    /// Lower bound of the 95 % confidence interval of the mean change.
    pub ci95_low: f64,
    /// Upper bound.
    pub ci95_high: f64,
    /// Cohen's d_z (mean change / SD of the changes); `None` when every change is the same.
    pub effect_size: Option<f64>,
}

/// The sums a paired change is computed from: additive, so that partnerships' sums can be
/// combined into a national change without any pair leaving its partnership (ADR 0034).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PairSums {
    /// Pairs.
    pub n: usize,
    /// Sum of the first scores.
    pub before: f64,
    /// Sum of the second scores.
    pub after: f64,
    /// Sum of the changes.
    pub change: f64,
    /// Sum of the squared changes.
    pub change_squared: f64,
}

impl PairSums {
    /// The sums of `pairs`.
    ///
    /// # Errors
    /// [`ChangeError::NotFinite`] for a NaN or an infinite score.
    pub fn of(pairs: &[(f64, f64)]) -> Result<Self, ChangeError> {
        let mut sums = Self::default();
        for (b, a) in pairs {
            if !b.is_finite() || !a.is_finite() {
                return Err(ChangeError::NotFinite);
            }
            sums.n += 1;
            sums.before += b;
            sums.after += a;
            sums.change += a - b;
            sums.change_squared += (a - b).powi(2);
        }
        Ok(sums)
    }

    /// These sums and `other`'s together.
    #[must_use]
    pub fn merged(self, other: Self) -> Self {
        Self {
            n: self.n + other.n,
            before: self.before + other.before,
            after: self.after + other.after,
            change: self.change + other.change,
            change_squared: self.change_squared + other.change_squared,
        }
    }
}

impl PairedChange {
    /// The change over `pairs` of (before, after) scores.
    ///
    /// # Errors
    /// [`ChangeError::TooFew`] under two pairs; [`ChangeError::NotFinite`] for a NaN or an
    /// infinite score.
    pub fn of(pairs: &[(f64, f64)]) -> Result<Self, ChangeError> {
        Self::from_sums(&PairSums::of(pairs)?)
    }

    /// The change from the sums of its pairs.
    ///
    /// # Errors
    /// [`ChangeError::TooFew`] under two pairs; [`ChangeError::NotFinite`] when a sum is not
    /// a finite number.
    pub fn from_sums(sums: &PairSums) -> Result<Self, ChangeError> {
        let n = sums.n;
        if n < 2 {
            return Err(ChangeError::TooFew);
        }
        let all = [sums.before, sums.after, sums.change, sums.change_squared];
        if all.iter().any(|v| !v.is_finite()) {
            return Err(ChangeError::NotFinite);
        }
        #[allow(clippy::cast_precision_loss)] // n is a count of people, far below 2^52
        let count = n as f64;
        let mean_change = sums.change / count;
        // Σ(d − d̄)² = Σd² − (Σd)²/n; rounding can leave a tiny negative for equal changes.
        let squares = (sums.change_squared - sums.change * sums.change / count).max(0.0);
        let sd_change = (squares / (count - 1.0)).sqrt();
        let t = StudentsT::new(0.0, 1.0, count - 1.0)
            .map_err(|_| ChangeError::TooFew)?
            .inverse_cdf(0.975);
        let half = t * sd_change / count.sqrt();
        Ok(Self {
            n,
            mean_before: sums.before / count,
            mean_after: sums.after / count,
            mean_change,
            sd_change,
            ci95_low: mean_change - half,
            ci95_high: mean_change + half,
            effect_size: (sd_change > 1e-9).then(|| mean_change / sd_change),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    /// By hand: changes 4, 1, 3, 3, 4 → mean 3, squared deviations 1+4+0+0+1 = 6, variance
    /// 6/4 = 1.5, SD 1.2247449, SE 1.2247449/√5 = 0.5477226, t(0.975; 4) = 2.7764451, half
    /// width 2.7764451 · 0.5477226 = 1.5207216, d_z = 3 / 1.2247449 = 2.4494897.
    #[test]
    fn five_pairs_as_by_hand() {
        let c = PairedChange::of(&[
            (10.0, 14.0),
            (12.0, 13.0),
            (9.0, 12.0),
            (15.0, 18.0),
            (11.0, 15.0),
        ])
        .unwrap();
        assert_eq!(c.n, 5);
        assert!(close(c.mean_before, 11.4) && close(c.mean_after, 14.4));
        assert!(close(c.mean_change, 3.0));
        assert!(close(c.sd_change, 1.224_744_9), "{c:?}");
        assert!(close(c.ci95_low, 3.0 - 1.520_721_6), "{c:?}");
        assert!(close(c.ci95_high, 3.0 + 1.520_721_6), "{c:?}");
        assert!(close(c.effect_size.unwrap(), 2.449_489_7));
    }

    /// By hand: changes −1, 1 → mean 0, SD √2, t(0.975; 1) = 12.7062047, half width
    /// 12.7062047 · √2/√2 = 12.7062047.
    #[test]
    fn two_pairs_give_the_wide_interval_of_one_degree_of_freedom() {
        let c = PairedChange::of(&[(2.0, 1.0), (2.0, 3.0)]).unwrap();
        assert!(close(c.mean_change, 0.0));
        assert!(close(c.ci95_high, 12.706_204_7), "{c:?}");
        assert!(close(c.ci95_low, -12.706_204_7));
        assert!(close(c.effect_size.unwrap(), 0.0));
    }

    #[test]
    fn no_spread_has_no_effect_size_and_a_point_interval() {
        let c = PairedChange::of(&[(1.0, 3.0), (2.0, 4.0), (0.0, 2.0)]).unwrap();
        assert!(close(c.mean_change, 2.0));
        assert_eq!(c.effect_size, None);
        assert!(close(c.ci95_low, 2.0) && close(c.ci95_high, 2.0));
    }

    #[test]
    fn sums_of_two_groups_give_the_change_of_all_pairs() {
        let a = [(10.0, 14.0), (12.0, 13.0)];
        let b = [(9.0, 12.0), (15.0, 18.0), (11.0, 15.0)];
        let merged = PairSums::of(&a).unwrap().merged(PairSums::of(&b).unwrap());
        let all: Vec<(f64, f64)> = a.iter().chain(&b).copied().collect();
        let whole = PairedChange::of(&all).unwrap();
        let combined = PairedChange::from_sums(&merged).unwrap();
        assert_eq!(combined.n, 5);
        for (x, y) in [
            (combined.mean_change, whole.mean_change),
            (combined.sd_change, whole.sd_change),
            (combined.ci95_low, whole.ci95_low),
            (combined.effect_size.unwrap(), whole.effect_size.unwrap()),
            (combined.mean_before, 11.4),
        ] {
            assert!(close(x, y), "{combined:?}");
        }
    }

    #[test]
    fn too_few_or_broken_scores_are_refused() {
        assert_eq!(PairedChange::of(&[]), Err(ChangeError::TooFew));
        assert_eq!(PairedChange::of(&[(1.0, 2.0)]), Err(ChangeError::TooFew));
        assert_eq!(
            PairedChange::of(&[(1.0, f64::NAN), (1.0, 2.0)]),
            Err(ChangeError::NotFinite)
        );
    }
}
