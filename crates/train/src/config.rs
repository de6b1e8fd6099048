//! Training hyper-parameters.

use burn::config::Config;
use serde::{Deserialize, Serialize};

use crate::augment::Augmentation;
use crate::error::TrainError;

/// Learning-rate schedule, evaluated once per epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LrSchedule {
    /// The base learning rate throughout.
    Constant,
    /// Cosine annealing from the base rate to `min_lr` over all epochs.
    Cosine {
        /// Learning rate reached at the last epoch.
        min_lr: f64,
    },
    /// One-cycle policy (Smith & Topin 2019), per epoch: cosine warm-up from `lr / 25` to the
    /// base rate over the first `warmup_fraction` of the epochs, then cosine annealing to
    /// `lr / 25 / 1e4` at the last epoch (PyTorch `OneCycleLR`'s defaults).
    OneCycle {
        /// Share of the epochs spent warming up (0.3 in PyTorch).
        warmup_fraction: f64,
    },
    /// Multiply the rate by `gamma` every `step_epochs` epochs.
    Step {
        /// Epochs between decays.
        step_epochs: usize,
        /// Decay factor.
        gamma: f64,
    },
}

impl LrSchedule {
    /// Learning rate for `epoch` (0-based) of `epochs`, from base rate `lr`.
    pub fn rate(&self, lr: f64, epoch: usize, epochs: usize) -> f64 {
        match self {
            LrSchedule::Constant => lr,
            LrSchedule::Cosine { min_lr } => {
                let span = epochs.saturating_sub(1).max(1) as f64;
                let t = (epoch as f64 / span).min(1.0);
                min_lr + 0.5 * (lr - min_lr) * (1.0 + (std::f64::consts::PI * t).cos())
            }
            LrSchedule::OneCycle { warmup_fraction } => {
                let (start, end) = (lr / 25.0, lr / 25.0 / 1e4);
                let last = epochs.saturating_sub(1).max(1) as f64;
                let peak = (warmup_fraction.clamp(0.0, 1.0) * last).max(1.0);
                let e = epoch as f64;
                let cos = |from: f64, to: f64, t: f64| to + 0.5 * (from - to) * (1.0 + (std::f64::consts::PI * t.clamp(0.0, 1.0)).cos());
                if e < peak { cos(start, lr, e / peak) } else { cos(lr, end, (e - peak) / (last - peak).max(1.0)) }
            }
            LrSchedule::Step { step_epochs, gamma } => {
                lr * gamma.powi((epoch / (*step_epochs).max(1)) as i32)
            }
        }
    }
}

/// How classes are weighted in the cross-entropy loss.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ClassWeighting {
    /// Every class weighs 1.
    Uniform,
    /// Inverse class frequency in the training set, normalised to mean 1
    /// (`n / (k * count_c)`, as scikit-learn's `"balanced"`).
    Balanced,
    /// Explicit weights, one per class.
    Custom(Vec<f32>),
}

impl ClassWeighting {
    /// Weights for `n_classes` classes given training labels, or `None` for uniform.
    pub fn weights(
        &self,
        labels: &[u32],
        n_classes: usize,
    ) -> Result<Option<Vec<f32>>, TrainError> {
        match self {
            ClassWeighting::Uniform => Ok(None),
            ClassWeighting::Balanced => {
                let mut counts = vec![0usize; n_classes];
                for &y in labels {
                    counts[y as usize] += 1;
                }
                let n = labels.len() as f32;
                Ok(Some(
                    counts
                        .iter()
                        .map(|&c| {
                            if c == 0 {
                                0.0
                            } else {
                                n / (n_classes as f32 * c as f32)
                            }
                        })
                        .collect(),
                ))
            }
            ClassWeighting::Custom(w) => {
                if w.len() != n_classes || w.iter().any(|v| !v.is_finite() || *v < 0.0) {
                    return Err(TrainError::Config(format!(
                        "{} class weights for {n_classes} classes (need one finite weight >= 0 each)",
                        w.len()
                    )));
                }
                Ok(Some(w.clone()))
            }
        }
    }
}

