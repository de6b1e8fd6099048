//! Knowledge distillation (Hinton et al. 2015): a student network learns from a teacher's
//! class probabilities (for instance a deep ensemble's mean) beside the reference labels.
//!
//! The loss is `(1 - weight) * CE(labels) + weight * T^2 * CE(q_T, softmax(z / T))`, with
//! `q_T` the teacher's probabilities re-tempered to `T` (`softmax(log p / T)`) and `z` the
//! student's logits; the `T^2` keeps the soft term's gradients on the hard term's scale.

use burn::tensor::activation::log_softmax;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::error::TrainError;

/// How strongly and at what temperature the student follows the teacher.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DistillSettings {
    /// Softening temperature `T` (> 0; 1 keeps the teacher's probabilities).
    pub temperature: f32,
    /// Weight of the teacher's term in `[0, 1]` (0 = labels only, 1 = teacher only).
    pub weight: f32,
}

impl Default for DistillSettings {
    fn default() -> Self {
        Self { temperature: 2.0, weight: 0.7 }
    }
}

impl DistillSettings {
    /// Checks the ranges.
    pub fn validate(&self) -> Result<(), TrainError> {
        if !(self.temperature > 0.0 && self.temperature.is_finite()) {
            return Err(TrainError::Config(format!("distillation temperature {} must be > 0", self.temperature)));
        }
        if !(0.0..=1.0).contains(&self.weight) {
            return Err(TrainError::Config(format!("distillation weight {} must be in [0, 1]", self.weight)));
        }
        Ok(())
    }
}

/// A teacher's tempered probabilities for every training sample, row by row.
#[derive(Clone, Debug)]
pub struct Teacher {
    targets: Vec<f32>,
    n_classes: usize,
    settings: DistillSettings,
}

