//! A [`PatchCnn`] that classifies the centre pixel of square windows cut from an
//! [`ImageStack`]: training on labelled centres, prediction for any centres.

use std::path::Path;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use terradl_models::saved::ModelKind;
use terradl_models::{PatchCnn, PatchCnnConfig};

use super::stack::ImageStack;
use crate::config::TrainConfig;
use crate::dataset::TensorDataset;
use crate::error::TrainError;
use crate::fit::{FitOptions, fit};
use crate::history::History;
use crate::inference::{ClassProbabilities, predict_proba};
use crate::model_dir::{load_weights, read_header, save_weights, write_header};

/// Settings of a [`PatchClassifier`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PatchCnnSettings {
    /// Patch side in pixels (at least 8).
    pub patch: usize,
    /// Output channels of the conv blocks.
    pub filters: Vec<usize>,
    /// Dropout before the classifier.
    pub dropout: f64,
    /// Fraction of the training centres held out (stratified) for early stopping.
    pub val_fraction: f64,
    /// Add the 7 other flips/rotations of every training patch (8x the samples).
    pub augment: bool,
    /// Training hyper-parameters (a table may name only some; see
    /// [`deserialize_partial`](crate::deserialize_partial)).
    #[serde(deserialize_with = "crate::config::deserialize_partial")]
    pub train: TrainConfig,
}

impl Default for PatchCnnSettings {
    fn default() -> Self {
        Self {
            patch: 16,
            filters: vec![16, 32],
            dropout: 0.3,
            val_fraction: 0.15,
            augment: false,
            train: TrainConfig::new().with_epochs(8).with_patience(3),
        }
    }
}

/// Samples predicted per forward pass.
const PREDICT_BATCH: usize = 1024;

/// Weights file of a saved [`PatchClassifier`].
const WEIGHTS_FILE: &str = "patch_cnn.bpk";

/// The header's config of a saved [`PatchClassifier`]: everything but the weights.
#[derive(Serialize, Deserialize)]
struct SavedPatch {
    settings: PatchCnnSettings,
    channels: usize,
    n_classes: usize,
    history: History,
}

/// The 8 symmetries of the square applied to a `[c, s, s]` patch, appended to `out`.
fn dihedral_into(patch: &[f32], c: usize, s: usize, k: usize, out: &mut Vec<f32>) {
    for b in 0..c {
        let band = &patch[b * s * s..(b + 1) * s * s];
        for i in 0..s {
            for j in 0..s {
                let (mut r, mut q) = (i, j);
                if k & 4 != 0 {
                    q = s - 1 - q;
                }
                for _ in 0..(k & 3) {
                    (r, q) = (q, s - 1 - r);
                }
                out.push(band[r * s + q]);
            }
        }
    }
}

/// A patch CNN trained on windows centred on labelled pixels.
#[derive(Debug)]
pub struct PatchClassifier {
    settings: PatchCnnSettings,
    model: Option<PatchCnn>,
    channels: usize,
    n_classes: usize,
    history: History,
}

impl PatchClassifier {
    /// An untrained classifier.
    pub fn new(settings: PatchCnnSettings) -> Self {
        Self { settings, model: None, channels: 0, n_classes: 0, history: History::default() }
    }

    /// The settings.
    pub fn settings(&self) -> &PatchCnnSettings {
        &self.settings
    }

    /// Training history of the last fit.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Trains on patches of `image` centred on `centres` with classes `y` (`n_classes` in all).
    pub fn fit(
        &mut self,
        image: &ImageStack,
        centres: &[(usize, usize)],
        y: &[u32],
        n_classes: usize,
    ) -> Result<(), TrainError> {
        let s = &self.settings;
        if centres.len() != y.len() || centres.is_empty() {
            return Err(TrainError::Data(format!("{} patch centres for {} labels", centres.len(), y.len())));
        }
        if let Some(c) = y.iter().find(|&&c| c as usize >= n_classes) {
            return Err(TrainError::Data(format!("label {c} but only {n_classes} classes")));
        }
        let shape = vec![image.bands, s.patch, s.patch];
        let data = TensorDataset::new(image.patches(centres, s.patch), shape.clone(), y.to_vec())?;
        let (mut train, val) = if s.val_fraction > 0.0 {
            data.split_stratified(s.val_fraction, s.train.seed)
        } else {
            (data, TensorDataset { shape: shape.clone(), ..Default::default() })
        };
        if s.augment {
            let per = train.sample_len();
            let mut x = Vec::with_capacity(train.x.len() * 8);
            let mut yy = Vec::with_capacity(train.y.len() * 8);
            for i in 0..train.len() {
                for k in 0..8 {
                    dihedral_into(&train.x[i * per..(i + 1) * per], image.bands, s.patch, k, &mut x);
                    yy.push(train.y[i]);
                }
            }
            train = TensorDataset::new(x, shape, yy)?;
        }
        let config = PatchCnnConfig::new(image.bands, n_classes)
            .with_filters(s.filters.clone())
            .with_dropout(s.dropout);
        let fitted = fit(|d: &Device| config.init(d), &train, &val, &s.train, &FitOptions::default())?;
        self.model = Some(fitted.model);
        self.history = fitted.history;
        self.channels = image.bands;
        self.n_classes = n_classes;
        Ok(())
    }

