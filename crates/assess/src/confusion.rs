//! Confusion matrix and the accuracy measures derived from it.
//!
//! Orientation: **rows are the reference (true) class, columns the map
//! (predicted) class**; `get(r, m)` is the number of samples whose reference
//! is `r` and whose map label is `m`. Hence producer's accuracy (omission) is
//! computed along rows and user's accuracy (commission) along columns.
//! Remote-sensing papers often print the transpose (rows = map): take care
//! when copying a published matrix.

use crate::{AssessError, Result};
use serde::{Deserialize, Serialize};

/// Square matrix of sample counts, rows = reference, columns = map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    n_classes: usize,
    /// Row-major counts, `counts[reference * n_classes + map]`.
    counts: Vec<u64>,
}

/// All headline measures of a confusion matrix, for reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccuracySummary {
    /// Number of samples (sum of all counts).
    pub total: u64,
    /// Fraction of samples on the diagonal; `None` when there are none.
    pub overall_accuracy: Option<f64>,
    /// Cohen's kappa; `None` without samples or when chance agreement is 1.
    pub kappa: Option<f64>,
    /// Per class: correct / reference samples of the class (`None` without reference samples).
    pub producers_accuracy: Vec<Option<f64>>,
    /// Per class: correct / samples mapped as the class (`None` when nothing is mapped as it).
    pub users_accuracy: Vec<Option<f64>>,
    /// Per class: harmonic mean of producer's and user's accuracy.
    pub f1: Vec<Option<f64>>,
    /// Mean of the defined per-class F1 scores.
    pub macro_f1: Option<f64>,
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

impl ConfusionMatrix {
    /// An all-zero matrix for `n_classes` classes.
    pub fn new(n_classes: usize) -> Result<Self> {
        if n_classes == 0 {
            return Err(AssessError::NoClasses);
        }
        Ok(ConfusionMatrix { n_classes, counts: vec![0; n_classes * n_classes] })
    }

    /// Build from row-major counts (rows = reference, columns = map).
    pub fn from_counts(n_classes: usize, counts: Vec<u64>) -> Result<Self> {
        if n_classes == 0 {
            return Err(AssessError::NoClasses);
        }
        if counts.len() != n_classes * n_classes {
            return Err(AssessError::Invalid(format!(
                "{} counts given for {n_classes} classes (expected {})",
                counts.len(),
                n_classes * n_classes
            )));
        }
        Ok(ConfusionMatrix { n_classes, counts })
    }

    /// Build from rows given in the *map-by-reference* orientation used by
    /// most remote-sensing papers (rows = map, columns = reference).
    pub fn from_map_rows(rows: &[Vec<u64>]) -> Result<Self> {
        let n = rows.len();
        let mut cm = Self::new(n)?;
        for (m, row) in rows.iter().enumerate() {
            if row.len() != n {
                return Err(AssessError::Invalid(format!("row {m} has {} entries, expected {n}", row.len())));
            }
            for (r, &v) in row.iter().enumerate() {
                cm.counts[r * n + m] = v;
            }
        }
        Ok(cm)
    }

    /// Tally paired labels, skipping pairs where either label equals `nodata`.
    ///
    /// ```
    /// use terradl_assess::ConfusionMatrix;
    /// let cm = ConfusionMatrix::from_labels(&[0, 1, 255, 1], &[0, 0, 1, 255], 2, Some(255)).unwrap();
    /// assert_eq!(cm.total(), 2);
    /// assert_eq!(cm.get(1, 0), 1); // reference 1 mapped as 0
    /// ```
    pub fn from_labels(reference: &[u32], map: &[u32], n_classes: usize, nodata: Option<u32>) -> Result<Self> {
        if reference.len() != map.len() {
            return Err(AssessError::LengthMismatch { a: "reference", len_a: reference.len(), b: "map", len_b: map.len() });
        }
        let mut cm = Self::new(n_classes)?;
        for (&r, &m) in reference.iter().zip(map) {
            if nodata.is_some_and(|nd| r == nd || m == nd) {
                continue;
            }
            cm.add(r, m)?;
        }
        Ok(cm)
    }

    /// Add one sample.
    pub fn add(&mut self, reference: u32, map: u32) -> Result<()> {
        for label in [reference, map] {
            if label as usize >= self.n_classes {
                return Err(AssessError::LabelOutOfRange { label, n_classes: self.n_classes });
            }
        }
        self.counts[reference as usize * self.n_classes + map as usize] += 1;
        Ok(())
    }

    /// Add another matrix of the same size (e.g. from another tile).
    pub fn merge(&mut self, other: &ConfusionMatrix) -> Result<()> {
        if other.n_classes != self.n_classes {
            return Err(AssessError::Invalid(format!("cannot merge {} and {} classes", self.n_classes, other.n_classes)));
        }
        self.counts.iter_mut().zip(&other.counts).for_each(|(a, b)| *a += b);
        Ok(())
    }

    /// Number of classes (the matrix is `n_classes × n_classes`).
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Count of samples with reference `reference` and map label `map`.
    pub fn get(&self, reference: usize, map: usize) -> u64 {
        self.counts[reference * self.n_classes + map]
    }

    /// Row-major counts (rows = reference).
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Number of samples.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Row sums: samples per reference class.
    pub fn reference_totals(&self) -> Vec<u64> {
        (0..self.n_classes).map(|r| (0..self.n_classes).map(|m| self.get(r, m)).sum()).collect()
    }

    /// Column sums: samples per map class.
    pub fn map_totals(&self) -> Vec<u64> {
        (0..self.n_classes).map(|m| (0..self.n_classes).map(|r| self.get(r, m)).sum()).collect()
    }

