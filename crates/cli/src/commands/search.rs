//! `terradl search <search.toml>`: random search or successive halving over
//! learning rate, batch size, depth/width and dropout of the pixel MLP (`model =
//! "mlp"`, default) or of the patch CNN (`model = "patch_cnn"`, pipelines only;
//! depth/width = conv filters, plus `space.patch_size`), scored on
//! a validation split of the training samples (spatially blocked for pipelines);
//! the held-out test set is used once, for the best configuration. Writes
//! `search.csv` (every evaluation), `best.toml` (MLP: a `[[models]]` entry for a
//! pipeline; patch CNN: its settings) and `search.json`. `model = "tempcnn"` with
//! `data.source = "ucr_crop"` searches TempCNN filters / dense width, dropout, learning rate
//! and batch size on crop series (`examples/search-crop-tempcnn.toml`).
//!
//! ```toml
//! output = "runs/search"
//! seed = 7
//! budget_seconds = 120
//! [data]
//! source = "statlog"            # or: source = "pipeline", path = "landcover.toml"
//! [strategy]
//! kind = "successive_halving"   # or: kind = "random", trials = 12, epochs = 10
//! configs = 9
//! min_epochs = 2
//! max_epochs = 18
//! eta = 3
//! [space]
//! learning_rate = [1e-4, 1e-2]
//! batch_size = [32, 64, 128]
//! depth = [1, 3]
//! width = [32, 64, 128]
//! dropout = [0.0, 0.5]
//! ```

use super::design_data::{accuracy, DataSource};
use anyhow::Context;
use clap::Args;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use terradl_train::lulc::{PatchClassifier, PatchCnnSettings};
use terradl_train::pixel::MlpPixelConfig;
use terradl_train::search::{run_search, SearchConfig, SearchOutcome, SearchSpace, Strategy, Trial};
use terradl_train::temporal::{TempCnnSettings, TemporalModelConfig};
use terradl_train::{LrSchedule, PixelModelConfig, TrainError};

/// The model family searched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum SearchModel {
    /// Pixel MLP on band values (+ indices).
    #[default]
    Mlp,
    /// Patch CNN on windows centred on the labelled pixels (pipelines only).
    PatchCnn,
    /// TempCNN on series (`data.source = "ucr_crop"`): width = conv filters, then the
    /// dense layer's width when `depth` reaches 2.
    Tempcnn,
}

#[derive(Debug, Args)]
pub(crate) struct SearchArgs {
    /// Search description (TOML); see the module documentation / docs.
    pub config: PathBuf,
    /// Override the wall-clock budget (seconds).
    #[arg(long)]
    pub budget: Option<f64>,
}

/// The search TOML.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SearchFile {
    /// Output directory (created); relative to the TOML's directory.
    pub output: PathBuf,
    pub seed: u64,
    pub budget_seconds: f64,
    pub data: DataSource,
    #[serde(default)]
    pub model: SearchModel,
    pub strategy: Strategy,
    #[serde(default)]
    pub space: SearchSpace,
    /// Fraction of the training samples held out for validation when the data have
    /// no coordinates (Statlog); pipelines use a blocked fold instead.
    #[serde(default = "default_val_fraction")]
    pub val_fraction: f64,
}

fn default_val_fraction() -> f64 {
    0.25
}

/// What `search` returns to the caller (and writes as `search.json`).
#[derive(Debug, Clone, Serialize)]
pub(super) struct SearchSummary {
    pub data: String,
    pub evaluations: usize,
    pub stopped_by_budget: bool,
    pub seconds: f64,
    pub best_validation_accuracy: Option<f64>,
    /// Accuracy of the best configuration, retrained on all training samples, on the
    /// held-out test set.
    pub best_test_accuracy: Option<f64>,
    pub model: SearchModel,
    /// The best trial (its hyper-parameters and seed).
    pub best_trial: Option<Trial>,
    /// Epochs of the best evaluation.
    pub best_epochs: Option<usize>,
}

