//! Saving and loading trained pixel classifiers.
//!
//! A model directory holds `model.json` (the saved-model header, see
//! [`terradl_models::saved`]) plus the kind's files:
//! - `random_forest`: `forest.json` (settings and the flat CART trees; checked on load);
//! - `svm`: `svm.json` (support vectors, weights and biases);
//! - `mlp`: `mlp.json` (settings, feature and class counts) and `mlp.bpk` (burn weights),
//!   with the normalisation statistics in the header;
//! - `tempcnn`, `lstm`, `ltae`: see [`crate::temporal`].
//!
//! Each file is written to a temporary name and renamed into place.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;
use terradl_models::saved::{ModelHeader, ModelKind, write_atomic};

use super::{MlpPixelClassifier, PixelClassifier, RandomForest, Svm};
use crate::error::TrainError;
use crate::normalization::Normalization;
use crate::temporal::{TEMPORAL_KINDS, TemporalClassifier};

/// The kinds [`SavedPixelModel::load`] reads.
const PIXEL_KINDS: [ModelKind; 6] =
    [ModelKind::RandomForest, ModelKind::Svm, ModelKind::Mlp, TEMPORAL_KINDS[0], TEMPORAL_KINDS[1], TEMPORAL_KINDS[2]];

/// The kind's JSON data file inside a saved pixel-classifier directory.
fn data_file(kind: ModelKind) -> &'static str {
    match kind {
        ModelKind::RandomForest => "forest.json",
        ModelKind::Svm => "svm.json",
        _ => "mlp.json",
    }
}

fn io(path: &Path, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> TrainError {
    TrainError::checkpoint(path, e)
}

/// Writes `value` as the kind's JSON data file into `dir` (created), then the header
/// (`model.json`, with `normalisation` if the model has it).
pub(crate) fn save_serde(
    dir: &Path,
    kind: ModelKind,
    value: &impl Serialize,
    normalisation: Option<&Normalization>,
) -> Result<(), TrainError> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let path = dir.join(data_file(kind));
    write_atomic(&path, &serde_json::to_vec(value).map_err(|e| io(&path, e))?)?;
    crate::model_dir::write_header(dir, kind, &serde_json::Value::Null, normalisation)
}

/// Reads the kind's JSON data file from `dir` (whose header has been checked).
pub(crate) fn load_serde<T: DeserializeOwned>(dir: &Path, kind: ModelKind) -> Result<T, TrainError> {
    let path = dir.join(data_file(kind));
    let bytes = std::fs::read(&path).map_err(|e| io(&path, e))?;
    serde_json::from_slice(&bytes).map_err(|source| TrainError::CorruptModel { path, source })
}

/// A pixel classifier loaded from disk, with its concrete type (for kind-specific
/// uncertainty: tree votes, MC dropout).
#[derive(Debug)]
pub enum SavedPixelModel {
    /// A random forest.
    RandomForest(RandomForest),
    /// A support vector machine.
    Svm(Svm),
    /// A burn MLP with its normalisation.
    Mlp(MlpPixelClassifier),
    /// A TempCNN / LSTM / L-TAE with its per-band normalisation (its own files,
    /// the header + `temporal.bpk`, see [`crate::temporal`]).
    Temporal(crate::temporal::TemporalClassifier),
}

impl SavedPixelModel {
    /// Loads the model saved in `dir` by [`PixelClassifier::save`]; a directory without a
    /// header, of another format version or of a kind that is not a pixel classifier is a
    /// [`TrainError::Saved`].
    pub fn load(dir: &Path) -> Result<Self, TrainError> {
        let kind = ModelHeader::read_kind_in(dir, &PIXEL_KINDS)?.kind;
        Ok(match kind {
            ModelKind::RandomForest => SavedPixelModel::RandomForest(load_serde(dir, kind)?),
            ModelKind::Svm => SavedPixelModel::Svm(load_serde(dir, kind)?),
            ModelKind::Mlp => SavedPixelModel::Mlp(MlpPixelClassifier::load(dir)?),
            _ => SavedPixelModel::Temporal(TemporalClassifier::load(dir)?),
        })
    }

    /// The model behind the common interface.
    pub fn classifier(&self) -> &dyn PixelClassifier {
        match self {
            SavedPixelModel::RandomForest(m) => m,
            SavedPixelModel::Svm(m) => m,
            SavedPixelModel::Mlp(m) => m,
            SavedPixelModel::Temporal(m) => m,
        }
    }
}
