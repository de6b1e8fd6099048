//! Reliability curve and expected calibration error with equal-width bins.

use crate::{AssessError, Result};
use serde::{Deserialize, Serialize};

/// One confidence bin of a reliability curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Bin edges: the bin holds confidences in `(lower, upper]` (the first
    /// bin also holds 0).
    pub lower: f64,
    /// Upper bin edge (inclusive).
    pub upper: f64,
    /// Number of samples in the bin.
    pub count: usize,
    /// Mean confidence of the samples (NaN when empty).
    pub mean_confidence: f64,
    /// Fraction of the samples that are correct (NaN when empty).
    pub accuracy: f64,
}

fn check(confidence: &[f64], correct: &[bool], n_bins: usize) -> Result<()> {
    if confidence.len() != correct.len() {
        return Err(AssessError::LengthMismatch { a: "confidences", len_a: confidence.len(), b: "outcomes", len_b: correct.len() });
    }
    if n_bins == 0 {
        return Err(AssessError::Invalid("need at least one bin".into()));
    }
    if confidence.is_empty() {
        return Err(AssessError::Empty);
    }
    if let Some(c) = confidence.iter().find(|c| !(0.0..=1.0).contains(*c)) {
        return Err(AssessError::Invalid(format!("confidence {c} is outside [0, 1]")));
    }
    Ok(())
}

/// Per-bin mean confidence and accuracy over `n_bins` equal-width bins
/// `((m−1)/M, m/M]`.
pub fn reliability_curve(confidence: &[f64], correct: &[bool], n_bins: usize) -> Result<Vec<ReliabilityBin>> {
    check(confidence, correct, n_bins)?;
    let mut sum_conf = vec![0.0; n_bins];
    let mut hits = vec![0usize; n_bins];
    let mut count = vec![0usize; n_bins];
    for (&c, &ok) in confidence.iter().zip(correct) {
        let b = ((c * n_bins as f64).ceil() as usize).saturating_sub(1).min(n_bins - 1);
        sum_conf[b] += c;
        hits[b] += ok as usize;
        count[b] += 1;
    }
    Ok((0..n_bins)
        .map(|b| {
            let n = count[b] as f64;
            ReliabilityBin {
                lower: b as f64 / n_bins as f64,
                upper: (b + 1) as f64 / n_bins as f64,
                count: count[b],
                mean_confidence: if count[b] > 0 { sum_conf[b] / n } else { f64::NAN },
                accuracy: if count[b] > 0 { hits[b] as f64 / n } else { f64::NAN },
            }
        })
        .collect())
}

/// Expected calibration error `Σ_m (n_m / N) |acc_m − conf_m|` over equal-width bins.
///
/// ```
/// use terradl_assess::calibration::expected_calibration_error;
/// // Confidence 0.8 everywhere, 3 of 4 right: ECE = |0.75 − 0.8| = 0.05.
/// let ece = expected_calibration_error(&[0.8; 4], &[true, true, true, false], 10).unwrap();
/// assert!((ece - 0.05).abs() < 1e-12);
/// ```
pub fn expected_calibration_error(confidence: &[f64], correct: &[bool], n_bins: usize) -> Result<f64> {
    let bins = reliability_curve(confidence, correct, n_bins)?;
    let n = confidence.len() as f64;
    Ok(bins
        .iter()
        .filter(|b| b.count > 0)
        .map(|b| b.count as f64 / n * (b.accuracy - b.mean_confidence).abs())
        .sum())
}

/// Top-label confidence and correctness from row-major class probabilities
/// (`n_samples x n_classes`) and true labels: `(max_k p_k, argmax == label)`.
pub fn top_label_confidence(probabilities: &[f64], n_classes: usize, labels: &[u32]) -> Result<(Vec<f64>, Vec<bool>)> {
    if n_classes == 0 || probabilities.len() != labels.len() * n_classes {
        return Err(AssessError::Invalid(format!(
            "{} probabilities do not form {} rows of {n_classes} classes",
            probabilities.len(),
            labels.len()
        )));
    }
    let mut conf = Vec::with_capacity(labels.len());
    let mut correct = Vec::with_capacity(labels.len());
    for (row, &label) in probabilities.chunks_exact(n_classes).zip(labels) {
        let (arg, p) = row.iter().enumerate().fold((0, f64::NEG_INFINITY), |acc, (k, &p)| if p > acc.1 { (k, p) } else { acc });
        conf.push(p);
        correct.push(arg as u32 == label);
    }
    Ok((conf, correct))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_two_bins() {
        // Bins (0, 0.5] and (0.5, 1]. Bin 1: confidences 0.2, 0.4 (1 right):
        // conf 0.3, acc 0.5. Bin 2: 0.6, 0.8, 1.0 (all right): conf 0.8, acc 1.
        // ECE = 2/5 * 0.2 + 3/5 * 0.2 = 0.2.
        let conf = [0.2, 0.4, 0.6, 0.8, 1.0];
        let ok = [true, false, true, true, true];
        let bins = reliability_curve(&conf, &ok, 2).unwrap();
        assert_eq!(bins[0].count, 2);
        assert!((bins[0].mean_confidence - 0.3).abs() < 1e-12 && bins[0].accuracy == 0.5);
        assert!((bins[1].mean_confidence - 0.8).abs() < 1e-12 && bins[1].accuracy == 1.0);
        assert!((expected_calibration_error(&conf, &ok, 2).unwrap() - 0.2).abs() < 1e-12);
    }

    #[test]
    fn bin_edges_are_right_closed() {
        // 0.5 belongs to (0, 0.5]; 0 goes to the first bin.
        let bins = reliability_curve(&[0.5, 0.0, 0.5000001], &[true, true, true], 2).unwrap();
        assert_eq!((bins[0].count, bins[1].count), (2, 1));
        assert!(bins.iter().all(|b| b.upper - b.lower == 0.5));
    }

    #[test]
    fn invalid_input() {
        assert!(expected_calibration_error(&[1.2], &[true], 10).is_err());
        assert!(expected_calibration_error(&[0.5], &[], 10).is_err());
        assert!(expected_calibration_error(&[0.5], &[true], 0).is_err());
        assert_eq!(expected_calibration_error(&[], &[], 10), Err(AssessError::Empty));
    }

    #[test]
    fn top_label() {
        let (c, ok) = top_label_confidence(&[0.1, 0.7, 0.2, 0.5, 0.3, 0.2], 3, &[1, 2]).unwrap();
        assert_eq!(c, vec![0.7, 0.5]);
        assert_eq!(ok, vec![true, false]);
    }
}
