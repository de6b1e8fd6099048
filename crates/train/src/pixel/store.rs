//! Saving and loading trained pixel classifiers.
//!
//! A model directory holds `model.json` (`{"kind": ...}`) plus the kind's files:
//! - `random_forest`: `forest.json` (settings and the flat CART trees; checked on load);
//! - `svm`: `svm.json` (support vectors, weights and biases);
//! - `mlp`: `mlp.json` (settings, feature and class counts, normalisation statistics) and
//!   `mlp.bpk` (burn weights).
//!
//! Each file is written to a temporary name and renamed into place.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::{MlpPixelClassifier, PixelClassifier, RandomForest, Svm};
use crate::error::TrainError;

/// File naming the kind of a saved model.
pub const KIND_FILE: &str = "model.json";

/// Kind of a saved pixel classifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SavedKind {
    /// [`RandomForest`].
    RandomForest,
    /// [`Svm`].
    Svm,
    /// [`MlpPixelClassifier`].
    Mlp,
}

impl SavedKind {
    fn data_file(self) -> &'static str {
        match self {
            SavedKind::RandomForest => "forest.json",
            SavedKind::Svm => "svm.json",
            SavedKind::Mlp => "mlp.json",
        }
    }
}

#[derive(Serialize, Deserialize)]
struct KindFile {
    kind: SavedKind,
}

fn io(path: &Path, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> TrainError {
    TrainError::checkpoint(path, e)
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), TrainError> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| io(path, e))
}

/// Writes `model.json` and `value` as the kind's JSON data file into `dir` (created).
pub(crate) fn save_serde(dir: &Path, kind: SavedKind, value: &impl Serialize) -> Result<(), TrainError> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let path = dir.join(kind.data_file());
    write_atomic(&path, &serde_json::to_vec(value).map_err(|e| io(&path, e))?)?;
    let kind_path = dir.join(KIND_FILE);
    write_atomic(&kind_path, &serde_json::to_vec_pretty(&KindFile { kind }).map_err(|e| io(&kind_path, e))?)
}

/// Reads the kind's JSON data file from `dir`.
pub(crate) fn load_serde<T: DeserializeOwned>(dir: &Path, kind: SavedKind) -> Result<T, TrainError> {
    let path = dir.join(kind.data_file());
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
    /// `temporal.json` + `temporal.bpk`, see [`crate::temporal`]).
    Temporal(crate::temporal::TemporalClassifier),
}

impl SavedPixelModel {
    /// Loads the model saved in `dir` by [`PixelClassifier::save`].
    pub fn load(dir: &Path) -> Result<Self, TrainError> {
        if crate::temporal::TemporalClassifier::is_saved(dir) {
            return Ok(SavedPixelModel::Temporal(crate::temporal::TemporalClassifier::load(dir)?));
        }
        let kind_path = dir.join(KIND_FILE);
        let bytes = std::fs::read(&kind_path).map_err(|source| TrainError::NotSaved { what: "model".into(), path: kind_path.clone(), source })?;
        let KindFile { kind } =
            serde_json::from_slice(&bytes).map_err(|source| TrainError::CorruptModel { path: kind_path, source })?;
        Ok(match kind {
            SavedKind::RandomForest => SavedPixelModel::RandomForest(load_serde(dir, kind)?),
            SavedKind::Svm => SavedPixelModel::Svm(load_serde(dir, kind)?),
            SavedKind::Mlp => SavedPixelModel::Mlp(MlpPixelClassifier::load(dir)?),
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
