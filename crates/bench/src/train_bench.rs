//! (a) Training throughput of terradl's deep models through the real training loop
//! ([`terradl_train::fit`]): Adam (AdamW with zero weight decay), uniform cross-entropy,
//! constant learning rate, no validation set, so each epoch is pure training.

use crate::arrays::Arrays;
use burn::tensor::Device;
use serde_json::json;
use std::path::Path;
use terradl_models::{LstmClassifierConfig, PatchCnnConfig, TempCnnConfig};
use terradl_train::{FitOptions, TensorDataset, TrainConfig, fit};

/// The benchmarked architectures (the same layer sizes are built in `bench/peers.py`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum BenchModel {
    /// `PatchCnn` defaults: conv 32-64-128 (3x3, BN, ReLU, 2x2 max-pool), mean pool, dropout 0.3.
    PatchCnn,
    /// `TempCnn` defaults: 3 x conv1d 64 (k 5, BN, ReLU, dropout 0.2), dense 256, head.
    Tempcnn,
    /// `LstmClassifier` defaults: 2-layer LSTM 128, last step, dropout 0.2, head.
    Lstm,
}

impl BenchModel {
    /// Name used in the CSV.
    pub(crate) fn name(self) -> &'static str {
        match self {
            BenchModel::PatchCnn => "patch_cnn",
            BenchModel::Tempcnn => "tempcnn",
            BenchModel::Lstm => "lstm",
        }
    }

    /// The stored sample set it trains on.
    pub(crate) fn data(self) -> &'static str {
        match self {
            BenchModel::PatchCnn => "patches",
            _ => "series",
        }
    }
}

/// Trains `model` for `epochs` epochs on the stored set and prints one JSON line with the
/// median samples/s of the epochs after the first (warm-up).
pub(crate) fn run(model: BenchModel, data_dir: &Path, epochs: usize, batch_size: usize) -> anyhow::Result<()> {
    anyhow::ensure!(epochs >= 2, "need at least 2 epochs (the first is warm-up)");
    let a = Arrays::load(data_dir, model.data())?;
    let k = a.meta.n_classes;
    let shape = a.meta.shape.clone();
    let train = TensorDataset::new(a.x, shape.clone(), a.y)?;
    let val = TensorDataset { shape: shape.clone(), ..Default::default() };
    let config = TrainConfig::new()
        .with_epochs(epochs)
        .with_batch_size(batch_size)
        .with_learning_rate(1e-3)
        .with_weight_decay(0.0)
        .with_patience(0);
    let options = FitOptions::default();
    let history = match model {
        BenchModel::PatchCnn => {
            let c = PatchCnnConfig::new(shape[0], k);
            fit(|d: &Device| c.init(d), &train, &val, &config, &options)?.history
        }
        BenchModel::Tempcnn => {
            let c = TempCnnConfig::new(shape[1], shape[0], k);
            fit(|d: &Device| c.init(d), &train, &val, &config, &options)?.history
        }
        BenchModel::Lstm => {
            let c = LstmClassifierConfig::new(shape[1], k);
            fit(|d: &Device| c.init(d), &train, &val, &config, &options)?.history
        }
    };
    let mut rates: Vec<f64> = history.epochs.iter().skip(1).map(|e| e.samples_per_second).collect();
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    let losses: Vec<f32> = history.epochs.iter().map(|e| e.train_loss).collect();
    println!(
        "{}",
        json!({
            "bench": "train", "impl": "terradl", "model": model.name(),
            "threads": rayon::current_num_threads(), "batch_size": batch_size,
            "samples": train.len(), "sample_shape": shape, "epochs_timed": rates.len(),
            "samples_per_s": median, "train_loss": losses,
        })
    );
    Ok(())
}
