//! MC dropout: passes differ from each other, deterministic inference repeats exactly.

mod common;

use burn::tensor::Device;
use common::blobs;
use terradl_models::MlpConfig;
use terradl_train::{
    ClassProbabilities, FitOptions, TrainConfig, fit, predict_proba, predict_proba_mc,
};

#[test]
fn mc_passes_differ_and_deterministic_inference_repeats() {
    let train = blobs(50, 4, 3, 1);
    let config = TrainConfig::new().with_epochs(3);
    let fitted = fit(
        |d: &Device| MlpConfig::new(4, 3).with_dropout(0.5).init(d),
        &train,
        &train,
        &config,
        &FitOptions::default(),
    )
    .unwrap();
    let model = fitted.model;

    let a = predict_proba(&model, &train.x, &train.shape, 32).unwrap();
    let b = predict_proba(&model, &train.x, &train.shape, 64).unwrap();
    assert_eq!(
        a, b,
        "deterministic inference must not depend on batching or repeat calls"
    );

    let passes = predict_proba_mc(&model, &train.x, &train.shape, 32, 5, 7).unwrap();
    assert_eq!(passes.len(), 5);
    for p in &passes {
        assert_eq!(p.len(), train.len());
        assert!(
            p.values
                .chunks(3)
                .all(|r| (r.iter().sum::<f32>() - 1.0).abs() < 1e-4)
        );
    }
    assert_ne!(passes[0], passes[1]);
    assert_ne!(passes[0], a);
    // The same seed gives the same passes.
    let again = predict_proba_mc(&model, &train.x, &train.shape, 32, 5, 7).unwrap();
    assert_eq!(passes, again);
    // The MC mean stays close to the deterministic prediction.
    let mean = ClassProbabilities::mean(&passes).unwrap();
    let mad = mean
        .values
        .iter()
        .zip(&a.values)
        .map(|(m, d)| (m - d).abs())
        .sum::<f32>()
        / a.values.len() as f32;
    assert!(mad < 0.2, "mean absolute difference {mad}");
}
