//! `terradl search <search.toml>`: random search or successive halving over
//! the pixel MLP's learning rate, batch size, depth/width and dropout, scored on
//! a validation split of the training samples (spatially blocked for pipelines);
//! the held-out test set is used once, for the best configuration. Writes
//! `search.csv` (every evaluation), `best.toml` (a `[[models]]` entry for a
//! pipeline) and `search.json`.
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
use terradl_train::pixel::MlpPixelConfig;
use terradl_train::search::{run_search, SearchConfig, SearchSpace, Strategy};
use terradl_train::{PixelModelConfig, TrainError};

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Search description (TOML); see the module documentation / docs.
    pub config: PathBuf,
    /// Override the wall-clock budget (seconds).
    #[arg(long)]
    pub budget: Option<f64>,
}

/// The search TOML.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchFile {
    /// Output directory (created); relative to the TOML's directory.
    pub output: PathBuf,
    pub seed: u64,
    pub budget_seconds: f64,
    pub data: DataSource,
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
pub struct SearchSummary {
    pub data: String,
    pub evaluations: usize,
    pub stopped_by_budget: bool,
    pub seconds: f64,
    pub best_validation_accuracy: Option<f64>,
    /// Accuracy of the best configuration, retrained on all training samples, on the
    /// held-out test set.
    pub best_test_accuracy: Option<f64>,
    pub best: Option<MlpPixelConfig>,
}

pub fn run(args: SearchArgs) -> anyhow::Result<()> {
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
    if let (Some(v), Some(b)) = (s.best_validation_accuracy, &s.best) {
        println!(
            "best: hidden {:?}, dropout {:.3}, lr {:.2e}, batch {}, epochs {}: validation accuracy {v:.4}, test accuracy {}",
            b.hidden,
            b.dropout,
            b.train.learning_rate,
            b.train.batch_size,
            b.train.epochs,
            s.best_test_accuracy.map(|a| format!("{a:.4}")).unwrap_or_else(|| "-".into())
        );
    }
    println!("written to {}", file.output.display());
    Ok(())
}

/// Run the search described by `file` and write its outputs.
pub fn search(file: &SearchFile) -> anyhow::Result<SearchSummary> {
    anyhow::ensure!(
        file.space.patch_size.is_empty(),
        "space.patch_size is set but `terradl search` tunes the pixel MLP, which has no patch size"
    );
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
    let (fit, val) = (set.samples.subset(&fit_idx), set.samples.subset(&val_idx));
    let nf = set.samples.n_features;
    let base = MlpPixelConfig::default();
    tracing::info!(fit = fit.n_samples, validation = val.n_samples, "search data");

    let outcome = run_search(&config, |trial, epochs| {
        let mut model = PixelModelConfig::Mlp(trial.mlp_config(&base, epochs)).build();
        model.fit(&fit.x, nf, &fit.y)?;
        let pred = model.predict(&val.x, nf)?;
        Ok::<f64, TrainError>(accuracy(&pred, &val.y))
    })?;

    let best = outcome.best_result().map(|r| r.trial.mlp_config(&base, r.epochs));
    let mut best_test_accuracy = None;
    if let Some(cfg) = &best {
        // Retrain the winner on every training sample, then test once.
        let train = set.samples.subset(&set.train);
        let test = set.samples.subset(&set.test);
        let mut model = PixelModelConfig::Mlp(cfg.clone()).build();
        model.fit(&train.x, nf, &train.y)?;
        best_test_accuracy = Some(accuracy(&model.predict(&test.x, nf)?, &test.y));
    }
    let summary = SearchSummary {
        data: set.description.clone(),
        evaluations: outcome.results.len(),
        stopped_by_budget: outcome.stopped_by_budget,
        seconds: outcome.seconds,
        best_validation_accuracy: outcome.best_result().map(|r| r.score),
        best_test_accuracy,
        best: best.clone(),
    };
    let out = &file.output;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let write = |name: &str, bytes: &[u8]| {
        terradl_report::write_atomic(&out.join(name), bytes).with_context(|| format!("writing {name}"))
    };
    write("search.csv", outcome.to_csv().as_bytes())?;
    write("search.json", &serde_json::to_vec_pretty(&serde_json::json!({ "summary": &summary, "outcome": &outcome }))?)?;
    if let Some(cfg) = &best {
        #[derive(Serialize)]
        struct Models<'a> {
            models: Vec<&'a PixelModelConfig>,
        }
        let model = PixelModelConfig::Mlp(cfg.clone());
        let toml = toml::to_string_pretty(&Models { models: vec![&model] })?;
        let header = format!(
            "# Best configuration of `terradl search` (validation accuracy {:.4}); paste into a pipeline.\n",
            summary.best_validation_accuracy.unwrap_or(f64::NAN)
        );
        write("best.toml", format!("{header}{toml}").as_bytes())?;
    }
    Ok(summary)
}
