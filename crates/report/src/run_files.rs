//! JSON files a terradl run directory holds, read by [`crate::load_run_dir`].
//!
//! Every file is optional; the report shows what is there. File names:
//!
//! | file                      | type                   | written by        |
//! |---------------------------|------------------------|-------------------|
//! | `run.json`                | [`RunInfo`]            | cli               |
//! | `metrics.json`            | [`AccuracyMetrics`]    | assess            |
//! | `confusion.json`          | [`ConfusionData`]      | assess            |
//! | `reliability.json`        | [`ReliabilityCurve`]   | assess            |
//! | `reliability_calibrated.json` | [`ReliabilityCurve`] (with `temperature`) | pipeline |
//! | `history.json`            | [`TrainingHistory`]    | train             |
//! | `classes.json`            | [`crate::ColorTable`]  | cli / predict     |
//! | `feature_importance.json` | [`BarChartData`]       | train (RF)        |
//!
//! Rasters named in `run.json` (`class_map`, `uncertainty`, ...) are rendered
//! as quick-looks when a raster reader is supplied (see [`crate::LoadOptions`]).

use serde::{Deserialize, Serialize};

pub use crate::html::RunMetadata;

/// Name of each JSON file in a run directory.
pub const RUN_FILE: &str = "run.json";
/// `metrics.json`: [`AccuracyMetrics`].
pub const METRICS_FILE: &str = "metrics.json";
/// `confusion.json`: [`ConfusionData`].
pub const CONFUSION_FILE: &str = "confusion.json";
/// `reliability.json`: [`ReliabilityCurve`].
pub const RELIABILITY_FILE: &str = "reliability.json";
/// The same test probabilities after temperature scaling fitted on validation samples.
pub const RELIABILITY_CALIBRATED_FILE: &str = "reliability_calibrated.json";
/// `history.json`: [`TrainingHistory`].
pub const HISTORY_FILE: &str = "history.json";
/// `classes.json`: [`crate::ColorTable`].
pub const CLASSES_FILE: &str = "classes.json";
/// `feature_importance.json`: [`BarChartData`].
pub const FEATURE_IMPORTANCE_FILE: &str = "feature_importance.json";

/// Wall-clock time of one pipeline stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Stage name, e.g. "train", "predict".
    pub stage: String,
    /// Duration in seconds.
    pub seconds: f64,
}

/// `run.json`: what was run, on what, how long it took, and the output rasters.
///
/// ```json
/// {"command": "terradl train --config run.toml", "config_toml": "...",
///  "dataset": "EuroSAT subset", "terradl_version": "0.1.0",
///  "date": "2026-11-25T04:00:00Z", "timings": [{"stage": "train", "seconds": 42.0}],
///  "class_map": "map.tif", "uncertainty": "uncertainty.tif"}
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RunInfo {
    /// Report title (default "terradl run report").
    pub title: Option<String>,
    /// Command, configuration, dataset, timings, version and date (flattened:
    /// these keys sit at the top level of `run.json`).
    #[serde(flatten)]
    pub meta: RunMetadata,
    /// Free-text notes shown at the end of the report.
    pub notes: Vec<String>,
    /// Class-map raster (u8 class codes), relative to the run directory.
    pub class_map: Option<String>,
    /// Uncertainty raster (e.g. entropy), relative to the run directory.
    pub uncertainty: Option<String>,
    /// Label of the uncertainty colour bar (default "uncertainty").
    pub uncertainty_label: Option<String>,
    /// Optional RGB image and the three (0-based) bands to show, for detection runs.
    pub rgb_image: Option<String>,
    /// The three bands of `rgb_image` shown as red, green, blue.
    pub rgb_bands: Option<[usize; 3]>,
}

/// Area estimate with its 95% confidence half-width (Olofsson et al. 2014).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaEstimate {
    /// Estimated area.
    pub estimate: f64,
    /// Half-width of the 95% confidence interval.
    pub ci95: f64,
    /// Unit, e.g. "ha" or "km2".
    #[serde(default)]
    pub unit: String,
}

/// One row of the per-class accuracy table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassAccuracy {
    /// Class name.
    pub class: String,
    /// Producer's accuracy (recall) in 0..1.
    pub producers_accuracy: Option<f64>,
    /// User's accuracy (precision) in 0..1.
    pub users_accuracy: Option<f64>,
    /// Harmonic mean of producer's and user's accuracy.
    pub f1: Option<f64>,
    /// Number of reference samples of the class.
    #[serde(default)]
    pub support: Option<u64>,
    /// Area-adjusted area estimate of the class, if computed.
    #[serde(default)]
    pub area: Option<AreaEstimate>,
}

/// `metrics.json`: overall and per-class accuracy.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AccuracyMetrics {
    /// Overall accuracy in 0..1.
    pub overall_accuracy: Option<f64>,
    /// Half-width of the 95% CI of the overall accuracy, if estimated.
    pub overall_accuracy_ci95: Option<f64>,
    /// Cohen's kappa.
    pub kappa: Option<f64>,
    /// Number of assessment samples.
    pub n_samples: Option<u64>,
    /// One row per class.
    pub per_class: Vec<ClassAccuracy>,
}

/// Which axis of a confusion matrix holds the map (predicted) classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatrixRows {
    /// Rows are map classes, columns reference classes (Olofsson et al. convention).
    #[default]
    Map,
    /// Rows are reference classes, columns map classes (scikit-learn convention).
    Reference,
}

