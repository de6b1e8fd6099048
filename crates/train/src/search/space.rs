//! The hyper-parameter and model-structure space of a search, and the
//! configurations drawn from it.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::error::TrainError;
use crate::lulc::patch_cnn::PatchCnnSettings;
use crate::pixel::MlpPixelConfig;
use crate::temporal::{TempCnnSettings, TemporalTraining};

/// Ranges to draw from. Learning rate is log-uniform, dropout uniform, batch size,
/// layer width and patch size are choices, depth (number of hidden layers) is a
/// uniform integer in `[min, max]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchSpace {
    /// `[min, max]` of the learning rate (log-uniform).
    pub learning_rate: [f64; 2],
    /// Batch sizes to choose from.
    pub batch_size: Vec<usize>,
    /// `[min, max]` number of hidden layers.
    pub depth: [usize; 2],
    /// Widths to choose from, drawn independently for every hidden layer.
    pub width: Vec<usize>,
    /// `[min, max]` dropout probability (uniform).
    pub dropout: [f64; 2],
    /// Patch sizes to choose from (patch models only; empty: not searched).
    #[serde(default)]
    pub patch_size: Vec<usize>,
}

impl Default for SearchSpace {
    fn default() -> Self {
        SearchSpace {
            learning_rate: [1e-4, 1e-2],
            batch_size: vec![32, 64, 128],
            depth: [1, 3],
            width: vec![32, 64, 128],
            dropout: [0.0, 0.5],
            patch_size: Vec::new(),
        }
    }
}

/// One configuration drawn from a [`SearchSpace`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// Index in draw order (0-based).
    pub id: usize,
    /// Learning rate.
    pub learning_rate: f64,
    /// Mini-batch size.
    pub batch_size: usize,
    /// Hidden layer widths (the depth is their number).
    pub hidden: Vec<usize>,
    /// Dropout probability.
    pub dropout: f64,
    /// Patch side for patch models; `None` for per-pixel models.
    pub patch_size: Option<usize>,
    /// Seed for the training run of this trial (weights, shuffling, dropout).
    pub seed: u64,
}

impl SearchSpace {
    /// Errors on empty choices or inverted / out-of-range bounds.
    pub fn validate(&self) -> Result<(), TrainError> {
        let bad = |m: &str| Err(TrainError::Config(format!("search space: {m}")));
        let [lo, hi] = self.learning_rate;
        if !(lo > 0.0 && hi >= lo && hi.is_finite()) {
            return bad("learning_rate must be [min, max] with 0 < min <= max");
        }
        if self.batch_size.is_empty() || self.batch_size.contains(&0) {
            return bad("batch_size needs at least one positive value");
        }
        if self.depth[0] > self.depth[1] || self.depth[1] > 16 {
            return bad("depth must be [min, max] with min <= max <= 16");
        }
        if self.depth[1] > 0 && (self.width.is_empty() || self.width.contains(&0)) {
            return bad("width needs at least one positive value");
        }
        let [d0, d1] = self.dropout;
        if !(0.0..1.0).contains(&d0) || !(0.0..1.0).contains(&d1) || d0 > d1 {
            return bad("dropout must be [min, max] within [0, 1)");
        }
        if self.patch_size.contains(&0) {
            return bad("patch_size values must be positive");
        }
        Ok(())
    }

    /// Draw trial `id` with `rng`.
    pub fn sample(&self, id: usize, rng: &mut ChaCha8Rng) -> Trial {
        let [lo, hi] = self.learning_rate;
        let learning_rate = if hi > lo { (rng.random_range(lo.ln()..hi.ln())).exp() } else { lo };
        let batch_size = self.batch_size[rng.random_range(0..self.batch_size.len())];
        let depth = rng.random_range(self.depth[0]..=self.depth[1]);
        let hidden = (0..depth).map(|_| self.width[rng.random_range(0..self.width.len())]).collect();
        let [d0, d1] = self.dropout;
        let dropout = if d1 > d0 { rng.random_range(d0..d1) } else { d0 };
        let patch_size = (!self.patch_size.is_empty()).then(|| self.patch_size[rng.random_range(0..self.patch_size.len())]);
        // Below 2^31 so that the seed survives TOML (signed 64-bit integers) and JSON.
        let seed = u64::from(rng.random::<u32>() >> 1);
        Trial { id, learning_rate, batch_size, hidden, dropout, patch_size, seed }
    }
}

