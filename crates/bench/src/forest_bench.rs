//! (b) Random-forest fit and predict on Statlog (Landsat Satellite), original split, with the
//! test accuracy so that speed is never bought with accuracy.

use crate::arrays::Arrays;
use serde_json::json;
use std::path::Path;
use std::time::Instant;
use terradl_train::pixel::{MaxFeatures, PixelClassifier, RandomForest, RandomForestConfig};

/// Environment variable choosing the features examined per split: `all` (default) or `sqrt`
/// (scikit-learn's `max_features`; `bench/peers.py forest --max-features` is the peer's).
pub(crate) const MAX_FEATURES_VAR: &str = "TERRADL_RF_MAX_FEATURES";

/// Fits `trees` trees (bootstrap rows, `max_depth`, features per split from
/// [`MAX_FEATURES_VAR`], all by default) `repeats` times and predicts the test set replicated
/// `predict_copies` times; prints one JSON line with the best times.
pub(crate) fn run(
    data_dir: &Path,
    trees: usize,
    max_depth: Option<u16>,
    repeats: usize,
    predict_copies: usize,
) -> anyhow::Result<()> {
    let train = Arrays::load(data_dir, "statlog_train")?;
    let test = Arrays::load(data_dir, "statlog_test")?;
    let nf = train.meta.shape[0];
    let (max_features, max_features_name) = match std::env::var(MAX_FEATURES_VAR).as_deref() {
        Err(_) | Ok("all") => (MaxFeatures::All, "all"),
        Ok("sqrt") => (MaxFeatures::Sqrt, "sqrt"),
        Ok(other) => anyhow::bail!("{MAX_FEATURES_VAR}={other}: expected all or sqrt"),
    };
    let config = RandomForestConfig {
        n_trees: trees,
        max_depth,
        min_samples_leaf: 1,
        max_features,
        features_per_tree: None,
        seed: 42,
    };
    let big: Vec<f32> = test.x.iter().copied().cycle().take(test.x.len() * predict_copies.max(1)).collect();
    let (mut best_fit, mut best_predict, mut accuracy) = (f64::INFINITY, f64::INFINITY, 0.0);
    for _ in 0..repeats.max(1) {
        let mut rf = RandomForest::new(config.clone());
        let t = Instant::now();
        rf.fit(&train.x, nf, &train.y)?;
        best_fit = best_fit.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let pred = rf.predict(&big, nf)?;
        best_predict = best_predict.min(t.elapsed().as_secs_f64());
        let correct = pred.iter().zip(&test.y).filter(|(p, y)| p == y).count();
        accuracy = correct as f64 / test.meta.n as f64;
    }
    let rows = big.len() / nf;
    println!(
        "{}",
        json!({
            "bench": "rf", "impl": "terradl", "threads": rayon::current_num_threads(),
            "trees": trees, "max_depth": max_depth, "max_features": max_features_name,
            "n_train": train.meta.n, "n_predict": rows, "fit_s": best_fit,
            "predict_s": best_predict, "predict_rows_per_s": rows as f64 / best_predict,
            "test_accuracy": accuracy,
        })
    );
    Ok(())
}
