//! In-memory datasets of fixed-shape samples, batched with a seeded shuffle.

use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::TrainError;

/// Samples of one shape stored contiguously, with a class label each.
///
/// `x` holds `y.len()` samples of `prod(shape)` values, row-major.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TensorDataset {
    /// Sample values, sample after sample.
    pub x: Vec<f32>,
    /// Shape of one sample (`[F]`, `[C, P, P]`, `[T, C]`, ...).
    pub shape: Vec<usize>,
    /// Class of each sample (0-based).
    pub y: Vec<u32>,
}

impl TensorDataset {
    /// Builds a dataset, checking that `x` holds exactly `y.len()` samples of `shape`.
    pub fn new(x: Vec<f32>, shape: Vec<usize>, y: Vec<u32>) -> Result<Self, TrainError> {
        let per = shape.iter().product::<usize>();
        if shape.is_empty() || per == 0 {
            return Err(TrainError::Data(format!(
                "sample shape {shape:?} has no values"
            )));
        }
        if x.len() != per * y.len() {
            return Err(TrainError::Data(format!(
                "{} values do not make {} samples of shape {shape:?}",
                x.len(),
                y.len()
            )));
        }
        Ok(Self { x, shape, y })
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Values per sample.
    pub fn sample_len(&self) -> usize {
        self.shape.iter().product()
    }

    /// The values of sample `i`.
    pub fn sample(&self, i: usize) -> &[f32] {
        let n = self.sample_len();
        &self.x[i * n..(i + 1) * n]
    }

    /// Number of classes: the largest label plus one.
    pub fn n_classes(&self) -> usize {
        self.y.iter().max().map_or(0, |m| *m as usize + 1)
    }

    /// The samples at `indices`, in that order.
    pub fn subset(&self, indices: &[usize]) -> Self {
        let mut x = Vec::with_capacity(indices.len() * self.sample_len());
        for &i in indices {
            x.extend_from_slice(self.sample(i));
        }
        Self {
            x,
            shape: self.shape.clone(),
            y: indices.iter().map(|&i| self.y[i]).collect(),
        }
    }

    /// Stratified random split: about `val_fraction` of each class goes to the second set.
    pub fn split_stratified(&self, val_fraction: f64, seed: u64) -> (Self, Self) {
        let (train, val) = self.stratified_indices(val_fraction, seed);
        (self.subset(&train), self.subset(&val))
    }

    /// The sample indices [`split_stratified`](Self::split_stratified) puts in training and
    /// in validation, each ascending.
    pub fn stratified_indices(&self, val_fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (mut train, mut val) = (Vec::new(), Vec::new());
        for class in 0..self.n_classes() as u32 {
            let mut idx: Vec<usize> = (0..self.len()).filter(|&i| self.y[i] == class).collect();
            idx.shuffle(&mut rng);
            let n_val = (idx.len() as f64 * val_fraction).round() as usize;
            val.extend_from_slice(&idx[..n_val]);
            train.extend_from_slice(&idx[n_val..]);
        }
        train.sort_unstable();
        val.sort_unstable();
        (train, val)
    }

    /// Sample indices grouped into batches of at most `batch_size`; shuffled when `seed` is
    /// given (the same seed gives the same batches).
    pub fn batch_indices(&self, batch_size: usize, seed: Option<u64>) -> Vec<Vec<usize>> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        if let Some(seed) = seed {
            order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
        }
        order
            .chunks(batch_size.max(1))
            .map(<[usize]>::to_vec)
            .collect()
    }

    /// The values of the samples at `indices`, sample after sample.
    pub fn batch_values(&self, indices: &[usize]) -> Vec<f32> {
        let mut buf = Vec::with_capacity(indices.len() * self.sample_len());
        for &i in indices {
            buf.extend_from_slice(self.sample(i));
        }
        buf
    }

    /// The samples at `indices` as one `[n, prod(shape)]` tensor (a single allocation).
    pub fn batch_x(&self, indices: &[usize], device: &Device) -> Tensor<2> {
        let buf = self.batch_values(indices);
        Tensor::from_data(TensorData::new(buf, [indices.len(), self.sample_len()]), device)
    }

    /// The labels at `indices` as an integer tensor.
    pub fn batch_y(&self, indices: &[usize], device: &Device) -> Tensor<1, Int> {
        let y: Vec<i64> = indices.iter().map(|&i| self.y[i] as i64).collect();
        Tensor::from_data(TensorData::new(y, [indices.len()]), device)
    }
}

/// Rows `[start, end)` of a flat sample buffer as one `[end - start, sample_len]` tensor.
pub(crate) fn rows_tensor(
    x: &[f32],
    sample_len: usize,
    start: usize,
    end: usize,
    device: &Device,
) -> Tensor<2> {
    let data = x[start * sample_len..end * sample_len].to_vec();
    Tensor::from_data(TensorData::new(data, [end - start, sample_len]), device)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> TensorDataset {
        let y: Vec<u32> = (0..10).map(|i| (i % 2) as u32).collect();
        let x: Vec<f32> = (0..20).map(|v| v as f32).collect();
        TensorDataset::new(x, vec![2], y).unwrap()
    }

    #[test]
    fn rejects_inconsistent_lengths() {
        assert!(TensorDataset::new(vec![0.0; 5], vec![2], vec![0, 1]).is_err());
        assert!(TensorDataset::new(vec![], vec![0], vec![]).is_err());
    }

    #[test]
    fn batches_cover_every_sample_once_and_follow_the_seed() {
        let ds = toy();
        let a = ds.batch_indices(3, Some(7));
        assert_eq!(a.len(), 4);
        let mut all: Vec<usize> = a.concat();
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(a, ds.batch_indices(3, Some(7)));
        assert_ne!(a, ds.batch_indices(3, Some(8)));
    }

    #[test]
    fn batch_tensor_gathers_rows() {
        let ds = toy();
        let t = ds.batch_x(&[3, 0], &Device::default());
        assert_eq!(t.dims(), [2, 2]);
        let v: Vec<f32> = t.into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(v, vec![6.0, 7.0, 0.0, 1.0]);
    }

    #[test]
    fn stratified_split_keeps_class_balance() {
        let ds = toy();
        let (train, val) = ds.split_stratified(0.4, 1);
        assert_eq!(train.len() + val.len(), 10);
        assert_eq!(val.y.iter().filter(|&&c| c == 0).count(), 2);
        assert_eq!(val.y.iter().filter(|&&c| c == 1).count(), 2);
    }
}
