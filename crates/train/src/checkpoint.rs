//! Atomic training checkpoints: model weights, optimizer state, best weights and loop state.
//!
//! Layout of a checkpoint directory:
//! ```text
//! <dir>/epoch-0003/model.bpk       weights after epoch 3
//! <dir>/epoch-0003/best.bpk        weights of the best epoch so far
//! <dir>/epoch-0003/optimizer.bpk   AdamW moments
//! <dir>/epoch-0003/state.json      CheckpointState (history, early-stopping counters)
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

use crate::error::TrainError;
use crate::history::History;

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
    /// Loop state.
    pub fn state(&self) -> PathBuf {
        self.dir.join("state.json")
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
    fs::create_dir_all(root).map_err(|e| io(root, e))?;
    let name = format!("epoch-{:04}", state.epoch);
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
    let json = serde_json::to_vec_pretty(state).map_err(|e| io(&tmp.state(), e))?;
    fs::write(tmp.state(), json).map_err(|e| io(&tmp.state(), e))?;

    let final_dir = root.join(&name);
    if final_dir.exists() {
        fs::remove_dir_all(&final_dir).map_err(|e| io(&final_dir, e))?;
    }
    fs::rename(&tmp.dir, &final_dir).map_err(|e| io(&final_dir, e))?;
    let latest_tmp = root.join(".LATEST.tmp");
    fs::write(&latest_tmp, &name).map_err(|e| io(&latest_tmp, e))?;
    fs::rename(&latest_tmp, root.join(LATEST)).map_err(|e| io(root, e))?;

    // Drop older checkpoints; failure to clean up is not fatal.
    if let Ok(entries) = fs::read_dir(root) {
        for entry in entries.flatten() {
            let n = entry.file_name().to_string_lossy().to_string();
            if n.starts_with("epoch-") && n != name {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
    Ok(CheckpointFiles { dir: final_dir })
}

/// The latest complete checkpoint under `root`, if any.
pub fn latest_checkpoint(
    root: &Path,
) -> Result<Option<(CheckpointFiles, CheckpointState)>, TrainError> {
    let pointer = root.join(LATEST);
    if !pointer.exists() {
        return Ok(None);
    }
    let name = fs::read_to_string(&pointer).map_err(|e| io(&pointer, e))?;
    let files = CheckpointFiles {
        dir: root.join(name.trim()),
    };
    let text = fs::read(files.state()).map_err(|e| io(&files.state(), e))?;
    let state: CheckpointState =
        serde_json::from_slice(&text).map_err(|e| io(&files.state(), e))?;
    Ok(Some((files, state)))
}