pub(super) fn run(args: SearchArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.config).with_context(|| format!("reading {}", args.config.display()))?;
    let mut file: SearchFile = toml::from_str(&text).with_context(|| format!("invalid search file {}", args.config.display()))?;
    if let Some(b) = args.budget {
        file.budget_seconds = b;
    }
    let base = args.config.parent().unwrap_or(Path::new("."));
    if file.output.is_relative() {
        file.output = base.join(&file.output);
    }
    file.data = file.data.clone().resolve(base);
    let s = search(&file)?;
    println!("{}", s.data);
    println!(
        "{} evaluations in {:.1} s{}",
        s.evaluations,
        s.seconds,
        if s.stopped_by_budget { " (stopped by the budget)" } else { "" }
    );
    if let (Some(v), Some(t), Some(e)) = (s.best_validation_accuracy, &s.best_trial, s.best_epochs) {
        println!(
            "best: hidden/filters {:?}, dropout {:.3}, lr {:.2e}, batch {}, epochs {e}{}: validation accuracy {v:.4}, test accuracy {}",
            t.hidden,
            t.dropout,
            t.learning_rate,
            t.batch_size,
            t.patch_size.map(|p| format!(", patch {p}")).unwrap_or_default(),
            s.best_test_accuracy.map(|a| format!("{a:.4}")).unwrap_or_else(|| "-".into())
        );
    }
    println!("written to {}", file.output.display());
    Ok(())
}

/// Run the search described by `file` and write its outputs.
pub(super) fn search(file: &SearchFile) -> anyhow::Result<SearchSummary> {
    match file.model {
        SearchModel::Mlp => anyhow::ensure!(
            file.space.patch_size.is_empty(),
            "space.patch_size is set but the pixel MLP has no patch size (use model = \"patch_cnn\")"
        ),
        SearchModel::Tempcnn => {
            anyhow::ensure!(file.space.patch_size.is_empty(), "space.patch_size is set but TempCNN has no patch size");
            anyhow::ensure!(file.space.depth[0] >= 1, "TempCNN needs the conv filters: space.depth must start at 1");
        }
        SearchModel::PatchCnn => {
            anyhow::ensure!(!file.space.patch_size.is_empty(), "model = \"patch_cnn\" needs space.patch_size (e.g. [8, 12, 16])");
            anyhow::ensure!(file.space.patch_size.iter().all(|&p| p >= 8), "patch sizes must be at least 8 pixels");
            anyhow::ensure!(file.space.depth[0] >= 1, "the patch CNN needs at least one conv block: space.depth must start at 1");
        }
    }
    anyhow::ensure!((0.0..1.0).contains(&file.val_fraction) && file.val_fraction > 0.0, "val_fraction must be in (0, 1)");
    let config = SearchConfig {
        seed: file.seed,
        budget_seconds: file.budget_seconds,
        strategy: file.strategy.clone(),
        space: file.space.clone(),
    };
    config.validate()?;
    let set = file.data.load()?;
    let (fit_idx, val_idx) = set.validation_split(file.val_fraction, file.seed)?;
    anyhow::ensure!(!fit_idx.is_empty() && !val_idx.is_empty(), "the validation split left an empty side");
    let k = set.samples.class_names.len();
    let model = Evaluator::new(file.model, &set)?;
    tracing::info!(fit = fit_idx.len(), validation = val_idx.len(), "search data");

    let outcome = run_search(&config, |trial, epochs| model.fit_score(trial, epochs, &fit_idx, &val_idx, k))?;

    let best = outcome.best_result();
    let mut summary = SearchSummary {
        data: set.description.clone(),
        evaluations: outcome.results.len(),
        stopped_by_budget: outcome.stopped_by_budget,
        seconds: outcome.seconds,
        best_validation_accuracy: best.map(|r| r.score),
        best_test_accuracy: None,
        model: file.model,
        best_trial: best.map(|r| r.trial.clone()),
        best_epochs: best.map(|r| r.epochs),
    };
    // Written before the winner's retraining, so a long search is not lost if that is cut.
    write_outputs(file, &outcome, &summary)?;
    // Retrain the winner on every training sample, then test once.
    if let Some(r) = best {
        summary.best_test_accuracy = Some(model.fit_score(&r.trial, r.epochs, &set.train, &set.test, k)?);
        write_outputs(file, &outcome, &summary)?;
    }
    Ok(summary)
}

