//! terradl's pipelines: `terradl train <pipeline.toml>` is [`run`] on a [`PipelineSpec`],
//! `terradl predict` is [`predict`] with a saved run.
//!
//! A pipeline TOML is read once by [`PipelineSpec::load`]: its top-level `kind` (absent:
//! `landcover`) picks the variant, path fields are resolved (`${TERRADL_DATA_DIR}/...` is the
//! sample-data cache, other relative paths are relative to the TOML) and the spec validated.
//! Every run then goes through the same stages: labelled data -> split -> fit and score the
//! methods ([`MethodScore`]) -> one [`RunWriter`] that owns the run directory and writes the
//! saved models with their manifest (`model/manifest.json`, whose [`RunKind`] tells
//! [`predict`] how to apply them), `methods.json`, the accuracy files, the maps, `run.json`
//! and `report.html`.
//!
//! # Adding a pipeline kind
//!
//! 1. Add a module (say `src/radar/`) with the kind's TOML type (`#[derive(Deserialize)]`,
//!    `deny_unknown_fields`, no `kind` field) and `pub const KIND: &'static str = "radar"`,
//!    and implement [`PipelineRun`] for it: `paths_mut` lists its path fields (resolved by the
//!    spec), `validate` checks them together, `run` reads the labelled data, splits it, fits
//!    and scores the methods, and hands everything to a [`RunWriter`] (`scores`,
//!    `save_models`, `accuracy`, `reliability`, `finish`), returning a [`RunOutcome`].
//! 2. Add the variant `Radar(RadarPipeline)` to [`PipelineSpec`] and its arm to the matches
//!    in `spec.rs` (`parse`, `kind`, `pipeline`, `pipeline_mut`).
//! 3. If its saved models are applied differently from the existing kinds, add a [`RunKind`]
//!    variant, store it in the manifest ([`model_store::ModelManifest::new`]) and give it an
//!    arm in [`predict`].
//!
//! The CLI needs no change: `terradl train` and `terradl predict` call [`run`] and [`predict`].

pub mod blocks;
mod error;
pub mod landcover;
pub mod lulc;
pub mod model_store;
mod predict;
pub mod progress;
pub mod run_files;
mod run_writer;
mod score;
pub mod shipped;
mod spec;
pub mod timeseries;

pub use error::{BoxedCause, PipelineError, Result};
pub use lulc::LulcPipeline;
pub use model_store::RunKind;
pub use predict::{PredictRequest, predict};
pub use run_writer::RunWriter;
pub use score::{Accuracy, MethodScore, SCORES_FILE, ScoreTable};
pub use spec::{DATA_DIR_PREFIX, PipelineFile, PipelineRun, PipelineSpec, resolve_path};
pub use timeseries::TimeSeriesPipeline;

use error::Context;
use std::fmt;
use std::path::PathBuf;

/// What a finished run produced.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The run directory.
    pub dir: PathBuf,
    /// `report.html`.
    pub report: PathBuf,
    /// Test figures of every method (and target).
    pub scores: Vec<MethodScore>,
    /// Lines printed after the score table (JDL iterations, fusion, classes).
    pub details: Vec<String>,
}

impl fmt::Display for RunOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", ScoreTable(&self.scores))?;
        for line in &self.details {
            writeln!(f, "{line}")?;
        }
        writeln!(f, "run directory: {}", self.dir.display())?;
        write!(f, "report:        {}", self.report.display())
    }
}

/// Run a parsed pipeline (from the start; see [`run_resumable`]).
pub fn run(file: &PipelineFile) -> Result<RunOutcome> {
    run_resumable(file, false)
}

/// Run a parsed pipeline with a checkpoint after every epoch of every model it trains, in
/// `<output>/checkpoints` (removed when the run completes). With `resume`, a run that was
/// killed continues: models it had finished load from their last checkpoint and the one in
/// training continues from its last epoch; without, earlier checkpoints are discarded.
pub fn run_resumable(file: &PipelineFile, resume: bool) -> Result<RunOutcome> {
    let pipeline = file.spec.pipeline();
    let dir = pipeline.output().join("checkpoints");
    if !resume && dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing old checkpoints {}", dir.display()))?;
    }
    let scope = terradl_train::open_checkpoint_scope(&dir, resume);
    let outcome = pipeline.run(&file.toml)?;
    drop(scope);
    // The run's models are saved; its checkpoints are no longer needed.
    let _ = std::fs::remove_dir_all(&dir);
    Ok(outcome)
}