/// `confusion.json`: square count matrix with class names.
///
/// `{"classes": ["water", "forest"], "matrix": [[50, 2], [3, 45]], "rows": "map"}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfusionData {
    /// Class names, in matrix order.
    pub classes: Vec<String>,
    /// Square matrix of sample counts.
    pub matrix: Vec<Vec<u64>>,
    /// Which axis holds the map classes.
    #[serde(default)]
    pub rows: MatrixRows,
}

/// One bin of a reliability curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Confidence interval of the bin `[lower, upper)`.
    pub lower: f64,
    /// Upper edge of the bin.
    pub upper: f64,
    /// Mean predicted confidence of the samples in the bin.
    pub mean_confidence: f64,
    /// Fraction of those samples that were correct.
    pub accuracy: f64,
    /// Number of samples in the bin.
    pub count: u64,
}

/// `reliability.json`: calibration curve and expected calibration error.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReliabilityCurve {
    /// Bins, from low to high confidence.
    pub bins: Vec<ReliabilityBin>,
    /// Expected calibration error.
    pub ece: Option<f64>,
    /// The temperature that divided the logits, for a curve after temperature scaling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
}

/// One epoch of training.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EpochRecord {
    /// Epoch number (1-based).
    pub epoch: usize,
    /// Training loss.
    pub train_loss: Option<f64>,
    /// Validation loss.
    pub val_loss: Option<f64>,
    /// Training accuracy in 0..1.
    pub train_accuracy: Option<f64>,
    /// Validation accuracy in 0..1.
    pub val_accuracy: Option<f64>,
    /// Learning rate used in the epoch.
    pub learning_rate: Option<f64>,
}

/// `history.json`: per-epoch training history.
///
/// Accepted forms: `{"epochs": [{"epoch": 1, "train_loss": 0.9, "val_loss": 1.0,
/// "val_accuracy": 0.6}, ...]}`, a bare array of those records, or columns
/// `{"train_loss": [...], "val_loss": [...], "val_accuracy": [...]}` (epochs 1..n).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct TrainingHistory {
    /// One record per epoch, in order.
    pub epochs: Vec<EpochRecord>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum HistoryForm {
    Wrapped { epochs: Vec<EpochRecord> },
    Records(Vec<EpochRecord>),
    Columns(HistoryColumns),
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct HistoryColumns {
    train_loss: Vec<Option<f64>>,
    val_loss: Vec<Option<f64>>,
    train_accuracy: Vec<Option<f64>>,
    val_accuracy: Vec<Option<f64>>,
    #[serde(alias = "lr")]
    learning_rate: Vec<Option<f64>>,
}

impl<'de> Deserialize<'de> for TrainingHistory {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match HistoryForm::deserialize(d)? {
            HistoryForm::Wrapped { epochs } | HistoryForm::Records(epochs) => TrainingHistory { epochs },
            HistoryForm::Columns(c) => {
                let n = [c.train_loss.len(), c.val_loss.len(), c.train_accuracy.len(), c.val_accuracy.len()]
                    .into_iter()
                    .max()
                    .unwrap_or(0);
                let at = |v: &Vec<Option<f64>>, i: usize| v.get(i).copied().flatten();
                let epochs = (0..n)
                    .map(|i| EpochRecord {
                        epoch: i + 1,
                        train_loss: at(&c.train_loss, i),
                        val_loss: at(&c.val_loss, i),
                        train_accuracy: at(&c.train_accuracy, i),
                        val_accuracy: at(&c.val_accuracy, i),
                        learning_rate: at(&c.learning_rate, i),
                    })
                    .collect();
                TrainingHistory { epochs }
            }
        })
    }
}

/// `feature_importance.json` (or any bar chart): one value per label.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BarChartData {
    /// Chart title.
    pub title: String,
    /// One label per bar.
    pub labels: Vec<String>,
    /// Bar heights, same length as `labels`.
    pub values: Vec<f64>,
    /// Title of the y axis.
    pub y_label: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_accepts_three_forms() {
        let a: TrainingHistory =
            serde_json::from_str(r#"{"epochs":[{"epoch":1,"train_loss":0.9,"val_accuracy":0.5}]}"#).unwrap();
        assert_eq!(a.epochs[0].train_loss, Some(0.9));
        assert_eq!(a.epochs[0].val_loss, None);
        let b: TrainingHistory = serde_json::from_str(r#"[{"epoch":3,"val_loss":1.5}]"#).unwrap();
        assert_eq!(b.epochs[0].epoch, 3);
        let c: TrainingHistory =
            serde_json::from_str(r#"{"train_loss":[1.0,0.5],"val_loss":[1.1,0.7],"val_accuracy":[0.4,0.8]}"#).unwrap();
        assert_eq!(c.epochs.len(), 2);
        assert_eq!(c.epochs[1].epoch, 2);
        assert_eq!(c.epochs[1].val_accuracy, Some(0.8));
        assert!(serde_json::from_str::<TrainingHistory>("42").is_err());
        // what we write reads back
        let back: TrainingHistory = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn confusion_rows_default_to_map() {
        let c: ConfusionData = serde_json::from_str(r#"{"classes":["a","b"],"matrix":[[1,2],[3,4]]}"#).unwrap();
        assert_eq!(c.rows, MatrixRows::Map);
        let r: RunInfo = serde_json::from_str(r#"{"command":"terradl demo","class_map":"map.tif"}"#).unwrap();
        assert_eq!(r.meta.command, "terradl demo");
        assert_eq!(r.class_map.as_deref(), Some("map.tif"));
        let back: RunInfo = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
        assert_eq!(back, r);
    }
}
