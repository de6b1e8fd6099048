//! How well a per-sample uncertainty separates wrong from correct
//! predictions: mean uncertainty of each group, and the AUROC of the
//! uncertainty as a detector of errors (the probability that a random wrong
//! sample is more uncertain than a random correct one, ties counting one
//! half; Mann–Whitney U / (n_wrong n_correct)). AUROC 0.5 means no relation.

use crate::{AssessError, Result};
use serde::{Deserialize, Serialize};

/// Uncertainty of correctly vs wrongly classified samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeSplit {
    /// Name of the uncertainty measure (e.g. "entropy").
    pub measure: String,
    /// Number of correctly classified samples.
    /// Number of correctly classified samples.
    /// Number of wrongly classified samples.
    pub n_correct: usize,
    /// Number of wrongly classified samples.
    pub n_wrong: usize,
    /// Mean over correct samples (NaN when none).
    pub mean_correct: f64,
    /// Mean over wrong samples (NaN when none).
    pub mean_wrong: f64,
    /// `P(u_wrong > u_correct) + P(=)/2`; `None` when a group is empty.
    pub auroc: Option<f64>,
}

/// Split `values` by `correct` and summarise; non-finite values are skipped.
///
/// ```
/// use terradl_assess::split_by_outcome;
/// let s = split_by_outcome("entropy", &[0.1, 0.2, 0.9, 0.15], &[true, true, false, true]).unwrap();
/// assert_eq!(s.auroc, Some(1.0));
/// assert!((s.mean_wrong - 0.9).abs() < 1e-12);
/// ```
pub fn split_by_outcome(measure: &str, values: &[f64], correct: &[bool]) -> Result<OutcomeSplit> {
    if values.len() != correct.len() {
        return Err(AssessError::LengthMismatch { a: "uncertainty values", len_a: values.len(), b: "outcomes", len_b: correct.len() });
    }
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for (&v, &c) in values.iter().zip(correct) {
        if v.is_finite() {
            if c { ok.push(v) } else { bad.push(v) }
        }
    }
    let mean = |v: &[f64]| if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 };
    Ok(OutcomeSplit {
        measure: measure.to_string(),
        n_correct: ok.len(),
        n_wrong: bad.len(),
        mean_correct: mean(&ok),
        mean_wrong: mean(&bad),
        auroc: auroc(&bad, &ok),
    })
}

/// `P(a > b) + P(a = b)/2` over all pairs, by ranking (O(n log n)).
pub fn auroc(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let mut all: Vec<(f64, bool)> = a.iter().map(|&v| (v, true)).chain(b.iter().map(|&v| (v, false))).collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    // Sum of the mid-ranks of `a`.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j < all.len() && all[j].0 == all[i].0 {
            j += 1;
        }
        let mid = (i + j + 1) as f64 / 2.0; // ranks are 1-based: (i+1 + j)/2
        rank_sum += mid * all[i..j].iter().filter(|x| x.1).count() as f64;
        i = j;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    Some((rank_sum - na * (na + 1.0) / 2.0) / (na * nb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auroc_by_pairs() {
        // Pairs (a, b): 3>1, 3>2, 3=3 (1/2), 1<2... a = [3, 1], b = [1, 2, 3]:
        // a=3: beats 1, 2, ties 3 -> 2.5; a=1: ties 1 -> 0.5. Total 3 / 6.
        assert_eq!(auroc(&[3.0, 1.0], &[1.0, 2.0, 3.0]), Some(0.5));
        assert_eq!(auroc(&[5.0], &[1.0, 2.0]), Some(1.0));
        assert_eq!(auroc(&[0.0], &[1.0, 2.0]), Some(0.0));
        assert_eq!(auroc(&[], &[1.0]), None);
    }

    #[test]
    fn skips_non_finite_and_checks_lengths() {
        let s = split_by_outcome("m", &[f64::NAN, 1.0, 2.0], &[false, true, false]).unwrap();
        assert_eq!((s.n_correct, s.n_wrong), (1, 1));
        assert!(split_by_outcome("m", &[1.0], &[]).is_err());
    }
}