/// Hyper-parameters of [`fit`](crate::fit).
#[derive(Config, Debug)]
pub struct TrainConfig {
    /// Maximum number of epochs.
    #[config(default = 50)]
    pub epochs: usize,
    /// Samples per mini-batch.
    #[config(default = 64)]
    pub batch_size: usize,
    /// Base learning rate (AdamW).
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    /// Decoupled weight decay (AdamW).
    #[config(default = 1e-4)]
    pub weight_decay: f32,
    /// Seed for weight initialisation, shuffling and dropout.
    #[config(default = 42)]
    pub seed: u64,
    /// Stop after this many epochs without a lower validation loss; 0 disables early stopping.
    #[config(default = 10)]
    pub patience: usize,
    /// Class weights in the loss.
    #[config(default = "ClassWeighting::Uniform")]
    pub class_weights: ClassWeighting,
    /// Learning-rate schedule.
    #[config(default = "LrSchedule::Constant")]
    pub lr_schedule: LrSchedule,
    /// Label smoothing of the cross-entropy targets (0 = none, e.g. 0.1).
    #[config(default = 0.0)]
    pub label_smoothing: f32,
    /// Augmentation of the training batches.
    #[config(default = "Augmentation::default()")]
    pub augment: Augmentation,
    /// Stochastic weight averaging: return the mean of the weights after each of the last
    /// `average_last` epochs instead of one epoch's (0 = off; needs `patience = 0`).
    #[config(default = 0)]
    pub average_last: usize,
}

/// Reads a [`TrainConfig`] from a table that names only some of its fields (the rest take
/// [`TrainConfig::new`]'s defaults), for `#[serde(deserialize_with = ...)]` on pipeline
/// configs: burn's derived `Deserialize` requires every field. Unknown fields are an error.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Model {
///     #[serde(deserialize_with = "terradl_train::deserialize_partial")]
///     train: terradl_train::TrainConfig,
/// }
/// let m: Model = toml::from_str("[train]\nepochs = 3").unwrap();
/// assert_eq!((m.train.epochs, m.train.batch_size), (3, 64));
/// ```
pub fn deserialize_partial<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<TrainConfig, D::Error> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Partial {
        epochs: Option<usize>,
        batch_size: Option<usize>,
        learning_rate: Option<f64>,
        weight_decay: Option<f32>,
        seed: Option<u64>,
        patience: Option<usize>,
        class_weights: Option<ClassWeighting>,
        lr_schedule: Option<LrSchedule>,
        label_smoothing: Option<f32>,
        augment: Option<Augmentation>,
        average_last: Option<usize>,
    }
    let p = Partial::deserialize(deserializer)?;
    let d = TrainConfig::new();
    Ok(TrainConfig {
        epochs: p.epochs.unwrap_or(d.epochs),
        batch_size: p.batch_size.unwrap_or(d.batch_size),
        learning_rate: p.learning_rate.unwrap_or(d.learning_rate),
        weight_decay: p.weight_decay.unwrap_or(d.weight_decay),
        seed: p.seed.unwrap_or(d.seed),
        patience: p.patience.unwrap_or(d.patience),
        class_weights: p.class_weights.unwrap_or(d.class_weights),
        lr_schedule: p.lr_schedule.unwrap_or(d.lr_schedule),
        label_smoothing: p.label_smoothing.unwrap_or(d.label_smoothing),
        augment: p.augment.unwrap_or(d.augment),
        average_last: p.average_last.unwrap_or(d.average_last),
    })
}

