//! Stratified area and accuracy estimation (Olofsson et al. 2014, "Good
//! practices for estimating area and assessing accuracy of land change",
//! Remote Sensing of Environment 148:42–57, equations 2–11).
//!
//! The map classes are the strata. With mapped area `A_i` of class `i`,
//! weight `W_i = A_i / A`, and `n_ij` sample units of map class `i` whose
//! reference class is `j` (`n_i.` units in stratum `i`):
//! - estimated cell proportions `p_ij = W_i n_ij / n_i.`;
//! - area proportion of reference class `j`: `p_.j = Σ_i p_ij`, with
//!   `SE(p_.j) = sqrt(Σ_i W_i² (n_ij/n_i.)(1 − n_ij/n_i.) / (n_i. − 1))`;
//! - area `A p_.j` with SE `A SE(p_.j)`;
//! - user's accuracy `U_i = n_ii / n_i.`, `V = U_i (1 − U_i) / (n_i. − 1)`;
//! - overall accuracy `O = Σ_j p_jj`, `V = Σ_i W_i² U_i (1 − U_i)/(n_i. − 1)`;
//! - producer's accuracy `P_j = p_jj / p_.j` with the variance of eq. 7.
//!
//! 95% confidence intervals are `±1.96 SE`, as in the paper.

use crate::{AssessError, ConfusionMatrix, Result};
use serde::{Deserialize, Serialize};

/// Normal quantile for a two-sided 95% interval, as used by Olofsson et al.
pub(crate) const Z_95: f64 = 1.96;

/// An estimate with its standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Point estimate.
    pub value: f64,
    /// Standard error of `value`.
    pub std_error: f64,
}

impl Estimate {
    /// Half width of the 95% confidence interval, `1.96 SE`.
    pub fn ci95_half_width(&self) -> f64 {
        Z_95 * self.std_error
    }
    /// The 95% confidence interval `(value − 1.96 SE, value + 1.96 SE)`.
    pub fn ci95(&self) -> (f64, f64) {
        (self.value - self.ci95_half_width(), self.value + self.ci95_half_width())
    }
}

/// Estimates for one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassAreaEstimate {
    /// Mapped area of the class (input units).
    pub mapped_area: f64,
    /// Estimated proportion of the total area that truly is this class.
    pub proportion: Estimate,
    /// Estimated area (input units).
    pub area: Estimate,
    /// User's accuracy; `None` when the class has no mapped area.
    pub users_accuracy: Option<Estimate>,
    /// Producer's accuracy; `None` when the estimated area is zero.
    pub producers_accuracy: Option<Estimate>,
}

/// Area-adjusted accuracy and area estimates of a stratified sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaAdjusted {
    /// Sum of the mapped areas of all strata (input units).
    pub total_area: f64,
    /// One estimate per class, in class order.
    pub classes: Vec<ClassAreaEstimate>,
    /// Area-weighted overall accuracy.
    pub overall_accuracy: Estimate,
}