    fn diagonal(&self) -> u64 {
        (0..self.n_classes).map(|k| self.get(k, k)).sum()
    }

    /// Fraction of samples on the diagonal; `None` when empty.
    pub fn overall_accuracy(&self) -> Option<f64> {
        ratio(self.diagonal(), self.total())
    }

    /// Cohen's kappa `(p_o - p_e) / (1 - p_e)` with chance agreement
    /// `p_e = Σ_k row_k col_k / N²`; `None` when empty or `p_e = 1`.
    pub fn kappa(&self) -> Option<f64> {
        let n = self.total() as f64;
        if n == 0.0 {
            return None;
        }
        let po = self.diagonal() as f64 / n;
        let pe: f64 = self.reference_totals().iter().zip(self.map_totals()).map(|(&r, m)| r as f64 * m as f64).sum::<f64>() / (n * n);
        (pe < 1.0).then(|| (po - pe) / (1.0 - pe))
    }

    /// Producer's accuracy of a class (1 − omission error): diagonal / row
    /// total; `None` when the class has no reference samples.
    pub fn producers_accuracy(&self, class: usize) -> Option<f64> {
        ratio(self.get(class, class), self.reference_totals()[class])
    }

    /// User's accuracy of a class (1 − commission error): diagonal / column
    /// total; `None` when nothing was mapped as the class.
    pub fn users_accuracy(&self, class: usize) -> Option<f64> {
        ratio(self.get(class, class), self.map_totals()[class])
    }

    /// F1 of a class, `2 n_kk / (row_k + col_k)` (harmonic mean of user's and
    /// producer's accuracy); `None` when the class is absent from both.
    pub fn f1(&self, class: usize) -> Option<f64> {
        let den = self.reference_totals()[class] + self.map_totals()[class];
        ratio(2 * self.get(class, class), den)
    }

    /// Unweighted mean of the defined per-class F1 scores.
    pub fn macro_f1(&self) -> Option<f64> {
        let f: Vec<f64> = (0..self.n_classes).filter_map(|k| self.f1(k)).collect();
        (!f.is_empty()).then(|| f.iter().sum::<f64>() / f.len() as f64)
    }

    /// Every headline measure in one struct.
    pub fn summary(&self) -> AccuracySummary {
        let k = 0..self.n_classes;
        AccuracySummary {
            total: self.total(),
            overall_accuracy: self.overall_accuracy(),
            kappa: self.kappa(),
            producers_accuracy: k.clone().map(|c| self.producers_accuracy(c)).collect(),
            users_accuracy: k.clone().map(|c| self.users_accuracy(c)).collect(),
            f1: k.map(|c| self.f1(c)).collect(),
            macro_f1: self.macro_f1(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_class_hand_computed() {
        // rows = reference: [[50, 10], [5, 35]]; N = 100.
        // OA = 85/100; row sums 60, 40; column sums 55, 45;
        // p_e = (60*55 + 40*45)/100² = 0.51; kappa = (0.85 - 0.51)/0.49 = 0.693878.
        // F1_0 = 100/115 = 0.869565, F1_1 = 70/85 = 0.823529, macro = 0.846547.
        let cm = ConfusionMatrix::from_counts(2, vec![50, 10, 5, 35]).unwrap();
        assert_eq!(cm.overall_accuracy(), Some(0.85));
        assert!((cm.kappa().unwrap() - 0.34 / 0.49).abs() < 1e-12);
        assert!((cm.producers_accuracy(0).unwrap() - 50.0 / 60.0).abs() < 1e-12);
        assert!((cm.users_accuracy(0).unwrap() - 50.0 / 55.0).abs() < 1e-12);
        assert!((cm.f1(0).unwrap() - 0.869_565).abs() < 1e-6);
        assert!((cm.f1(1).unwrap() - 0.823_529).abs() < 1e-6);
        assert!((cm.macro_f1().unwrap() - 0.846_547).abs() < 1e-6);
    }

    #[test]
    fn absent_class_has_no_accuracy() {
        let cm = ConfusionMatrix::from_labels(&[0, 0, 1], &[0, 1, 1], 3, None).unwrap();
        assert_eq!(cm.producers_accuracy(2), None);
        assert_eq!(cm.users_accuracy(2), None);
        assert_eq!(cm.f1(2), None);
        // macro F1 over the two present classes: F1_0 = 2/3, F1_1 = 2/3.
        assert!((cm.macro_f1().unwrap() - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn perfect_single_class_has_undefined_kappa() {
        let cm = ConfusionMatrix::from_labels(&[0, 0], &[0, 0], 2, None).unwrap();
        assert_eq!(cm.overall_accuracy(), Some(1.0));
        assert_eq!(cm.kappa(), None);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(matches!(ConfusionMatrix::from_labels(&[0], &[5], 2, None), Err(AssessError::LabelOutOfRange { label: 5, .. })));
        assert!(matches!(ConfusionMatrix::from_labels(&[0], &[], 2, None), Err(AssessError::LengthMismatch { .. })));
        assert_eq!(ConfusionMatrix::new(0), Err(AssessError::NoClasses));
        assert!(ConfusionMatrix::new(2).unwrap().overall_accuracy().is_none());
    }

    #[test]
    fn merge_adds_counts() {
        let mut a = ConfusionMatrix::from_labels(&[0, 1], &[0, 0], 2, None).unwrap();
        let b = ConfusionMatrix::from_labels(&[1], &[1], 2, None).unwrap();
        a.merge(&b).unwrap();
        assert_eq!(a.counts(), &[1, 0, 1, 1]);
    }
}
