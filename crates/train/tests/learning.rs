//! The burn models learn separable generated problems.

mod common;

use std::time::Instant;

use burn::tensor::Device;
use common::{accuracy, blobs, phenology};
use terradl_models::{LstmClassifierConfig, LtaeConfig, MlpConfig, PatchCnnConfig, TempCnnConfig};
use terradl_train::{
    FeatureAxis, FitOptions, History, LrSchedule, Normalization, TensorDataset, TrainConfig, fit,
    predict_proba,
};

fn normalised(
    mut train: TensorDataset,
    mut val: TensorDataset,
    axis: FeatureAxis,
) -> (TensorDataset, TensorDataset) {
    let n = Normalization::fit(&train.x, &train.shape, axis).unwrap();
    n.apply(&mut train.x, &train.shape).unwrap();
    n.apply(&mut val.x, &val.shape).unwrap();
    (train, val)
}

fn check_history(h: &History, epochs: usize) {
    assert!(!h.epochs.is_empty() && h.epochs.len() <= epochs);
    let json = h.to_json();
    let back: History = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, h);
    assert!(h.best().is_some());
}

#[test]
fn mlp_learns_gaussian_blobs() {
    let (train, val) = normalised(blobs(200, 6, 4, 1), blobs(100, 6, 4, 2), FeatureAxis::Last);
    let config = TrainConfig::new()
        .with_epochs(15)
        .with_batch_size(32)
        .with_learning_rate(3e-3)
        .with_lr_schedule(LrSchedule::Cosine { min_lr: 1e-4 });
    let start = Instant::now();
    let fitted = fit(
        |d: &Device| MlpConfig::new(6, 4).init(d),
        &train,
        &val,
        &config,
        &FitOptions::default(),
    )
    .unwrap();
    let secs = start.elapsed().as_secs_f64();
    let acc = fitted.history.best().unwrap().val_accuracy.unwrap();
    println!(
        "mlp: val accuracy {acc:.3} in {secs:.2}s, {:?}",
        fitted.history.epochs.last()
    );
    assert!(acc > 0.95, "validation accuracy {acc}");
    check_history(&fitted.history, 15);
    // The training loss went down.
    let h = &fitted.history.epochs;
    assert!(h.last().unwrap().train_loss < h[0].train_loss);
    // predict_proba agrees with the recorded accuracy.
    let p = predict_proba(&fitted.model, &val.x, &val.shape, 100).unwrap();
    assert!((accuracy(&p.argmax(), &val.y) - acc).abs() < 1e-6);
    assert!(
        p.values
            .chunks(4)
            .all(|r| (r.iter().sum::<f32>() - 1.0).abs() < 1e-4)
    );
}

#[test]
fn tempcnn_learns_phenology() {
    let (train, val) = normalised(
        phenology(60, 16, 3, 4, 3),
        phenology(30, 16, 3, 4, 4),
        FeatureAxis::Last,
    );
    let config = TrainConfig::new()
        .with_epochs(10)
        .with_batch_size(32)
        .with_learning_rate(2e-3);
    let start = Instant::now();
    let model = |d: &Device| {
        TempCnnConfig::new(3, 16, 4)
            .with_filters(16)
            .with_hidden(64)
            .init(d)
    };
    let fitted = fit(model, &train, &val, &config, &FitOptions::default()).unwrap();
    let acc = fitted.history.best().unwrap().val_accuracy.unwrap();
    println!(
        "tempcnn: val accuracy {acc:.3} in {:.2}s",
        start.elapsed().as_secs_f64()
    );
    assert!(acc > 0.95, "validation accuracy {acc}");
    check_history(&fitted.history, 10);
}

#[test]
fn ltae_and_lstm_learn_phenology() {
    let (train, val) = normalised(
        phenology(60, 16, 2, 3, 5),
        phenology(30, 16, 2, 3, 6),
        FeatureAxis::Last,
    );
    let config = TrainConfig::new()
        .with_epochs(15)
        .with_batch_size(32)
        .with_learning_rate(3e-3);
    let ltae = |d: &Device| {
        LtaeConfig::new(2, 3)
            .with_d_model(32)
            .with_n_head(4)
            .with_mlp_hidden(32)
            .init(d)
    };
    let fitted = fit(ltae, &train, &val, &config, &FitOptions::default()).unwrap();
    let acc = fitted.history.best().unwrap().val_accuracy.unwrap();
    println!("ltae: val accuracy {acc:.3}");
    assert!(acc > 0.9, "L-TAE validation accuracy {acc}");

    let lstm = |d: &Device| {
        LstmClassifierConfig::new(2, 3)
            .with_hidden(32)
            .with_n_layers(1)
            .init(d)
    };
    let fitted = fit(lstm, &train, &val, &config, &FitOptions::default()).unwrap();
    let acc = fitted.history.best().unwrap().val_accuracy.unwrap();
    println!("lstm: val accuracy {acc:.3}");
    assert!(acc > 0.9, "LSTM validation accuracy {acc}");
}

#[test]
fn patch_cnn_trains_on_patches() {
    // 8x8 two-band patches: class 1 has a bright centre square in band 0.
    let mut x = Vec::new();
    let mut y = Vec::new();
    let base = blobs(160, 1, 2, 7); // reuse the noise generator for per-patch offsets
    for i in 0..160 {
        let c = (i % 2) as u32;
        for band in 0..2 {
            for r in 0..8 {
                for col in 0..8 {
                    let centre = (2..6).contains(&r) && (2..6).contains(&col);
                    let v = if band == 0 && centre && c == 1 {
                        2.0
                    } else {
                        0.0
                    };
                    x.push(v + 0.3 * base.x[i] + 0.05 * ((r * 8 + col + i) % 7) as f32);
                }
            }
        }
        y.push(c);
    }
    let data = TensorDataset::new(x, vec![2, 8, 8], y).unwrap();
    let (train, val) = data.split_stratified(0.25, 0);
    let config = TrainConfig::new()
        .with_epochs(8)
        .with_batch_size(16)
        .with_learning_rate(3e-3);
    let model = |d: &Device| PatchCnnConfig::new(2, 2).with_filters(vec![8, 16]).init(d);
    let fitted = fit(model, &train, &val, &config, &FitOptions::default()).unwrap();
    let acc = fitted.history.best().unwrap().val_accuracy.unwrap();
    println!("patch cnn: val accuracy {acc:.3}");
    assert!(acc > 0.95, "validation accuracy {acc}");
}

#[test]
fn fit_rejects_mismatched_data() {
    let train = blobs(10, 3, 2, 1);
    let config = TrainConfig::new().with_epochs(1);
    // Wrong feature count for the model.
    let r = fit(
        |d: &Device| MlpConfig::new(4, 2).init(d),
        &train,
        &train,
        &config,
        &FitOptions::default(),
    );
    assert!(r.is_err());
    // Labels beyond the model's classes.
    let three = blobs(10, 3, 3, 1);
    let r = fit(
        |d: &Device| MlpConfig::new(3, 2).init(d),
        &three,
        &three,
        &config,
        &FitOptions::default(),
    );
    assert!(r.is_err());
}
