//! Per-feature normalisation statistics, computed on training data and stored with a model.

use serde::{Deserialize, Serialize};

use crate::error::TrainError;

/// Which axis of a sample holds the features (bands/channels) that get their own statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeatureAxis {
    /// The first axis: `[C, P, P]` patches.
    First,
    /// The last axis: `[F]` vectors and `[T, C]` series.
    Last,
}

/// Mean and standard deviation of each feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Normalization {
    /// Axis of the sample shape the statistics index.
    pub axis: FeatureAxis,
    /// Per-feature mean.
    pub mean: Vec<f32>,
    /// Per-feature standard deviation (never below `1e-6`).
    pub std: Vec<f32>,
}

/// Feature index of each value in a sample of `shape`.
fn feature_of(shape: &[usize], axis: FeatureAxis) -> (usize, impl Fn(usize) -> usize) {
    let per: usize = shape.iter().product();
    let (n_features, inner) = match axis {
        FeatureAxis::First => (shape[0], per / shape[0].max(1)),
        FeatureAxis::Last => (*shape.last().unwrap_or(&1), 1),
    };
    let nf = n_features.max(1);
    (n_features, move |j: usize| (j / inner) % nf)
}

impl Normalization {
    /// Statistics of the samples in `x` (each of `shape`), in f64.
    pub fn fit(x: &[f32], shape: &[usize], axis: FeatureAxis) -> Result<Self, TrainError> {
        let per: usize = shape.iter().product();
        if per == 0 || x.is_empty() || x.len() % per != 0 {
            return Err(TrainError::Data(format!(
                "{} values for samples of {shape:?}",
                x.len()
            )));
        }
        let (nf, feature) = feature_of(shape, axis);
        let mut sum = vec![0f64; nf];
        let mut sq = vec![0f64; nf];
        let mut count = vec![0u64; nf];
        for sample in x.chunks_exact(per) {
            for (j, &v) in sample.iter().enumerate() {
                let f = feature(j);
                sum[f] += v as f64;
                sq[f] += (v as f64) * (v as f64);
                count[f] += 1;
            }
        }
        let mean: Vec<f64> = sum.iter().zip(&count).map(|(s, &c)| s / c as f64).collect();
        let std = sq
            .iter()
            .zip(&count)
            .zip(&mean)
            .map(|((s, &c), m)| ((s / c as f64 - m * m).max(0.0).sqrt() as f32).max(1e-6))
            .collect();
        Ok(Self {
            axis,
            mean: mean.into_iter().map(|m| m as f32).collect(),
            std,
        })
    }

    /// Standardises `x` (samples of `shape`) in place.
    pub fn apply(&self, x: &mut [f32], shape: &[usize]) -> Result<(), TrainError> {
        let per: usize = shape.iter().product();
        let (nf, feature) = feature_of(shape, self.axis);
        if nf != self.mean.len() || per == 0 || x.len() % per != 0 {
            return Err(TrainError::Data(format!(
                "normalisation has {} features, samples {shape:?} have {nf}",
                self.mean.len()
            )));
        }
        for sample in x.chunks_exact_mut(per) {
            for (j, v) in sample.iter_mut().enumerate() {
                let f = feature(j);
                *v = (*v - self.mean[f]) / self.std[f];
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_axis_statistics_and_application() {
        // Two samples of [T=2, C=2]: channel 0 values 1,3,5,7; channel 1 values 10 x4.
        let mut x = vec![1.0, 10.0, 3.0, 10.0, 5.0, 10.0, 7.0, 10.0];
        let n = Normalization::fit(&x, &[2, 2], FeatureAxis::Last).unwrap();
        assert_eq!(n.mean, vec![4.0, 10.0]);
        assert!((n.std[0] - 5f32.sqrt()).abs() < 1e-6);
        n.apply(&mut x, &[2, 2]).unwrap();
        assert!((x[0] + 3.0 / 5f32.sqrt()).abs() < 1e-6);
        assert_eq!(x[1], 0.0);
    }

    #[test]
    fn first_axis_for_patches() {
        // One [C=2, 2, 2] patch: band 0 all 1, band 1 all 3.
        let x = vec![1.0, 1.0, 1.0, 1.0, 3.0, 3.0, 3.0, 3.0];
        let n = Normalization::fit(&x, &[2, 2, 2], FeatureAxis::First).unwrap();
        assert_eq!(n.mean, vec![1.0, 3.0]);
        assert!(n.apply(&mut x.clone(), &[3, 2, 2]).is_err());
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(serde_json::from_str::<Normalization>(&json).unwrap(), n);
    }
}
