//! Temperature scaling: one scalar `T > 0` dividing the logits, fitted by
//! minimising the negative log-likelihood on validation data.
//!
//! The NLL is convex in `1/T`, hence unimodal in `log T`; a golden-section
//! search over `log T ∈ [ln 0.01, ln 100]` finds the minimum.

use crate::{AssessError, Result};
use serde::{Deserialize, Serialize};

/// A fitted temperature.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TemperatureScaling {
    /// The temperature `T` that divides the logits before the softmax (`T > 1` softens).
    pub temperature: f64,
}

fn check(logits: &[f32], n_classes: usize, labels: &[u32]) -> Result<()> {
    if n_classes == 0 || logits.len() != labels.len() * n_classes {
        return Err(AssessError::Invalid(format!(
            "{} logits do not form {} rows of {n_classes} classes",
            logits.len(),
            labels.len()
        )));
    }
    if labels.is_empty() {
        return Err(AssessError::Empty);
    }
    if let Some(&label) = labels.iter().find(|&&l| l as usize >= n_classes) {
        return Err(AssessError::LabelOutOfRange { label, n_classes });
    }
    if logits.iter().any(|z| !z.is_finite()) {
        return Err(AssessError::Invalid("logits must be finite".into()));
    }
    Ok(())
}

/// `log Σ_k exp(z_k / T)` computed stably.
fn log_sum_exp(row: &[f32], t: f64) -> f64 {
    let m = row.iter().map(|&z| z as f64 / t).fold(f64::NEG_INFINITY, f64::max);
    m + row.iter().map(|&z| (z as f64 / t - m).exp()).sum::<f64>().ln()
}

/// Mean negative log-likelihood (nats) of the labels under `softmax(z / T)`.
pub fn negative_log_likelihood(logits: &[f32], n_classes: usize, labels: &[u32], temperature: f64) -> Result<f64> {
    check(logits, n_classes, labels)?;
    let total: f64 = logits
        .chunks_exact(n_classes)
        .zip(labels)
        .map(|(row, &l)| log_sum_exp(row, temperature) - row[l as usize] as f64 / temperature)
        .sum();
    Ok(total / labels.len() as f64)
}

/// Row-wise `softmax(z / T)` of row-major logits.
///
/// ```
/// use terradl_assess::calibration::softmax_with_temperature;
/// let p = softmax_with_temperature(&[0.0, 2.0f32.ln()], 2, 1.0);
/// assert!((p[0] - 1.0 / 3.0).abs() < 1e-7 && (p[1] - 2.0 / 3.0).abs() < 1e-7);
/// ```
pub fn softmax_with_temperature(logits: &[f32], n_classes: usize, temperature: f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(logits.len());
    for row in logits.chunks_exact(n_classes.max(1)) {
        let lse = log_sum_exp(row, temperature);
        out.extend(row.iter().map(|&z| (z as f64 / temperature - lse).exp()));
    }
    out
}

impl TemperatureScaling {
    /// Fit `T` on validation logits (row-major, `labels.len() x n_classes`).
    ///
    /// ```
    /// use terradl_assess::calibration::TemperatureScaling;
    /// // Logits [4, 0] with label 0 three times out of four: the optimum makes
    /// // sigmoid(4 / T) = 3/4, i.e. T = 4 / ln 3.
    /// let logits = [4.0, 0.0, 4.0, 0.0, 4.0, 0.0, 4.0, 0.0];
    /// let t = TemperatureScaling::fit(&logits, 2, &[0, 0, 0, 1]).unwrap();
    /// assert!((t.temperature - 4.0 / 3f64.ln()).abs() < 1e-4);
    /// ```
    pub fn fit(logits: &[f32], n_classes: usize, labels: &[u32]) -> Result<Self> {
        check(logits, n_classes, labels)?;
        let f = |u: f64| negative_log_likelihood(logits, n_classes, labels, u.exp()).unwrap_or(f64::INFINITY);
        let (mut a, mut b) = (0.01f64.ln(), 100f64.ln());
        let g = (5f64.sqrt() - 1.0) / 2.0;
        let mut c = b - g * (b - a);
        let mut d = a + g * (b - a);
        let (mut fc, mut fd) = (f(c), f(d));
        while b - a > 1e-9 {
            if fc <= fd {
                b = d;
                d = c;
                fd = fc;
                c = b - g * (b - a);
                fc = f(c);
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + g * (b - a);
                fd = f(d);
            }
        }
        Ok(TemperatureScaling { temperature: ((a + b) / 2.0).exp() })
    }

    /// Calibrated probabilities `softmax(z / T)` of row-major logits.
    pub fn apply(&self, logits: &[f32], n_classes: usize) -> Vec<f64> {
        softmax_with_temperature(logits, n_classes, self.temperature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nll_closed_form() {
        // Two classes, logits [0, 0] at T = 1: NLL = ln 2.
        assert!((negative_log_likelihood(&[0.0, 0.0], 2, &[1], 1.0).unwrap() - 2f64.ln()).abs() < 1e-12);
        // Logits [2, 0], label 0, T = 2: -ln sigmoid(1) = ln(1 + e^-1) = 0.313262.
        assert!((negative_log_likelihood(&[2.0, 0.0], 2, &[0], 2.0).unwrap() - 0.313_262).abs() < 1e-6);
    }

    #[test]
    fn overconfident_logits_get_a_temperature_above_one() {
        // Three classes, logits [z, 0, 0] with z = 6; label 0 in 7 of 10 rows.
        // The NLL optimum has softmax_0 = 0.7: e^a / (e^a + 2) = 0.7 with a = z/T,
        // a = ln(2 * 0.7 / 0.3) = ln(14/3), T = 6 / ln(14/3) = 3.8961.
        let mut logits = Vec::new();
        let mut labels = Vec::new();
        for i in 0..10 {
            logits.extend([6.0f32, 0.0, 0.0]);
            labels.push(if i < 7 { 0 } else { 1 + (i % 2) as u32 });
        }
        let t = TemperatureScaling::fit(&logits, 3, &labels).unwrap();
        assert!((t.temperature - 6.0 / (14.0f64 / 3.0).ln()).abs() < 1e-4, "{}", t.temperature);
        let p = t.apply(&logits[..3], 3);
        assert!((p[0] - 0.7).abs() < 1e-5);
    }

    #[test]
    fn invalid_input() {
        assert!(TemperatureScaling::fit(&[1.0, 2.0], 2, &[2]).is_err());
        assert!(TemperatureScaling::fit(&[1.0, 2.0, 3.0], 2, &[0]).is_err());
        assert!(TemperatureScaling::fit(&[], 2, &[]).is_err());
        assert!(TemperatureScaling::fit(&[f32::NAN, 0.0], 2, &[0]).is_err());
    }
}
