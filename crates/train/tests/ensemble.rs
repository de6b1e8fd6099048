//! Deep ensembles: members differ, their mean is accurate.

mod common;

use burn::tensor::Device;
use common::{accuracy, blobs};
use terradl_models::MlpConfig;
use terradl_train::ensemble::{ensemble_proba, fit_ensemble};
use terradl_train::{ClassProbabilities, FeatureAxis, Normalization, TrainConfig};

#[test]
fn three_member_ensemble() {
    let mut train = blobs(60, 4, 3, 31);
    let mut val = blobs(40, 4, 3, 32);
    let n = Normalization::fit(&train.x, &train.shape, FeatureAxis::Last).unwrap();
    n.apply(&mut train.x, &train.shape).unwrap();
    n.apply(&mut val.x, &val.shape).unwrap();
    let config = TrainConfig::new().with_epochs(8).with_learning_rate(3e-3);
    let fitted = fit_ensemble(
        |d: &Device| MlpConfig::new(4, 3).init(d),
        3,
        &train,
        &val,
        &config,
        None,
    )
    .unwrap();
    assert_eq!(fitted.len(), 3);
    let models: Vec<_> = fitted.into_iter().map(|f| f.model).collect();
    let probs = ensemble_proba(&models, &val.x, &val.shape, 64).unwrap();
    assert_ne!(
        probs[0], probs[1],
        "members trained from different seeds must differ"
    );
    let mean = ClassProbabilities::mean(&probs).unwrap();
    let acc = accuracy(&mean.argmax(), &val.y);
    assert!(acc > 0.95, "ensemble accuracy {acc}");
}
