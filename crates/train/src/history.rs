//! Per-epoch training history, serialisable for reports.

use serde::{Deserialize, Serialize};

/// Metrics of one epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Epoch number, 1-based.
    pub epoch: usize,
    /// Learning rate used.
    pub learning_rate: f64,
    /// Mean training loss over the epoch's batches.
    pub train_loss: f32,
    /// Validation loss (`None` without a validation set).
    pub val_loss: Option<f32>,
    /// Validation overall accuracy (`None` without a validation set).
    pub val_accuracy: Option<f32>,
    /// Wall-clock seconds spent on the epoch.
    pub seconds: f64,
    /// Training samples processed per second.
    pub samples_per_second: f64,
}

/// What happened during a training run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// One record per completed epoch.
    pub epochs: Vec<EpochRecord>,
    /// Epoch (1-based) whose weights were kept: the lowest validation loss, or the last
    /// epoch without a validation set.
    pub best_epoch: usize,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
}

impl History {
    /// The record of the kept epoch.
    pub fn best(&self) -> Option<&EpochRecord> {
        self.epochs.iter().find(|e| e.epoch == self.best_epoch)
    }

    /// JSON text of the history.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