impl AreaAdjusted {
    /// Estimate from the sample confusion matrix (rows = reference, columns =
    /// map, as everywhere in this crate; the map classes are the strata) and
    /// the mapped area of each class, in any area unit (pixels, ha, km²).
    ///
    /// Errors when a stratum with mapped area has fewer than 2 sample units.
    ///
    /// ```
    /// use terradl_assess::{AreaAdjusted, ConfusionMatrix};
    /// // Perfect sample: the estimates equal the mapped areas with zero error.
    /// let cm = ConfusionMatrix::from_counts(2, vec![10, 0, 0, 10]).unwrap();
    /// let est = AreaAdjusted::estimate(&cm, &[30.0, 70.0]).unwrap();
    /// assert_eq!(est.classes[1].area.value, 70.0);
    /// assert_eq!(est.overall_accuracy.value, 1.0);
    /// ```
    pub fn estimate(cm: &ConfusionMatrix, mapped_area: &[f64]) -> Result<Self> {
        let q = cm.n_classes();
        if mapped_area.len() != q {
            return Err(AssessError::LengthMismatch { a: "mapped areas", len_a: mapped_area.len(), b: "classes", len_b: q });
        }
        if mapped_area.iter().any(|a| !a.is_finite() || *a < 0.0) {
            return Err(AssessError::InvalidArea);
        }
        let total: f64 = mapped_area.iter().sum();
        if total.is_nan() || total <= 0.0 {
            return Err(AssessError::InvalidArea);
        }
        let w: Vec<f64> = mapped_area.iter().map(|a| a / total).collect();
        let n_i = cm.map_totals();
        for i in 0..q {
            if w[i] > 0.0 && n_i[i] < 2 {
                return Err(AssessError::StratumTooSmall { stratum: i, area: mapped_area[i], n: n_i[i] });
            }
        }
        // Row proportion of stratum (map class) i that is reference class j.
        let frac = |i: usize, j: usize| if n_i[i] == 0 { 0.0 } else { cm.get(j, i) as f64 / n_i[i] as f64 };
        // Variance term of stratum i for an indicator with mean f: W_i² f(1−f)/(n_i − 1).
        let var_term = |i: usize, f: f64| if w[i] == 0.0 { 0.0 } else { w[i] * w[i] * f * (1.0 - f) / (n_i[i] as f64 - 1.0) };

        let users: Vec<f64> = (0..q).map(|i| frac(i, i)).collect();
        let overall_var: f64 = (0..q).map(|i| var_term(i, users[i])).sum();
        let overall = Estimate { value: (0..q).map(|i| w[i] * users[i]).sum(), std_error: overall_var.sqrt() };

        let classes = (0..q)
            .map(|j| {
                let p = (0..q).map(|i| w[i] * frac(i, j)).sum::<f64>();
                let se = (0..q).map(|i| var_term(i, frac(i, j))).sum::<f64>().sqrt();
                let proportion = Estimate { value: p, std_error: se };
                let area = Estimate { value: total * p, std_error: total * se };
                let users_accuracy = (w[j] > 0.0).then(|| Estimate {
                    value: users[j],
                    std_error: (users[j] * (1.0 - users[j]) / (n_i[j] as f64 - 1.0)).sqrt(),
                });
                let producers_accuracy = (p > 0.0).then(|| producers(j, p, &w, &frac, &n_i, &users, mapped_area));
                ClassAreaEstimate { mapped_area: mapped_area[j], proportion, area, users_accuracy, producers_accuracy }
            })
            .collect();
        Ok(AreaAdjusted { total_area: total, classes, overall_accuracy: overall })
    }

    /// The same estimates with every standard error multiplied by `sqrt(design_effect)`
    /// (Kish): for a sample whose units are not independent, such as all pixels of a set of
    /// reference polygons, the variance of the equivalent simple stratified sample times the
    /// design effect. With pixels of whole polygons, the mean polygon size (pixels per
    /// polygon) is the conservative bound (pixels of one polygon fully correlated), which
    /// amounts to counting polygons, not pixels, as sample units.
    ///
    /// ```
    /// use terradl_assess::{AreaAdjusted, ConfusionMatrix};
    /// let cm = ConfusionMatrix::from_counts(2, vec![90, 10, 5, 95]).unwrap();
    /// let est = AreaAdjusted::estimate(&cm, &[40.0, 60.0]).unwrap();
    /// let wide = est.clone().with_design_effect(100.0);
    /// assert!((wide.overall_accuracy.std_error - 10.0 * est.overall_accuracy.std_error).abs() < 1e-12);
    /// assert_eq!(wide.classes[0].area.value, est.classes[0].area.value);
    /// ```
    pub fn with_design_effect(mut self, design_effect: f64) -> Self {
        let f = design_effect.max(1.0).sqrt();
        let scale = |e: &mut Estimate| e.std_error *= f;
        scale(&mut self.overall_accuracy);
        for c in &mut self.classes {
            scale(&mut c.proportion);
            scale(&mut c.area);
            c.users_accuracy.as_mut().map(scale);
            c.producers_accuracy.as_mut().map(scale);
        }
        self
    }
}