    /// Class probabilities of the patches of `image` centred on `centres`.
    pub fn predict_proba(&self, image: &ImageStack, centres: &[(usize, usize)]) -> Result<ClassProbabilities, TrainError> {
        let Some(model) = &self.model else {
            return Err(TrainError::Data("patch CNN used before fit".into()));
        };
        if image.bands != self.channels {
            return Err(TrainError::Data(format!(
                "the patch CNN was trained on {} bands, the image has {}",
                self.channels, image.bands
            )));
        }
        let p = self.settings.patch;
        let shape = [image.bands, p, p];
        let mut values = Vec::with_capacity(centres.len() * self.n_classes);
        for chunk in centres.chunks(PREDICT_BATCH) {
            let x = image.patches(chunk, p);
            values.extend(predict_proba(model, &x, &shape, PREDICT_BATCH)?.values);
        }
        Ok(ClassProbabilities { n_classes: self.n_classes, values })
    }

    /// Number of input bands of the trained model (0 before fit).
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Number of classes of the trained model (0 before fit).
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// Writes the trained model into `dir` (created): the `patch_cnn` header (settings, band
    /// and class counts, history as its config) and `patch_cnn.bpk` (burn weights), each
    /// through a temporary file and a rename.
    pub fn save(&self, dir: &Path) -> Result<(), TrainError> {
        let Some(model) = &self.model else {
            return Err(TrainError::Data("patch CNN saved before fit".into()));
        };
        save_weights(model, dir, WEIGHTS_FILE)?;
        let saved = SavedPatch {
            settings: self.settings.clone(),
            channels: self.channels,
            n_classes: self.n_classes,
            history: self.history.clone(),
        };
        write_header(dir, ModelKind::PatchCnn, &saved, None)
    }

    /// Reads a model written by [`PatchClassifier::save`]; a directory without a header, of
    /// another format version or of another kind is a [`TrainError::Saved`].
    pub fn load(dir: &Path) -> Result<Self, TrainError> {
        let (_, saved): (_, SavedPatch) = read_header(dir, &[ModelKind::PatchCnn])?;
        let model = PatchCnnConfig::new(saved.channels, saved.n_classes)
            .with_filters(saved.settings.filters.clone())
            .with_dropout(saved.settings.dropout)
            .init(&terradl_models::compute_device());
        let model = load_weights(model, dir, WEIGHTS_FILE)?;
        Ok(Self {
            settings: saved.settings,
            model: Some(model),
            channels: saved.channels,
            n_classes: saved.n_classes,
            history: saved.history,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use terradl_models::saved::{ModelHeader, SavedModelError};

    /// A patch CNN fitted for one epoch on a 1-band 16 x 16 ramp.
    pub(crate) fn fitted() -> (PatchClassifier, ImageStack, Vec<(usize, usize)>) {
        let image = ImageStack::new((0..256).map(|v| (v % 16) as f32 / 16.0).collect(), 1, 16, 16).unwrap();
        let centres: Vec<(usize, usize)> = (0..8).map(|i| (4 + i, 2 + i)).collect();
        let y: Vec<u32> = (0..8).map(|i| (i % 2) as u32).collect();
        let settings = PatchCnnSettings {
            patch: 8,
            filters: vec![4],
            val_fraction: 0.0,
            train: TrainConfig::new().with_epochs(1).with_batch_size(4),
            ..Default::default()
        };
        let mut m = PatchClassifier::new(settings);
        m.fit(&image, &centres, &y, 2).unwrap();
        (m, image, centres)
    }

    #[test]
    fn save_load_round_trip_and_kind_check() {
        let (m, image, centres) = fitted();
        let dir = tempfile::tempdir().unwrap();
        m.save(dir.path()).unwrap();
        assert_eq!(ModelHeader::read(dir.path()).unwrap().kind, ModelKind::PatchCnn);
        let back = PatchClassifier::load(dir.path()).unwrap();
        assert_eq!((back.channels(), back.n_classes()), (1, 2));
        assert_eq!(back.predict_proba(&image, &centres).unwrap().values, m.predict_proba(&image, &centres).unwrap().values);

        let other = tempfile::tempdir().unwrap();
        ModelHeader::new(ModelKind::Ocnn, serde_json::Value::Null).write(other.path()).unwrap();
        let e = PatchClassifier::load(other.path()).unwrap_err();
        assert!(matches!(e, TrainError::Saved(SavedModelError::KindMismatch { found: ModelKind::Ocnn, .. })), "{e}");
        let empty = tempfile::tempdir().unwrap();
        let e = PatchClassifier::load(empty.path()).unwrap_err();
        assert!(matches!(e, TrainError::Saved(SavedModelError::MissingHeader { .. })), "{e}");
    }

    #[test]
    fn dihedral_group_has_eight_distinct_images() {
        let patch: Vec<f32> = (0..9).map(|v| v as f32).collect();
        let mut all = Vec::new();
        for k in 0..8 {
            let mut out = Vec::new();
            dihedral_into(&patch, 1, 3, k, &mut out);
            let mut sorted = out.clone();
            sorted.sort_by(f32::total_cmp);
            assert_eq!(sorted, patch, "transform {k} is a permutation");
            assert_eq!(out[4], 4.0, "centre stays");
            all.push(out);
        }
        all.sort_by(|a, b| a.partial_cmp(b).unwrap());
        all.dedup();
        assert_eq!(all.len(), 8);
    }
}
