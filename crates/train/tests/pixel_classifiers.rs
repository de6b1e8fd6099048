//! Random forest, SVM and MLP through the PixelClassifier interface.

mod common;

use common::{accuracy, blobs};
use terradl_train::pixel::{MlpPixelConfig, RandomForestConfig, SvmConfig};
use terradl_train::{FeatureAxis, Normalization, PixelModelConfig, TrainConfig};

fn check(config: PixelModelConfig, standardise: bool, min_accuracy: f32) {
    let mut train = blobs(80, 5, 4, 21);
    let mut test = blobs(80, 5, 4, 22);
    if standardise {
        let n = Normalization::fit(&train.x, &train.shape, FeatureAxis::Last).unwrap();
        n.apply(&mut train.x, &train.shape).unwrap();
        n.apply(&mut test.x, &test.shape).unwrap();
    }
    let mut model = config.build();
    let name = model.name();
    model.fit(&train.x, 5, &train.y).unwrap();
    let proba = model.predict_proba(&test.x, 5).unwrap();
    assert_eq!(proba.n_classes, 4);
    assert_eq!(proba.len(), test.len());
    assert!(
        proba
            .values
            .chunks(4)
            .all(|r| (r.iter().sum::<f32>() - 1.0).abs() < 1e-4
                && r.iter().all(|p| (0.0..=1.0).contains(p)))
    );
    let acc = accuracy(&model.predict(&test.x, 5).unwrap(), &test.y);
    println!("{name}: test accuracy {acc:.3}");
    assert!(acc > min_accuracy, "{name} accuracy {acc}");
    // Wrong feature count is an error, not a panic.
    assert!(model.predict_proba(&test.x, 4).is_err());
}

#[test]
fn random_forest_through_trait() {
    let config = RandomForestConfig {
        n_trees: 30,
        ..Default::default()
    };
    check(PixelModelConfig::RandomForest(config), false, 0.93);
}

#[test]
fn svm_through_trait() {
    check(PixelModelConfig::Svm(SvmConfig::default()), true, 0.93);
}

#[test]
fn mlp_through_trait() {
    let config = MlpPixelConfig {
        train: TrainConfig::new().with_epochs(20).with_learning_rate(3e-3),
        ..Default::default()
    };
    check(PixelModelConfig::Mlp(config), false, 0.93);
}

#[test]
fn forest_probabilities_are_vote_fractions() {
    let train = blobs(40, 3, 2, 3);
    let config = RandomForestConfig {
        n_trees: 7,
        ..Default::default()
    };
    let mut forest = PixelModelConfig::RandomForest(config).build();
    forest.fit(&train.x, 3, &train.y).unwrap();
    let p = forest.predict_proba(&train.x, 3).unwrap();
    // With 7 trees every probability is a multiple of 1/7.
    assert!(
        p.values
            .iter()
            .all(|v| ((v * 7.0) - (v * 7.0).round()).abs() < 1e-4)
    );
}

#[test]
fn configs_parse_from_toml_like_json() {
    let c: PixelModelConfig =
        serde_json::from_str(r#"{"kind":"random_forest","n_trees":10}"#).unwrap();
    assert!(matches!(
        c,
        PixelModelConfig::RandomForest(RandomForestConfig { n_trees: 10, .. })
    ));
    let c: PixelModelConfig = serde_json::from_str(r#"{"kind":"svm","c":1.0}"#).unwrap();
    assert!(matches!(c, PixelModelConfig::Svm(_)));
    assert!(
        PixelModelConfig::Svm(SvmConfig::default())
            .build()
            .predict(&[0.0; 5], 5)
            .is_err()
    );
}
