//! `terradl learning-curve`: sample-design uncertainty.
//!
//! 1. Learning curve: for each number of training samples per class, draw a
//!    stratified sample of the training set with several seeds, train, and test
//!    on the held-out set (Statlog's test rows, or the pipeline's blocked test
//!    fold) -> `learning_curve.csv`.
//! 2. Random vs spatially blocked k-fold cross-validation on the same labelled
//!    pixels (pipelines only): random CV puts neighbouring, autocorrelated pixels
//!    on both sides and is optimistic; blocked CV does not -> `cv_compare.csv`.
//!    Random k-fold is blocked k-fold with 1-pixel blocks.
//!
//! Both also as PNG figures (`learning_curve.png`, `cv_compare.png`).

use super::design_data::{accuracy, DataSource, SampleSet};
use super::design_figures::{curve_summary, cv_summary, write_cv_compare, write_learning_curve};
use anyhow::Context;
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::fmt::Write;
use std::path::PathBuf;
use terradl_assess::ConfusionMatrix;
use terradl_data::sampling::{stratified_sample, BlockedKFold, PerClass};
use terradl_data::LabelledSamples;
use terradl_train::pixel::{MlpPixelConfig, RandomForestConfig};
use terradl_train::{PixelModelConfig, TrainConfig};

/// Classifier used for the curves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
pub(crate) enum CurveModel {
    /// Random forest, 50 trees.
    RandomForest,
    /// Pixel MLP (64-32, dropout 0.2, 40 epochs, early stopping).
    Mlp,
}

#[derive(Debug, Args)]
pub(crate) struct LearningCurveArgs {
    /// Land-cover pipeline TOML whose image, labels and blocked split to use.
    #[arg(long, conflicts_with = "statlog")]
    pub pipeline: Option<PathBuf>,
    /// Use the Statlog Landsat table (no coordinates: no blocked CV).
    #[arg(long)]
    pub statlog: bool,
    #[arg(long, value_enum, default_value = "random-forest")]
    pub model: CurveModel,
    /// Training samples per class, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "5,10,20,50,100")]
    pub sizes: Vec<usize>,
    /// Repeats (seeds) per size.
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
    /// Folds of the random vs blocked comparison.
    #[arg(long, default_value_t = 4)]
    pub folds: usize,
    /// Block side (pixels) of the blocked CV (default: the pipeline's).
    #[arg(long)]
    pub block_size: Option<usize>,
    /// Cap on training pixels per class in each CV fold (keeps folds comparable and fast).
    #[arg(long, default_value_t = 200)]
    pub cv_per_class: usize,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Output directory (created).
    #[arg(long, default_value = "runs/learning-curve")]
    pub output: PathBuf,
}

/// One point of the learning curve.
#[derive(Debug, Clone, Serialize)]
pub(super) struct CurvePoint {
    pub n_per_class: usize,
    pub repeat: usize,
    pub n_train: usize,
    pub accuracy: f64,
    pub kappa: f64,
}

/// One fold of the CV comparison.
#[derive(Debug, Clone, Serialize)]
pub(super) struct CvFold {
    pub design: &'static str,
    pub fold: usize,
    pub n_train: usize,
    pub n_test: usize,
    pub accuracy: f64,
}

fn model_config(m: CurveModel, seed: u64) -> PixelModelConfig {
    match m {
        CurveModel::RandomForest => PixelModelConfig::RandomForest(RandomForestConfig { n_trees: 50, seed, ..Default::default() }),
        CurveModel::Mlp => PixelModelConfig::Mlp(MlpPixelConfig {
            hidden: vec![64, 32],
            dropout: 0.2,
            train: TrainConfig::new().with_epochs(40).with_patience(8).with_learning_rate(3e-3).with_seed(seed),
            val_fraction: 0.15,
        }),
    }
}

/// Train on `train`, return (accuracy, kappa) on `test`.
fn fit_score(cfg: &PixelModelConfig, train: &LabelledSamples, test: &LabelledSamples) -> anyhow::Result<(f64, f64)> {
    let mut model = cfg.build();
    model.fit(&train.x, train.n_features, &train.y)?;
    let pred = model.predict(&test.x, test.n_features)?;
    let cm = ConfusionMatrix::from_labels(&test.y, &pred, test.class_names.len(), None)?;
    Ok((accuracy(&pred, &test.y), cm.kappa().unwrap_or(f64::NAN)))
}

