//! The burn [`Mlp`] behind the [`PixelClassifier`] interface: standardises the features,
//! holds out a stratified validation split for early stopping and trains with [`fit`].

use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use terradl_models::{Classifier, Mlp, MlpConfig};

use super::{PixelClassifier, check_x, check_xy};
use crate::config::TrainConfig;
use crate::dataset::TensorDataset;
use crate::error::TrainError;
use crate::fit::{FitOptions, fit};
use crate::history::History;
use crate::inference::{ClassProbabilities, predict_proba, predict_proba_mc};
use crate::model_dir::{header_normalisation, load_weights, save_weights};
use crate::normalization::{FeatureAxis, Normalization};
use terradl_models::saved::{ModelHeader, ModelKind};

/// Settings of an [`MlpPixelClassifier`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct MlpPixelConfig {
    /// Hidden layer widths.
    pub hidden: Vec<usize>,
    /// Dropout probability.
    pub dropout: f64,
    /// Training hyper-parameters (a table may name only some; see
    /// [`deserialize_partial`](crate::deserialize_partial)).
    #[serde(deserialize_with = "crate::config::deserialize_partial")]
    pub train: TrainConfig,
    /// Fraction of the samples held out for validation / early stopping (0 disables).
    pub val_fraction: f64,
}

impl Default for MlpPixelConfig {
    fn default() -> Self {
        Self {
            hidden: vec![128, 64],
            dropout: 0.2,
            train: TrainConfig::new(),
            val_fraction: 0.1,
        }
    }
}

/// An [`Mlp`] with its normalisation statistics.
#[derive(Debug)]
pub struct MlpPixelClassifier {
    config: MlpPixelConfig,
    model: Option<Mlp>,
    normalization: Option<Normalization>,
    history: History,
}

impl MlpPixelClassifier {
    /// An untrained classifier.
    pub fn new(config: MlpPixelConfig) -> Self {
        Self {
            config,
            model: None,
            normalization: None,
            history: History::default(),
        }
    }

    /// Training history of the last [`fit`](PixelClassifier::fit).
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Normalisation statistics learnt from the training features.
    pub fn normalization(&self) -> Option<&Normalization> {
        self.normalization.as_ref()
    }

    /// Dropout probability of the network (0: MC dropout gives identical passes).
    pub fn dropout(&self) -> f64 {
        self.config.dropout
    }

    fn trained(&self) -> Result<(&Mlp, &Normalization), TrainError> {
        match (&self.model, &self.normalization) {
            (Some(m), Some(n)) => Ok((m, n)),
            _ => Err(TrainError::Classical("MLP used before fit".into())),
        }
    }

    /// MC-dropout probabilities: `passes` forward passes with dropout sampling, the device
    /// seeded with `seed` first (see [`predict_proba_mc`]).
    pub fn predict_proba_mc(
        &self,
        x: &[f32],
        n_features: usize,
        passes: usize,
        seed: u64,
    ) -> Result<Vec<ClassProbabilities>, TrainError> {
        let (model, norm) = self.trained()?;
        check_x(x, n_features)?;
        let mut xs = x.to_vec();
        norm.apply(&mut xs, &[n_features])?;
        predict_proba_mc(model, &xs, &[n_features], 4096, passes, seed)
    }

    /// Reads a classifier written by [`PixelClassifier::save`] (the `mlp` header with the
    /// normalisation statistics, `mlp.json` and `mlp.bpk`); a directory without a header,
    /// of another format version or of another kind is a [`TrainError::Saved`].
    pub fn load(dir: &std::path::Path) -> Result<Self, TrainError> {
        let header = ModelHeader::read_kind(dir, ModelKind::Mlp)?;
        let normalization = header_normalisation(dir, &header, FeatureAxis::Last)?;
        let saved: SavedMlp = super::store::load_serde(dir, ModelKind::Mlp)?;
        let model = MlpConfig::new(saved.n_features, saved.n_classes)
            .with_hidden(saved.config.hidden.clone())
            .with_dropout(saved.config.dropout)
            .init(&terradl_models::compute_device());
        Ok(Self {
            config: saved.config,
            model: Some(load_weights(model, dir, WEIGHTS_FILE)?),
            normalization: Some(normalization),
            history: saved.history,
        })
    }
}

/// Weights file of a saved MLP.
const WEIGHTS_FILE: &str = "mlp.bpk";

/// `mlp.json` of a saved MLP (the normalisation statistics are in the header).
#[derive(Serialize, Deserialize)]
struct SavedMlp {
    config: MlpPixelConfig,
    n_features: usize,
    n_classes: usize,
    history: History,
}

impl PixelClassifier for MlpPixelClassifier {
    fn name(&self) -> &'static str {
        "mlp"
    }

    fn fit(&mut self, x: &[f32], n_features: usize, y: &[u32]) -> Result<(), TrainError> {
        let (_, k) = check_xy(x, n_features, y)?;
        let norm = Normalization::fit(x, &[n_features], FeatureAxis::Last)?;
        let mut xs = x.to_vec();
        norm.apply(&mut xs, &[n_features])?;
        let data = TensorDataset::new(xs, vec![n_features], y.to_vec())?;
        let (train, val) = if self.config.val_fraction > 0.0 {
            data.split_stratified(self.config.val_fraction, self.config.train.seed)
        } else {
            (
                data,
                TensorDataset {
                    shape: vec![n_features],
                    ..Default::default()
                },
            )
        };
        let model_config = MlpConfig::new(n_features, k)
            .with_hidden(self.config.hidden.clone())
            .with_dropout(self.config.dropout);
        let fitted = fit(
            |d: &Device| model_config.init(d),
            &train,
            &val,
            &self.config.train,
            &FitOptions::default(),
        )?;
        self.model = Some(fitted.model);
        self.history = fitted.history;
        self.normalization = Some(norm);
        Ok(())
    }

    fn predict_proba(
        &self,
        x: &[f32],
        n_features: usize,
    ) -> Result<ClassProbabilities, TrainError> {
        let (model, norm) = self.trained()?;
        check_x(x, n_features)?;
        let mut xs = x.to_vec();
        norm.apply(&mut xs, &[n_features])?;
        predict_proba(model, &xs, &[n_features], 4096)
    }

    fn save(&self, dir: &std::path::Path) -> Result<(), TrainError> {
        let (model, norm) = self.trained()?;
        save_weights(model, dir, WEIGHTS_FILE)?;
        let saved = SavedMlp {
            config: self.config.clone(),
            n_features: norm.mean.len(),
            n_classes: model.num_classes(),
            history: self.history.clone(),
        };
        super::store::save_serde(dir, ModelKind::Mlp, &saved, Some(norm))
    }
}