impl TrainConfig {
    /// Checks ranges before training.
    pub fn validate(&self) -> Result<(), TrainError> {
        if self.epochs == 0 || self.batch_size == 0 {
            return Err(TrainError::Config(
                "epochs and batch_size must be > 0".into(),
            ));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(TrainError::Config(format!(
                "learning rate {}",
                self.learning_rate
            )));
        }
        if !(self.weight_decay >= 0.0 && self.weight_decay.is_finite()) {
            return Err(TrainError::Config(format!(
                "weight decay {}",
                self.weight_decay
            )));
        }
        if !(0.0..1.0).contains(&self.label_smoothing) {
            return Err(TrainError::Config(format!(
                "label smoothing {} must be in [0, 1)",
                self.label_smoothing
            )));
        }
        if self.average_last > 0 && self.patience > 0 {
            return Err(TrainError::Config(format!(
                "average_last = {} averages the last epochs, early stopping keeps one: set patience = 0",
                self.average_last
            )));
        }
        self.augment.validate()
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct WithTrain {
        #[serde(deserialize_with = "super::deserialize_partial")]
        train: super::TrainConfig,
    }

    #[test]
    fn partial_train_table_takes_defaults_and_rejects_unknown_fields() {
        let w: WithTrain = toml::from_str("[train]\nepochs = 3\nlearning_rate = 0.01").unwrap();
        let d = super::TrainConfig::new();
        assert_eq!((w.train.epochs, w.train.learning_rate), (3, 0.01));
        assert_eq!((w.train.batch_size, w.train.seed, w.train.patience), (d.batch_size, d.seed, d.patience));
        let err = toml::from_str::<WithTrain>("[train]\nepoch = 3").err().expect("typo must fail").to_string();
        assert!(err.contains("epoch"), "{err}");
    }

    use super::*;

    #[test]
    fn one_cycle_warms_up_then_anneals() {
        let s = LrSchedule::OneCycle { warmup_fraction: 0.3 };
        let r: Vec<f64> = (0..61).map(|e| s.rate(3e-3, e, 61)).collect();
        assert!((r[0] - 3e-3 / 25.0).abs() < 1e-12);
        assert!((r[18] - 3e-3).abs() < 1e-12, "peak at 30% of the epochs");
        assert!(r[..18].windows(2).all(|w| w[0] < w[1]) && r[18..].windows(2).all(|w| w[0] > w[1]));
        assert!((r[60] - 3e-3 / 25.0 / 1e4).abs() < 1e-12);
    }

    #[test]
    fn cosine_goes_from_base_to_min() {
        let s = LrSchedule::Cosine { min_lr: 1e-5 };
        assert!((s.rate(1e-3, 0, 11) - 1e-3).abs() < 1e-12);
        assert!((s.rate(1e-3, 10, 11) - 1e-5).abs() < 1e-12);
        let mid = s.rate(1e-3, 5, 11);
        assert!((mid - (1e-5 + 0.5 * (1e-3 - 1e-5))).abs() < 1e-12);
    }

    #[test]
    fn step_decays_every_n_epochs() {
        let s = LrSchedule::Step {
            step_epochs: 3,
            gamma: 0.1,
        };
        assert_eq!(s.rate(1.0, 2, 10), 1.0);
        assert!((s.rate(1.0, 3, 10) - 0.1).abs() < 1e-12);
        assert!((s.rate(1.0, 7, 10) - 0.01).abs() < 1e-12);
    }

    #[test]
    fn balanced_weights_are_inverse_frequency() {
        let w = ClassWeighting::Balanced
            .weights(&[0, 0, 0, 1], 2)
            .unwrap()
            .unwrap();
        assert!((w[0] - 4.0 / 6.0).abs() < 1e-6 && (w[1] - 2.0).abs() < 1e-6);
        assert!(
            ClassWeighting::Custom(vec![1.0])
                .weights(&[0, 1], 2)
                .is_err()
        );
    }

    #[test]
    fn config_round_trips_through_json() {
        let c = TrainConfig::new()
            .with_lr_schedule(LrSchedule::Cosine { min_lr: 1e-6 })
            .with_class_weights(ClassWeighting::Custom(vec![1.0, 2.0]));
        let json = serde_json::to_string(&c).unwrap();
        let back: TrainConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back.lr_schedule, c.lr_schedule);
        assert_eq!(back.class_weights, c.class_weights);
        assert!(TrainConfig::new().with_epochs(0).validate().is_err());
        let swa = TrainConfig::new().with_average_last(5);
        assert!(swa.validate().unwrap_err().to_string().contains("patience"));
        assert!(swa.with_patience(0).validate().is_ok());
    }
}
