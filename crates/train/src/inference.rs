//! Batched class-probability prediction, deterministic or with MC dropout.

use burn::module::Module;
use burn::tensor::Device;
use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};
use terradl_models::{Classifier, DropoutMode};

use crate::dataset::rows_tensor;
use crate::error::TrainError;

/// Class probabilities of `len()` samples, row-major `[n, n_classes]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassProbabilities {
    /// Number of classes (row length).
    pub n_classes: usize,
    /// Probabilities, sample after sample.
    pub values: Vec<f32>,
}

impl ClassProbabilities {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.values.len() / self.n_classes.max(1)
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Probabilities of sample `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.n_classes..(i + 1) * self.n_classes]
    }

    /// Most probable class of each sample (lowest index on ties).
    pub fn argmax(&self) -> Vec<u32> {
        self.values
            .chunks_exact(self.n_classes.max(1))
            .map(|row| {
                let mut best = 0;
                for (k, &p) in row.iter().enumerate() {
                    if p > row[best] {
                        best = k;
                    }
                }
                best as u32
            })
            .collect()
    }

    /// Element-wise mean of several predictions of the same samples (MC passes, ensemble
    /// members). `None` if `passes` is empty or their sizes differ.
    pub fn mean(passes: &[ClassProbabilities]) -> Option<ClassProbabilities> {
        let first = passes.first()?;
        if passes
            .iter()
            .any(|p| p.values.len() != first.values.len() || p.n_classes != first.n_classes)
        {
            return None;
        }
        let mut values = vec![0f32; first.values.len()];
        for p in passes {
            for (m, v) in values.iter_mut().zip(&p.values) {
                *m += v;
            }
        }
        let n = passes.len() as f32;
        values.iter_mut().for_each(|v| *v /= n);
        Some(ClassProbabilities {
            n_classes: first.n_classes,
            values,
        })
    }
}

fn model_device<M: Module>(model: &M) -> Device {
    model
        .devices()
        .into_iter()
        .next()
        .unwrap_or_default()
        .inner()
}

fn run<M: Classifier>(
    model: &M,
    x: &[f32],
    sample_shape: &[usize],
    batch_size: usize,
    mode: DropoutMode,
    device: &Device,
) -> Result<ClassProbabilities, TrainError> {
    let per: usize = sample_shape.iter().product();
    if per == 0 || x.len() % per != 0 {
        return Err(TrainError::Data(format!(
            "{} values for samples of {sample_shape:?}",
            x.len()
        )));
    }
    let n = x.len() / per;
    let k = model.num_classes();
    let mut values = Vec::with_capacity(n * k);
    let batch = batch_size.max(1);
    let mut start = 0;
    while start < n {
        let end = (start + batch).min(n);
        let logits = model.logits(rows_tensor(x, per, start, end, device), sample_shape, mode);
        let probs = softmax(logits, 1).into_data();
        values.extend(
            probs
                .try_to_vec::<f32>()
                .map_err(|e| TrainError::Tensor(e.into()))?,
        );
        start = end;
    }
    Ok(ClassProbabilities {
        n_classes: k,
        values,
    })
}

/// Softmax probabilities of `x` (samples of `sample_shape`, flattened) in batches, with the
/// model in inference mode (dropout off, batch norm on running statistics).
pub fn predict_proba<M: Classifier>(
    model: &M,
    x: &[f32],
    sample_shape: &[usize],
    batch_size: usize,
) -> Result<ClassProbabilities, TrainError> {
    model.check_sample_shape(sample_shape)?;
    let model = model.valid();
    let device = model_device(&model);
    run(
        &model,
        x,
        sample_shape,
        batch_size,
        DropoutMode::Standard,
        &device,
    )
}

/// MC-dropout prediction: `n_passes` forward passes with dropout sampling
/// ([`DropoutMode::Stochastic`]) and batch norm in inference mode; returns the probabilities
/// of every pass. The device is seeded with `seed` first, so the passes are repeatable.
pub fn predict_proba_mc<M: Classifier>(
    model: &M,
    x: &[f32],
    sample_shape: &[usize],
    batch_size: usize,
    n_passes: usize,
    seed: u64,
) -> Result<Vec<ClassProbabilities>, TrainError> {
    model.check_sample_shape(sample_shape)?;
    let model = model.valid();
    let device = model_device(&model);
    device.seed(seed);
    (0..n_passes)
        .map(|_| {
            run(
                &model,
                x,
                sample_shape,
                batch_size,
                DropoutMode::Stochastic,
                &device,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_and_mean() {
        let a = ClassProbabilities {
            n_classes: 2,
            values: vec![0.2, 0.8, 0.6, 0.4],
        };
        let b = ClassProbabilities {
            n_classes: 2,
            values: vec![0.4, 0.6, 1.0, 0.0],
        };
        assert_eq!(a.argmax(), vec![1, 0]);
        let m = ClassProbabilities::mean(&[a, b]).unwrap();
        assert!((m.values[0] - 0.3).abs() < 1e-6 && (m.values[2] - 0.8).abs() < 1e-6);
        assert_eq!(m.len(), 2);
    }
}
