//! Checkpoint and resume: a run interrupted after 2 epochs and resumed ends where an
//! uninterrupted 4-epoch run ends. (One test per binary: burn's NdArray RNG is global.)

mod common;

use burn::tensor::Device;
use common::phenology;
use terradl_models::TempCnnConfig;
use terradl_train::checkpoint::latest_checkpoint;
use terradl_train::{FitOptions, LrSchedule, TrainConfig, fit, predict_proba};

#[test]
fn interrupted_and_resumed_run_matches_straight_run() {
    let train = phenology(40, 12, 2, 3, 11);
    let val = phenology(20, 12, 2, 3, 12);
    let config = TrainConfig::new()
        .with_epochs(4)
        .with_batch_size(16)
        .with_patience(0)
        .with_lr_schedule(LrSchedule::Cosine { min_lr: 1e-4 });
    let model = |d: &Device| {
        TempCnnConfig::new(2, 12, 3)
            .with_filters(8)
            .with_hidden(16)
            .with_dropout(0.3)
            .init(d)
    };

    let straight = fit(model, &train, &val, &config, &FitOptions::default()).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let killed = FitOptions {
        max_epochs_this_run: Some(2),
        ..FitOptions::checkpointed(dir.path())
    };
    let first = fit(model, &train, &val, &config, &killed).unwrap();
    assert_eq!(first.history.epochs.len(), 2);
    let (files, state) = latest_checkpoint(dir.path()).unwrap().unwrap();
    assert_eq!(state.epoch, 2);
    assert!(files.model().exists() && files.optimizer().exists() && files.best().exists());
    // No temporary directories are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());

    let resumed = fit(
        model,
        &train,
        &val,
        &config,
        &FitOptions::checkpointed(dir.path()),
    )
    .unwrap();
    assert_eq!(resumed.history.epochs.len(), 4);
    for (a, b) in straight.history.epochs.iter().zip(&resumed.history.epochs) {
        assert_eq!(a.epoch, b.epoch);
        assert!(
            (a.train_loss - b.train_loss).abs() < 1e-4,
            "epoch {}: {} vs {}",
            a.epoch,
            a.train_loss,
            b.train_loss
        );
        assert!((a.val_loss.unwrap() - b.val_loss.unwrap()).abs() < 1e-4);
    }
    let p1 = predict_proba(&straight.model, &val.x, &val.shape, 64).unwrap();
    let p2 = predict_proba(&resumed.model, &val.x, &val.shape, 64).unwrap();
    let max_diff = p1
        .values
        .iter()
        .zip(&p2.values)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(max_diff < 1e-4, "probabilities differ by {max_diff}");

    // A finished run resumed again trains no further.
    let again = fit(
        model,
        &train,
        &val,
        &config,
        &FitOptions::checkpointed(dir.path()),
    )
    .unwrap();
    assert_eq!(again.history.epochs.len(), 4);
}
