//! Generated classification problems for the tests.
#![allow(dead_code)]

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use terradl_train::TensorDataset;

fn normal(rng: &mut ChaCha8Rng) -> f32 {
    // Box-Muller.
    let u1: f32 = rng.random_range(1e-7..1.0);
    let u2: f32 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f32::consts::PI * u2).cos()
}

/// Gaussian blobs: `k` classes, centres 3 standard deviations apart on a per-class axis.
pub(crate) fn blobs(n_per_class: usize, n_features: usize, k: usize, seed: u64) -> TensorDataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for i in 0..n_per_class * k {
        let c = i % k;
        for f in 0..n_features {
            let centre = if f % k == c { 3.0 } else { 0.0 };
            x.push(centre + normal(&mut rng) + 10.0 * f as f32); // offsets exercise normalisation
        }
        y.push(c as u32);
    }
    TensorDataset::new(x, vec![n_features], y).unwrap()
}

/// Time series `[T, C]`: class `c` peaks (a Gaussian bump, like a crop's NDVI curve) at a
/// class-specific date, with noise; the series of different classes share mean and range.
pub(crate) fn phenology(
    n_per_class: usize,
    t: usize,
    channels: usize,
    k: usize,
    seed: u64,
) -> TensorDataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for i in 0..n_per_class * k {
        let c = i % k;
        let peak = (c as f32 + 0.5) * t as f32 / k as f32 + rng.random_range(-1.0..1.0);
        for step in 0..t {
            for ch in 0..channels {
                let bump = (-((step as f32 - peak).powi(2)) / 8.0).exp();
                x.push(bump * (1.0 + ch as f32 * 0.5) + 0.15 * normal(&mut rng));
            }
        }
        y.push(c as u32);
    }
    TensorDataset::new(x, vec![t, channels], y).unwrap()
}

/// Fraction of equal labels.
pub(crate) fn accuracy(pred: &[u32], truth: &[u32]) -> f32 {
    pred.iter().zip(truth).filter(|(a, b)| a == b).count() as f32 / truth.len() as f32
}