impl Trial {
    /// The pixel-MLP configuration of this trial, trained for `epochs` epochs without
    /// early stopping (the search sets the training length), on top of `base`.
    pub fn mlp_config(&self, base: &MlpPixelConfig, epochs: usize) -> MlpPixelConfig {
        MlpPixelConfig {
            hidden: self.hidden.clone(),
            dropout: self.dropout,
            train: TrainConfig {
                epochs,
                batch_size: self.batch_size,
                learning_rate: self.learning_rate,
                seed: self.seed,
                patience: 0,
                ..base.train.clone()
            },
            val_fraction: 0.0,
        }
    }

    /// The patch-CNN settings of this trial: patch side `patch_size` (16 when not
    /// searched), conv filters = the hidden widths, trained `epochs` epochs without early
    /// stopping or augmentation, on top of `base`.
    pub fn patch_cnn_settings(&self, base: &PatchCnnSettings, epochs: usize) -> PatchCnnSettings {
        PatchCnnSettings {
            patch: self.patch_size.unwrap_or(16),
            filters: self.hidden.clone(),
            dropout: self.dropout,
            val_fraction: 0.0,
            augment: false,
            train: TrainConfig {
                epochs,
                batch_size: self.batch_size,
                learning_rate: self.learning_rate,
                seed: self.seed,
                patience: 0,
                ..base.train.clone()
            },
        }
    }

    /// The TempCNN settings of this trial: the first width is the filters of the three
    /// convolutions, the second (if any) the dense layer's width (else 4 x filters); trained
    /// `epochs` epochs with the one-cycle schedule of `base` (no early stopping, no internal
    /// validation split: the search's own validation samples score it).
    pub fn tempcnn_settings(&self, base: &TempCnnSettings, epochs: usize) -> TempCnnSettings {
        let filters = self.hidden.first().copied().unwrap_or(base.filters);
        TempCnnSettings {
            filters,
            hidden: self.hidden.get(1).copied().unwrap_or(4 * filters),
            dropout: self.dropout,
            train: TemporalTraining {
                epochs,
                batch_size: self.batch_size,
                learning_rate: self.learning_rate,
                seed: self.seed,
                patience: 0,
                val_fraction: 0.0,
                ..base.train.clone()
            },
            ..base.clone()
        }
    }

    /// `a-b-c` widths, or `none` for a linear model.
    pub fn hidden_label(&self) -> String {
        if self.hidden.is_empty() {
            "none".into()
        } else {
            self.hidden.iter().map(|w| w.to_string()).collect::<Vec<_>>().join("-")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn samples_stay_in_the_space() {
        let space = SearchSpace { patch_size: vec![5, 9], ..SearchSpace::default() };
        space.validate().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for i in 0..200 {
            let t = space.sample(i, &mut rng);
            assert!((1e-4..=1e-2).contains(&t.learning_rate));
            assert!(space.batch_size.contains(&t.batch_size));
            assert!((1..=3).contains(&t.hidden.len()));
            assert!(t.hidden.iter().all(|w| space.width.contains(w)));
            assert!((0.0..0.5).contains(&t.dropout));
            assert!(matches!(t.patch_size, Some(5) | Some(9)));
            assert!(t.seed < 1 << 31);
        }
    }

    #[test]
    fn invalid_spaces() {
        let d = SearchSpace::default();
        assert!(SearchSpace { learning_rate: [0.0, 1.0], ..d.clone() }.validate().is_err());
        assert!(SearchSpace { batch_size: vec![], ..d.clone() }.validate().is_err());
        assert!(SearchSpace { depth: [3, 1], ..d.clone() }.validate().is_err());
        assert!(SearchSpace { dropout: [0.2, 1.0], ..d.clone() }.validate().is_err());
        assert!(SearchSpace { width: vec![], ..d }.validate().is_err());
    }
}
