//! Atomic training checkpoints: model weights, optimizer state, best weights and loop state.
//!
//! Layout of a checkpoint directory:
//! ```text
//! <dir>/epoch-0003/model.bpk       weights after epoch 3
//! <dir>/epoch-0003/best.bpk        weights of the best epoch so far
//! <dir>/epoch-0003/optimizer.bpk   AdamW moments
//! <dir>/epoch-0003/model.json      saved-model header of kind `checkpoint`, whose config is
//!                                  the CheckpointState (history, early-stopping counters)
//! <dir>/LATEST                     "epoch-0003"
//! ```
//! Each epoch is written into a hidden temporary directory which is renamed into place, then
//! `LATEST` is replaced by a rename; a run killed at any point leaves the previous checkpoint
//! intact. Older epoch directories are removed after `LATEST` moves on.

use std::fs;
use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::ModuleOptimizer;
use serde::{Deserialize, Serialize};
use terradl_models::saved::{ModelKind, write_atomic};

use crate::error::TrainError;
use crate::history::History;
use crate::model_dir::{read_header, write_header};

/// The training-loop state saved with each checkpoint.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckpointState {
    /// Epochs completed.
    pub epoch: usize,
    /// History so far.
    pub history: History,
    /// Lowest validation loss so far.
    pub best_val_loss: Option<f32>,
    /// Epochs since the validation loss last improved.
    pub epochs_without_improvement: usize,
}

const LATEST: &str = "LATEST";

/// Paths of the files of one checkpoint.
#[derive(Clone, Debug)]
pub struct CheckpointFiles {
    /// The checkpoint directory.
    pub dir: PathBuf,
}

impl CheckpointFiles {
    /// Current weights.
    pub fn model(&self) -> PathBuf {
        self.dir.join("model.bpk")
    }
    /// Best weights so far.
    pub fn best(&self) -> PathBuf {
        self.dir.join("best.bpk")
    }
    /// Optimizer state.
    pub fn optimizer(&self) -> PathBuf {
        self.dir.join("optimizer.bpk")
    }
}

fn io(path: &Path, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> TrainError {
    TrainError::checkpoint(path, e)
}

/// Writes the checkpoint of `state.epoch` under `root` atomically.
pub fn save_checkpoint<M: Module>(
    root: &Path,
    model: &M,
    best: &M,
    optimizer: &ModuleOptimizer,
    state: &CheckpointState,
) -> Result<CheckpointFiles, TrainError> {
    save_checkpoint_as(root, &format!("epoch-{:04}", state.epoch), model, best, optimizer, state)
}

/// [`save_checkpoint`] with any serialisable loop `state` (e.g. a step-based loop's), into
/// `<root>/<name>`; checkpoints of other names under `root` are removed once `LATEST`
/// points at it.
pub fn save_checkpoint_as<M: Module, S: Serialize>(
    root: &Path,
    name: &str,
    model: &M,
    best: &M,
    optimizer: &ModuleOptimizer,
    state: &S,
) -> Result<CheckpointFiles, TrainError> {
    fs::create_dir_all(root).map_err(|e| io(root, e))?;
    let name = name.to_string();
    let tmp = CheckpointFiles {
        dir: root.join(format!(".{name}.tmp")),
    };
    if tmp.dir.exists() {
        fs::remove_dir_all(&tmp.dir).map_err(|e| io(&tmp.dir, e))?;
    }
    fs::create_dir_all(&tmp.dir).map_err(|e| io(&tmp.dir, e))?;
    model
        .clone()
        .save_file(tmp.model())
        .map_err(|e| io(&tmp.model(), e))?;
    best.clone()
        .save_file(tmp.best())
        .map_err(|e| io(&tmp.best(), e))?;
    optimizer
        .save(tmp.optimizer())
        .map_err(|e| io(&tmp.optimizer(), e))?;
    write_header(&tmp.dir, ModelKind::Checkpoint, state, None)?;

    let final_dir = root.join(&name);
    if final_dir.exists() {
        fs::remove_dir_all(&final_dir).map_err(|e| io(&final_dir, e))?;
    }
    fs::rename(&tmp.dir, &final_dir).map_err(|e| io(&final_dir, e))?;
    write_atomic(&root.join(LATEST), name.as_bytes())?;

    // Drop older checkpoints; failure to clean up is not fatal.
    if let Ok(entries) = fs::read_dir(root) {
        for entry in entries.flatten() {
            let n = entry.file_name().to_string_lossy().to_string();
            let is_checkpoint = entry.path().join(terradl_models::saved::HEADER_FILE).is_file();
            if is_checkpoint && !n.starts_with('.') && n != name {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
    Ok(CheckpointFiles { dir: final_dir })
}

/// The latest complete checkpoint under `root`, if any; a checkpoint directory without a
/// header, of another format version or of another kind is a [`TrainError::Saved`].
pub fn latest_checkpoint(
    root: &Path,
) -> Result<Option<(CheckpointFiles, CheckpointState)>, TrainError> {
    latest_checkpoint_as(root)
}

/// [`latest_checkpoint`] with any loop state type.
pub fn latest_checkpoint_as<S: serde::de::DeserializeOwned>(
    root: &Path,
) -> Result<Option<(CheckpointFiles, S)>, TrainError> {
    let pointer = root.join(LATEST);
    if !pointer.exists() {
        return Ok(None);
    }
    let name = fs::read_to_string(&pointer).map_err(|e| io(&pointer, e))?;
    let files = CheckpointFiles {
        dir: root.join(name.trim()),
    };
    let (_, state): (_, S) = read_header(&files.dir, &[ModelKind::Checkpoint])?;
    Ok(Some((files, state)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use terradl_models::saved::{ModelHeader, SavedModelError};

    #[test]
    fn latest_checkpoint_reads_the_header_and_checks_its_kind() {
        let root = tempfile::tempdir().unwrap();
        assert!(latest_checkpoint(root.path()).unwrap().is_none());
        let state = CheckpointState { epoch: 3, history: History::default(), best_val_loss: Some(0.5), epochs_without_improvement: 1 };
        write_header(&root.path().join("epoch-0003"), ModelKind::Checkpoint, &state, None).unwrap();
        write_atomic(&root.path().join(LATEST), b"epoch-0003").unwrap();
        let (files, back) = latest_checkpoint(root.path()).unwrap().unwrap();
        assert_eq!((files.dir, back.epoch, back.best_val_loss, back.epochs_without_improvement), (root.path().join("epoch-0003"), 3, Some(0.5), 1));

        ModelHeader::new(ModelKind::Mlp, serde_json::Value::Null).write(&root.path().join("epoch-0003")).unwrap();
        let e = latest_checkpoint(root.path()).unwrap_err();
        assert!(matches!(e, TrainError::Saved(SavedModelError::KindMismatch { found: ModelKind::Mlp, .. })), "{e}");
        std::fs::remove_file(root.path().join("epoch-0003").join(terradl_models::saved::HEADER_FILE)).unwrap();
        let e = latest_checkpoint(root.path()).unwrap_err();
        assert!(matches!(e, TrainError::Saved(SavedModelError::MissingHeader { .. })), "{e}");
    }
}