/// `search.csv`, `search.json` and (with a winner) `best.toml` under the search's output.
fn write_outputs(file: &SearchFile, outcome: &SearchOutcome, summary: &SearchSummary) -> anyhow::Result<()> {
    let out = &file.output;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let write = |name: &str, bytes: &[u8]| {
        terradl_report::write_atomic(&out.join(name), bytes).with_context(|| format!("writing {name}"))
    };
    write("search.csv", outcome.to_csv().as_bytes())?;
    write("search.json", &serde_json::to_vec_pretty(&serde_json::json!({ "summary": summary, "outcome": outcome }))?)?;
    if let Some(r) = outcome.best_result() {
        let test = summary.best_test_accuracy.map_or_else(|| "not yet measured".to_string(), |a| format!("{a:.4}"));
        let header = format!("# Best configuration of `terradl search` (validation accuracy {:.4}, test accuracy {test}).\n", r.score);
        let body = match file.model {
            SearchModel::Mlp => {
                #[derive(Serialize)]
                struct Models {
                    models: Vec<PixelModelConfig>,
                }
                toml::to_string_pretty(&Models { models: vec![PixelModelConfig::Mlp(r.trial.mlp_config(&MlpPixelConfig::default(), r.epochs))] })?
            }
            SearchModel::Tempcnn => {
                #[derive(Serialize)]
                struct Models {
                    models: Vec<TemporalModelConfig>,
                }
                let settings = r.trial.tempcnn_settings(&tempcnn_base(), r.epochs);
                toml::to_string_pretty(&Models { models: vec![TemporalModelConfig::TempCnn(settings)] })?
            }
            SearchModel::PatchCnn => {
                #[derive(Serialize)]
                struct Patch {
                    patch_cnn: PatchCnnSettings,
                }
                toml::to_string_pretty(&Patch { patch_cnn: r.trial.patch_cnn_settings(&PatchCnnSettings::default(), r.epochs) })?
            }
        };
        write("best.toml", format!("{header}{body}").as_bytes())?;
    }
    Ok(())
}

/// The TempCNN settings a search varies: AdamW with weight decay 0.01 and the one-cycle
/// schedule (as `examples/crop-types-ucr.toml`); the trial sets widths, dropout, rate, batch.
fn tempcnn_base() -> TempCnnSettings {
    let mut base = TempCnnSettings::default();
    base.train.weight_decay = 1e-2;
    base.train.schedule = LrSchedule::OneCycle { warmup_fraction: 0.3 };
    base
}

/// Trains one trial's model and scores it.
struct Evaluator<'a> {
    model: SearchModel,
    set: &'a super::design_data::SampleSet,
}

impl<'a> Evaluator<'a> {
    fn new(model: SearchModel, set: &'a super::design_data::SampleSet) -> anyhow::Result<Self> {
        if model == SearchModel::PatchCnn {
            anyhow::ensure!(set.stack.is_some(), "model = \"patch_cnn\" needs image data: use data.source = \"pipeline\"");
        }
        Ok(Evaluator { model, set })
    }

    /// Train `trial` for `epochs` on samples `fit`, return the accuracy on samples `eval`.
    fn fit_score(&self, trial: &Trial, epochs: usize, fit: &[usize], eval: &[usize], k: usize) -> Result<f64, TrainError> {
        let s = &self.set.samples;
        let y_eval: Vec<u32> = eval.iter().map(|&i| s.y[i]).collect();
        let pred = match self.model {
            SearchModel::Mlp => {
                let (a, b) = (s.subset(fit), s.subset(eval));
                let mut m = PixelModelConfig::Mlp(trial.mlp_config(&MlpPixelConfig::default(), epochs)).build();
                m.fit(&a.x, s.n_features, &a.y)?;
                m.predict(&b.x, s.n_features)?
            }
            SearchModel::Tempcnn => {
                let (a, b) = (s.subset(fit), s.subset(eval));
                let days: Vec<f32> = (1..=s.n_features).map(|d| d as f32).collect();
                let config = TemporalModelConfig::TempCnn(trial.tempcnn_settings(&tempcnn_base(), epochs));
                let mut m = config.build(s.n_features, 1, &days)?;
                m.fit(&a.x, s.n_features, &a.y)?;
                m.predict(&b.x, s.n_features)?
            }
            SearchModel::PatchCnn => {
                let (Some(stack), Some(cf), Some(ce)) = (&self.set.stack, self.set.centres(fit), self.set.centres(eval)) else {
                    return Err(TrainError::Data("patch CNN search without image data".into()));
                };
                let y_fit: Vec<u32> = fit.iter().map(|&i| s.y[i]).collect();
                let mut m = PatchClassifier::new(trial.patch_cnn_settings(&PatchCnnSettings::default(), epochs));
                m.fit(stack, &cf, &y_fit, k)?;
                m.predict_proba(stack, &ce)?.argmax()
            }
        };
        Ok(accuracy(&pred, &y_eval))
    }
}