impl Teacher {
    /// Tempers `probabilities` (`n_samples` rows of `n_classes`, each summing to about 1).
    ///
    /// ```
    /// use terradl_train::distill::{DistillSettings, Teacher};
    /// let t = Teacher::new(&[0.9, 0.1, 0.5, 0.5], 2, DistillSettings { temperature: 2.0, weight: 0.5 }).unwrap();
    /// let row = t.rows(&[0]);
    /// assert!((row[0] - 0.75).abs() < 1e-6 && (row[1] - 0.25).abs() < 1e-6); // 3 : 1 = sqrt(9 : 1)
    /// ```
    pub fn new(probabilities: &[f32], n_classes: usize, settings: DistillSettings) -> Result<Self, TrainError> {
        settings.validate()?;
        if n_classes == 0 || !probabilities.len().is_multiple_of(n_classes) {
            return Err(TrainError::Data(format!(
                "{} teacher probabilities do not make rows of {n_classes} classes",
                probabilities.len()
            )));
        }
        if let Some(bad) = probabilities.iter().position(|p| !p.is_finite() || *p < 0.0) {
            return Err(TrainError::Data(format!(
                "teacher probability {} of sample {} is not a probability",
                probabilities[bad],
                bad / n_classes
            )));
        }
        let inv_t = 1.0 / settings.temperature;
        let mut targets = Vec::with_capacity(probabilities.len());
        for row in probabilities.chunks_exact(n_classes) {
            let logs: Vec<f32> = row.iter().map(|p| p.max(1e-8).ln() * inv_t).collect();
            let max = logs.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let exp: Vec<f32> = logs.iter().map(|l| (l - max).exp()).collect();
            let sum: f32 = exp.iter().sum();
            targets.extend(exp.iter().map(|e| e / sum));
        }
        Ok(Self { targets, n_classes, settings })
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.targets.len() / self.n_classes
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// The distillation settings.
    pub fn settings(&self) -> &DistillSettings {
        &self.settings
    }

    /// The tempered targets of the samples at `indices`, row by row.
    pub fn rows(&self, indices: &[usize]) -> Vec<f32> {
        let k = self.n_classes;
        indices.iter().flat_map(|&i| self.targets[i * k..(i + 1) * k].iter().copied()).collect()
    }

    /// The teacher restricted to the samples at `indices`, in that order.
    pub fn subset(&self, indices: &[usize]) -> Self {
        Self { targets: self.rows(indices), n_classes: self.n_classes, settings: self.settings.clone() }
    }

    /// Soft term of the loss for a batch: `T^2 * mean_i CE(targets_i, softmax(logits_i / T))`,
    /// `targets` from [`rows`](Self::rows) (possibly mixed).
    pub fn soft_loss(&self, logits: Tensor<2>, targets: Vec<f32>, device: &Device) -> Tensor<1> {
        let [n, k] = logits.dims();
        let t = self.settings.temperature;
        let q = Tensor::<2>::from_data(TensorData::new(targets, [n, k]), device);
        let log_p = log_softmax(logits.div_scalar(t), 1);
        q.mul(log_p).sum_dim(1).mean().neg().mul_scalar(t * t)
    }
}

/// A synthetic transfer set (Bucila et al. 2006, "Model compression"): `copies` blends of
/// every sample with a random partner, `lambda * x_i + (1 - lambda) * x_j` with
/// `lambda ~ Beta(alpha, alpha)` folded to `>= 0.5`, labelled with sample `i`'s class. The
/// teacher labels them softly, so the student sees the teacher's function between the
/// training samples, not only at them. Returns the blends (after nothing else) and labels.
///
/// ```
/// use terradl_train::distill::transfer_set;
/// let (x, y) = transfer_set(&[0.0, 0.0, 1.0, 1.0], 2, &[0, 1], 3, 0.4, 7).unwrap();
/// assert_eq!((x.len(), y), (12, vec![0, 1, 0, 1, 0, 1]));
/// assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
/// ```
pub fn transfer_set(
    x: &[f32],
    n_features: usize,
    y: &[u32],
    copies: usize,
    alpha: f32,
    seed: u64,
) -> Result<(Vec<f32>, Vec<u32>), TrainError> {
    if !(alpha > 0.0 && alpha.is_finite()) {
        return Err(TrainError::Config(format!("transfer-set alpha {alpha} must be > 0")));
    }
    let n = y.len();
    if n_features == 0 || x.len() != n * n_features {
        return Err(TrainError::Data(format!("{} values are not {n} samples of {n_features} features", x.len())));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut out, mut labels) = (Vec::with_capacity(copies * x.len()), Vec::with_capacity(copies * n));
    for _ in 0..copies {
        for (i, &label) in y.iter().enumerate() {
            let j = rng.random_range(0..n);
            let l = crate::augment::beta(&mut rng, alpha);
            let l = l.max(1.0 - l);
            let (a, b) = (&x[i * n_features..(i + 1) * n_features], &x[j * n_features..(j + 1) * n_features]);
            out.extend(a.iter().zip(b).map(|(p, q)| l * p + (1.0 - l) * q));
            labels.push(label);
        }
    }
    Ok((out, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_settings_and_ragged_probabilities() {
        let ok = DistillSettings::default();
        assert!(Teacher::new(&[0.5, 0.5, 1.0], 2, ok.clone()).is_err());
        assert!(Teacher::new(&[0.5, f32::NAN], 2, ok).is_err());
        assert!(Teacher::new(&[0.5, 0.5], 2, DistillSettings { temperature: 0.0, weight: 0.5 }).is_err());
        assert!(Teacher::new(&[0.5, 0.5], 2, DistillSettings { temperature: 1.0, weight: 1.5 }).is_err());
    }

    #[test]
    fn soft_loss_is_smallest_when_the_student_matches_the_teacher() {
        let device = Device::default();
        let p = [0.7f32, 0.2, 0.1];
        let teacher = Teacher::new(&p, 3, DistillSettings { temperature: 1.0, weight: 1.0 }).unwrap();
        let loss = |z: [f32; 3]| {
            let logits = Tensor::<2>::from_data(TensorData::new(z.to_vec(), [1, 3]), &device);
            teacher.soft_loss(logits, teacher.rows(&[0]), &device).into_scalar::<f32>()
        };
        let matched = loss([0.7f32.ln(), 0.2f32.ln(), 0.1f32.ln()]);
        let entropy: f32 = -p.iter().map(|q| q * q.ln()).sum::<f32>();
        assert!((matched - entropy).abs() < 1e-5, "{matched} vs the teacher's entropy {entropy}");
        assert!(loss([0.0, 0.0, 0.0]) > matched + 0.05);
        assert!(loss([-1.0, 2.0, 0.0]) > matched + 0.5);
    }

    #[test]
    fn transfer_set_blends_each_sample_mostly_with_itself() {
        // Sample i is the constant series i; a blend of i with j (weight >= 0.5 on i) lies in
        // [i, (i + j) / 2] and is labelled i.
        let (n, f) = (20usize, 4usize);
        let x: Vec<f32> = (0..n).flat_map(|i| std::iter::repeat_n(i as f32, f)).collect();
        let y: Vec<u32> = (0..n as u32).collect();
        let (tx, ty) = transfer_set(&x, f, &y, 5, 0.4, 1).unwrap();
        assert_eq!((tx.len(), ty.len()), (5 * n * f, 5 * n));
        let mut moved = 0;
        for (s, &label) in tx.chunks(f).zip(&ty) {
            assert!(s.iter().all(|v| (v - s[0]).abs() < 1e-5), "one lambda per sample: {s:?}");
            let (i, v) = (label as f32, s[0]);
            assert!((v - i).abs() <= (n as f32 - 1.0) / 2.0 + 1e-4, "{v} too far from {i}");
            moved += usize::from((v - i).abs() > 0.05);
        }
        assert!(moved > n, "most blends leave the sample: {moved} of {}", 5 * n);
        assert_eq!(transfer_set(&x, f, &y, 5, 0.4, 1).unwrap().0, tx, "seeded");
        assert!(transfer_set(&x, f, &y, 1, 0.0, 1).is_err());
        assert!(transfer_set(&x[1..], f, &y, 1, 0.4, 1).is_err());
    }

    #[test]
    fn subset_keeps_rows_in_order() {
        let t = Teacher::new(&[1.0, 0.0, 0.0, 1.0, 0.5, 0.5], 2, DistillSettings { temperature: 1.0, weight: 0.5 }).unwrap();
        let s = t.subset(&[2, 0]);
        assert_eq!(s.len(), 2);
        assert!((s.rows(&[0])[0] - 0.5).abs() < 1e-6 && s.rows(&[1])[0] > 0.99);
    }
}