/// Producer's accuracy of class `j` and its SE (Olofsson et al. 2014, eq. 7):
/// `V(P_j) = 1/N_.j² [ N_j.² (1−P_j)² U_j (1−U_j)/(n_j.−1)
///           + P_j² Σ_{i≠j} N_i.² (n_ij/n_i.)(1 − n_ij/n_i.)/(n_i.−1) ]`,
/// with `N_.j = Σ_i N_i. n_ij / n_i.` the estimated reference total. The
/// expression is scale free, so any area unit may stand in for pixel counts.
fn producers(
    j: usize,
    p_j: f64,
    w: &[f64],
    frac: &dyn Fn(usize, usize) -> f64,
    n_i: &[u64],
    users: &[f64],
    area: &[f64],
) -> Estimate {
    let value = w[j] * users[j] / p_j;
    let n_ref: f64 = (0..area.len()).map(|i| area[i] * frac(i, j)).sum();
    let own = if w[j] > 0.0 {
        area[j].powi(2) * (1.0 - value).powi(2) * users[j] * (1.0 - users[j]) / (n_i[j] as f64 - 1.0)
    } else {
        0.0
    };
    let others: f64 = (0..area.len())
        .filter(|&i| i != j && w[i] > 0.0)
        .map(|i| {
            let f = frac(i, j);
            area[i].powi(2) * f * (1.0 - f) / (n_i[i] as f64 - 1.0)
        })
        .sum();
    let var = (own + value * value * others) / (n_ref * n_ref);
    Estimate { value, std_error: var.sqrt() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratum_without_enough_samples_is_an_error() {
        let cm = ConfusionMatrix::from_counts(2, vec![5, 0, 0, 1]).unwrap();
        let err = AreaAdjusted::estimate(&cm, &[10.0, 10.0]).unwrap_err();
        assert!(matches!(err, AssessError::StratumTooSmall { stratum: 1, n: 1, .. }));
        // A class with no mapped area needs no samples.
        let ok = AreaAdjusted::estimate(&ConfusionMatrix::from_counts(2, vec![5, 0, 1, 0]).unwrap(), &[10.0, 0.0]).unwrap();
        assert!(ok.classes[1].users_accuracy.is_none());
        // Reference class 1 found in stratum 0: p_.1 = 1/6, area = 10/6.
        assert!((ok.classes[1].area.value - 10.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn invalid_areas_are_errors() {
        let cm = ConfusionMatrix::from_counts(2, vec![5, 0, 0, 5]).unwrap();
        assert_eq!(AreaAdjusted::estimate(&cm, &[-1.0, 3.0]), Err(AssessError::InvalidArea));
        assert_eq!(AreaAdjusted::estimate(&cm, &[0.0, 0.0]), Err(AssessError::InvalidArea));
        assert!(AreaAdjusted::estimate(&cm, &[1.0]).is_err());
    }

    #[test]
    fn two_strata_hand_computed() {
        // Map class 0: 8 units, 6 are reference 0, 2 are reference 1; map class 1:
        // 4 units, all reference 1. Areas 60 and 40 (W = 0.6, 0.4).
        // p_.0 = 0.6*6/8 = 0.45; SE² = 0.36 * 0.75*0.25/7 = 0.0096429 -> SE 0.098198.
        // U_0 = 0.75, SE = sqrt(0.75*0.25/7) = 0.163663; O = 0.45 + 0.4 = 0.85, SE = 0.098198.
        // P_0 = 0.45/0.45 = 1 (no omission): the first variance term vanishes and so
        // does the second (n_10 = 0), SE = 0.
        let cm = ConfusionMatrix::from_map_rows(&[vec![6, 2], vec![0, 4]]).unwrap();
        let e = AreaAdjusted::estimate(&cm, &[60.0, 40.0]).unwrap();
        let c0 = &e.classes[0];
        assert!((c0.proportion.value - 0.45).abs() < 1e-12);
        assert!((c0.proportion.std_error - 0.098_198).abs() < 1e-6);
        assert!((c0.area.value - 45.0).abs() < 1e-12);
        assert!((c0.users_accuracy.unwrap().std_error - 0.163_663).abs() < 1e-6);
        assert!((e.overall_accuracy.value - 0.85).abs() < 1e-12);
        assert!((e.overall_accuracy.std_error - 0.098_198).abs() < 1e-6);
        let p0 = c0.producers_accuracy.unwrap();
        assert!((p0.value - 1.0).abs() < 1e-12 && p0.std_error.abs() < 1e-12);
        // Class 1: p_.1 = 0.6*2/8 + 0.4 = 0.55, P_1 = 0.4/0.55 = 0.727273.
        assert!((e.classes[1].producers_accuracy.unwrap().value - 0.4 / 0.55).abs() < 1e-12);
    }
}
