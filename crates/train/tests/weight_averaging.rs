//! Stochastic weight averaging: the returned model is the mean of the last epochs' weights,
//! it predicts differently from the last epoch's model, and a run interrupted inside the
//! averaging window and resumed ends with the same average. (One test per binary: burn's
//! NdArray RNG is global.)

mod common;

use burn::tensor::Device;
use common::{accuracy, phenology};
use terradl_models::TempCnnConfig;
use terradl_train::{FitOptions, LrSchedule, TrainConfig, fit, predict_proba};

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max)
}

#[test]
fn averaged_run_resumes_to_the_same_mean() {
    let train = phenology(40, 12, 2, 3, 21);
    let val = phenology(20, 12, 2, 3, 22);
    let empty = terradl_train::TensorDataset { shape: train.shape.clone(), ..Default::default() };
    let last_epoch = TrainConfig::new().with_epochs(6).with_batch_size(16).with_patience(0).with_lr_schedule(LrSchedule::Constant);
    let averaged = last_epoch.clone().with_average_last(3);
    let model = |d: &Device| TempCnnConfig::new(2, 12, 3).with_filters(8).with_hidden(16).with_dropout(0.3).init(d);

    let plain = fit(model, &train, &empty, &last_epoch, &FitOptions::default()).unwrap();
    let swa = fit(model, &train, &empty, &averaged, &FitOptions::default()).unwrap();
    // Averaging changes the returned weights, not the training trajectory.
    for (a, b) in plain.history.epochs.iter().zip(&swa.history.epochs) {
        assert!((a.train_loss - b.train_loss).abs() < 1e-4, "epoch {}: {} vs {}", a.epoch, a.train_loss, b.train_loss);
    }
    let p_plain = predict_proba(&plain.model, &val.x, &val.shape, 64).unwrap();
    let p_swa = predict_proba(&swa.model, &val.x, &val.shape, 64).unwrap();
    assert!(max_diff(&p_plain.values, &p_swa.values) > 1e-3, "the average is the last epoch's model");
    let acc = accuracy(&p_swa.argmax(), &val.y);
    assert!(acc > 0.8, "averaged model: validation accuracy {acc}");

    // Killed after 4 of 6 epochs (inside the 3-epoch window), then resumed.
    let dir = tempfile::tempdir().unwrap();
    let killed = FitOptions { max_epochs_this_run: Some(4), ..FitOptions::checkpointed(dir.path()) };
    fit(model, &train, &empty, &averaged, &killed).unwrap();
    let resumed = fit(model, &train, &empty, &averaged, &FitOptions::checkpointed(dir.path())).unwrap();
    assert_eq!(resumed.history.epochs.len(), 6);
    let p_resumed = predict_proba(&resumed.model, &val.x, &val.shape, 64).unwrap();
    let d = max_diff(&p_swa.values, &p_resumed.values);
    assert!(d < 1e-4, "resumed average differs by {d}");

    // Early stopping and averaging exclude each other.
    let err = fit(model, &train, &val, &averaged.clone().with_patience(3), &FitOptions::default()).unwrap_err();
    assert!(err.to_string().contains("patience"), "{err}");
}