/// Learning curve over `sizes` x `repeats`.
pub(super) fn learning_curve(set: &SampleSet, model: CurveModel, sizes: &[usize], repeats: usize, seed: u64) -> anyhow::Result<Vec<CurvePoint>> {
    let test = set.samples.subset(&set.test);
    let mut out = Vec::new();
    let bar = terradl_pipeline::progress::bar((sizes.len() * repeats) as u64, "curve");
    for &n in sizes {
        for r in 0..repeats {
            let s = seed.wrapping_add(1000 * r as u64 + n as u64);
            let idx = stratified_sample(&set.samples.y, &set.train, PerClass::Count(n), s)?;
            let train = set.samples.subset(&idx);
            let (acc, kappa) = fit_score(&model_config(model, s), &train, &test)?;
            tracing::info!(n_per_class = n, repeat = r, n_train = idx.len(), accuracy = acc, "learning curve");
            out.push(CurvePoint { n_per_class: n, repeat: r, n_train: idx.len(), accuracy: acc, kappa });
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    Ok(out)
}

/// Random and blocked k-fold CV over all labelled pixels (each fold's training side
/// capped at `per_class` pixels per class).
pub(super) fn cv_compare(set: &SampleSet, model: CurveModel, folds: usize, block_size: usize, per_class: usize, seed: u64) -> anyhow::Result<Vec<CvFold>> {
    let (pos, cols) = set.positions.as_ref().ok_or_else(|| anyhow::anyhow!("blocked CV needs pixel positions (a pipeline)"))?;
    let mut out = Vec::new();
    for (design, block) in [("random", 1usize), ("blocked", block_size)] {
        let cv = BlockedKFold { block_size: block, k: folds, seed };
        for (f, fold) in cv.folds(pos, *cols)?.iter().enumerate() {
            let train_idx = stratified_sample(&set.samples.y, &fold.train, PerClass::Count(per_class), seed + f as u64)?;
            let (train, test) = (set.samples.subset(&train_idx), set.samples.subset(&fold.test));
            let (acc, _) = fit_score(&model_config(model, seed + f as u64), &train, &test)?;
            tracing::info!(design, fold = f, accuracy = acc, "cv fold");
            out.push(CvFold { design, fold: f, n_train: train_idx.len(), n_test: fold.test.len(), accuracy: acc });
        }
    }
    Ok(out)
}

pub(super) fn run(args: LearningCurveArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.repeats > 0 && !args.sizes.is_empty(), "need at least one size and one repeat");
    let source = match (&args.pipeline, args.statlog) {
        (Some(p), false) => DataSource::Pipeline { path: p.clone() },
        (None, true) => DataSource::Statlog,
        _ => anyhow::bail!("give --pipeline <toml> or --statlog"),
    };
    let set = source.load()?;
    println!("{}", set.description);
    std::fs::create_dir_all(&args.output).with_context(|| format!("creating {}", args.output.display()))?;
    let write = |name: &str, text: &str| {
        terradl_report::write_atomic(&args.output.join(name), text.as_bytes()).with_context(|| format!("writing {name}"))
    };

    let curve = learning_curve(&set, args.model, &args.sizes, args.repeats, args.seed)?;
    let mut csv = String::from("model,n_per_class,repeat,n_train,accuracy,kappa\n");
    for p in &curve {
        let _ = writeln!(csv, "{:?},{},{},{},{},{}", args.model, p.n_per_class, p.repeat, p.n_train, p.accuracy, p.kappa);
    }
    write("learning_curve.csv", &csv)?;
    println!("{:>12} {:>8} {:>10} {:>8}", "per class", "n train", "accuracy", "sd");
    for (n, n_train, m, sd) in curve_summary(&curve) {
        println!("{n:>12} {n_train:>8} {m:>10.4} {sd:>8.4}");
    }
    write_learning_curve(&args.output.join("learning_curve.png"), &curve, &set.description)?;

    if set.positions.is_some() {
        let block = args.block_size.or(set.split.map(|s| s.block_size)).unwrap_or(8);
        let cv = cv_compare(&set, args.model, args.folds, block, args.cv_per_class, args.seed)?;
        let mut csv = String::from("design,fold,n_train,n_test,accuracy\n");
        for f in &cv {
            let _ = writeln!(csv, "{},{},{},{},{}", f.design, f.fold, f.n_train, f.n_test, f.accuracy);
        }
        write("cv_compare.csv", &csv)?;
        write_cv_compare(&args.output.join("cv_compare.png"), &cv)?;
        for design in ["random", "blocked"] {
            let (m, sd) = cv_summary(&cv, design);
            println!("{design:>8} {}-fold CV accuracy: {m:.4} ± {sd:.4} (sd over folds)", args.folds);
        }
    } else {
        println!("no pixel positions: random vs blocked CV needs a pipeline");
    }
    println!("written to {}", args.output.display());
    Ok(())
}
