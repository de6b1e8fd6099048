//! The last stage of every pipeline: one [`RunWriter`] owns the run directory and writes the
//! saved models with their manifest, the scores, the accuracy files, `run.json` and the HTML
//! report.

use crate::model_store::{self, ModelManifest, SavedModelEntry};
use crate::run_files::{accuracy_metrics, confusion_data, reliability_curve, write_json};
use crate::score::{MethodScore, SCORES_FILE};
use crate::error::{Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use terradl_assess::ConfusionMatrix;
use terradl_assess::calibration::{expected_calibration_error, reliability_curve as curve, top_label_confidence};
use terradl_report::run_files::{self, AreaEstimate, RunInfo, Timing};
use terradl_report::{ColorTable, RunMetadata};

/// Bins of the reliability diagram.
const RELIABILITY_BINS: usize = 10;

/// The reliability curve of pixel-major probabilities `proba` (`k` classes) against `y`.
fn calibration_curve(proba: &[f64], k: usize, y: &[u32]) -> Result<run_files::ReliabilityCurve> {
    let (conf, correct) = top_label_confidence(proba, k, y)?;
    let ece = expected_calibration_error(&conf, &correct, RELIABILITY_BINS)?;
    Ok(reliability_curve(&curve(&conf, &correct, RELIABILITY_BINS)?, ece))
}

/// Writes one run directory; created by [`RunWriter::create`], closed by [`RunWriter::finish`].
pub struct RunWriter {
    dir: PathBuf,
    /// The pipeline TOML, stored with the models and in `run.json`.
    config_toml: String,
    timings: Vec<Timing>,
}

impl RunWriter {
    /// Create the run directory `dir` of a pipeline given as `config_toml`.
    pub fn create(dir: &Path, config_toml: &str) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(RunWriter { dir: dir.to_path_buf(), config_toml: config_toml.to_string(), timings: Vec::new() })
    }

    /// The run directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Record the wall-clock time of a stage (listed in the report).
    pub fn timing(&mut self, stage: impl Into<String>, seconds: f64) {
        self.timings.push(Timing { stage: stage.into(), seconds });
    }

    /// Write `value` as pretty JSON to `<run>/name`, atomically.
    pub fn json(&self, name: &str, value: &impl Serialize) -> Result<()> {
        write_json(&self.dir, name, value)
    }

    /// Write the test scores of every method.
    pub fn scores(&self, scores: &[MethodScore]) -> Result<()> {
        self.json(SCORES_FILE, &scores)
    }

    /// Save the trained models in `<run>/model` with `manifest` (the pipeline TOML is added
    /// here); `write` saves the models into the directory it is given (see
    /// [`model_store::save_model_dir`]).
    pub fn save_models(
        &self,
        mut manifest: ModelManifest,
        write: impl FnOnce(&Path) -> Result<Vec<SavedModelEntry>>,
    ) -> Result<PathBuf> {
        manifest.config_toml = self.config_toml.clone();
        let dir = model_store::save_model_dir(&self.dir, manifest, write).context("saving the trained models")?;
        tracing::info!(dir = %dir.display(), "saved trained models");
        Ok(dir)
    }

    /// `classes.json`, `confusion.json` and `metrics.json` of the assessed map: the test
    /// confusion matrix `cm` over `classes`; `oa_ci95` and `areas` (one per class, or empty)
    /// come from an area-adjusted estimate when the pipeline has one.
    pub fn accuracy(
        &self,
        cm: &ConfusionMatrix,
        classes: &[String],
        oa_ci95: Option<f64>,
        areas: &[Option<AreaEstimate>],
    ) -> Result<()> {
        self.json(run_files::CLASSES_FILE, &ColorTable::from_names(classes))?;
        self.json(run_files::CONFUSION_FILE, &confusion_data(cm, classes))?;
        self.json(run_files::METRICS_FILE, &accuracy_metrics(cm, classes, oa_ci95, areas))
    }

    /// `reliability.json`: calibration of the pixel-major test probabilities `proba`
    /// (`k` classes) against the reference classes `y`.
    pub fn reliability(&self, proba: &[f64], k: usize, y: &[u32]) -> Result<()> {
        self.json(run_files::RELIABILITY_FILE, &calibration_curve(proba, k, y)?)
    }

    /// `reliability_calibrated.json`: the same test samples after temperature scaling by
    /// `temperature` (`proba` already scaled); returns its expected calibration error.
    pub fn reliability_calibrated(&self, proba: &[f64], k: usize, y: &[u32], temperature: f64) -> Result<f64> {
        let curve = calibration_curve(proba, k, y)?;
        let ece = curve.ece.unwrap_or(f64::NAN);
        self.json(run_files::RELIABILITY_CALIBRATED_FILE, &run_files::ReliabilityCurve { temperature: Some(temperature), ..curve })?;
        Ok(ece)
    }

    /// Write `run.json` (`info` with the run's metadata: command, pipeline TOML, `dataset`,
    /// timings, version, date) and `report.html`; returns the report's path.
    pub fn finish(self, mut info: RunInfo, dataset: String) -> Result<PathBuf> {
        info.meta = RunMetadata {
            command: std::env::args().collect::<Vec<_>>().join(" "),
            config_toml: self.config_toml,
            dataset,
            timings: self.timings,
            terradl_version: env!("CARGO_PKG_VERSION").into(),
            date: terradl_report::html::now_utc(),
        };
        write_json(&self.dir, run_files::RUN_FILE, &info)?;
        terradl_report::write_run_report_with_maps(&self.dir)
            .with_context(|| format!("writing the report of {}", self.dir.display()))
    }
}
