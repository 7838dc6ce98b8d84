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

impl PairedChange {
    /// The change over `pairs` of (before, after) scores.
    ///
    /// # Errors
    /// [`ChangeError::TooFew`] under two pairs; [`ChangeError::NotFinite`] for a NaN or an
    /// infinite score.
    pub fn of(pairs: &[(f64, f64)]) -> Result<Self, ChangeError> {
        let n = pairs.len();
        if n < 2 {
            return Err(ChangeError::TooFew);
        }
        if pairs.iter().any(|(b, a)| !b.is_finite() || !a.is_finite()) {
            return Err(ChangeError::NotFinite);
        }
        #[allow(clippy::cast_precision_loss)] // n is a count of people, far below 2^52
        let count = n as f64;
        let mean = |f: &dyn Fn(&(f64, f64)) -> f64| pairs.iter().map(f).sum::<f64>() / count;
        let mean_before = mean(&|p| p.0);
        let mean_after = mean(&|p| p.1);
        let mean_change = mean(&|p| p.1 - p.0);
        let variance = pairs
            .iter()
            .map(|(b, a)| (a - b - mean_change).powi(2))
            .sum::<f64>()
            / (count - 1.0);
        let sd_change = variance.sqrt();
        let t = StudentsT::new(0.0, 1.0, count - 1.0)
            .map_err(|_| ChangeError::TooFew)?
            .inverse_cdf(0.975);
        let half = t * sd_change / count.sqrt();
        Ok(Self {
            n,
            mean_before,
            mean_after,
            mean_change,
            sd_change,
            ci95_low: mean_change - half,
            ci95_high: mean_change + half,
            effect_size: (sd_change > f64::EPSILON).then(|| mean_change / sd_change),
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
    fn too_few_or_broken_scores_are_refused() {
        assert_eq!(PairedChange::of(&[]), Err(ChangeError::TooFew));
        assert_eq!(PairedChange::of(&[(1.0, 2.0)]), Err(ChangeError::TooFew));
        assert_eq!(
            PairedChange::of(&[(1.0, f64::NAN), (1.0, 2.0)]),
            Err(ChangeError::NotFinite)
        );
    }
}
