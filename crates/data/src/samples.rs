//! [`LabelledSamples`]: a table of labelled feature vectors (one row per sample).

use crate::error::{DataError, Result};

/// Labelled feature vectors, row-major `n_samples x n_features`.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledSamples {
    /// Feature values, row-major `n_samples x n_features`.
    pub x: Vec<f32>,
    /// Number of samples (rows).
    pub n_samples: usize,
    /// Number of features (columns).
    pub n_features: usize,
    /// Name of each feature.
    pub feature_names: Vec<String>,
    /// Class id per sample.
    pub y: Vec<u32>,
    /// Class names, index = class id.
    pub class_names: Vec<String>,
}

impl LabelledSamples {
    /// Build and check shapes and class ids.
    pub fn new(x: Vec<f32>, n_features: usize, feature_names: Vec<String>, y: Vec<u32>, class_names: Vec<String>) -> Result<Self> {
        if n_features == 0 || x.len() % n_features != 0 || x.len() / n_features != y.len() {
            return Err(DataError::Invalid(format!(
                "{} values, {n_features} features and {} labels do not fit together",
                x.len(),
                y.len()
            )));
        }
        if feature_names.len() != n_features {
            return Err(DataError::Invalid(format!("{} feature names for {n_features} features", feature_names.len())));
        }
        if let Some(bad) = y.iter().find(|&&c| c as usize >= class_names.len()) {
            return Err(DataError::Invalid(format!("class id {bad} but {} classes", class_names.len())));
        }
        Ok(LabelledSamples { n_samples: y.len(), x, n_features, feature_names, y, class_names })
    }

    /// Features of sample `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.x[i * self.n_features..(i + 1) * self.n_features]
    }

    /// Samples per class.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut c = vec![0; self.class_names.len()];
        for &l in &self.y {
            c[l as usize] += 1;
        }
        c
    }

    /// The subset of the given sample indices (in that order).
    pub fn subset(&self, idx: &[usize]) -> LabelledSamples {
        let mut x = Vec::with_capacity(idx.len() * self.n_features);
        for &i in idx {
            x.extend_from_slice(self.row(i));
        }
        LabelledSamples {
            x,
            n_samples: idx.len(),
            n_features: self.n_features,
            feature_names: self.feature_names.clone(),
            y: idx.iter().map(|&i| self.y[i]).collect(),
            class_names: self.class_names.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_checked_and_subset_keeps_rows() {
        assert!(LabelledSamples::new(vec![0.0; 5], 2, vec!["a".into(), "b".into()], vec![0, 0], vec!["k".into()]).is_err());
        assert!(LabelledSamples::new(vec![0.0; 4], 2, vec!["a".into(), "b".into()], vec![0, 3], vec!["k".into()]).is_err());
        let s = LabelledSamples::new(vec![1.0, 2.0, 3.0, 4.0], 2, vec!["a".into(), "b".into()], vec![0, 1], vec!["k".into(), "m".into()]).unwrap();
        let t = s.subset(&[1]);
        assert_eq!(t.x, vec![3.0, 4.0]);
        assert_eq!(t.y, vec![1]);
        assert_eq!(s.class_counts(), vec![1, 1]);
    }
}
