//! Deep ensembles: the same model trained from several seeds.

use std::path::Path;

use burn::tensor::Device;
use terradl_models::Classifier;

use crate::config::TrainConfig;
use crate::dataset::TensorDataset;
use crate::error::TrainError;
use crate::fit::{FitOptions, Fitted, fit};
use crate::inference::{ClassProbabilities, predict_proba};

/// Trains `members` copies of the model built by `init`, member `i` with seed
/// `config.seed + i` (initial weights, shuffling and dropout all differ). With
/// `checkpoint_root`, member `i` checkpoints to and resumes from `<root>/member-<i>`.
pub fn fit_ensemble<M, F>(
    init: F,
    members: usize,
    train: &TensorDataset,
    val: &TensorDataset,
    config: &TrainConfig,
    checkpoint_root: Option<&Path>,
) -> Result<Vec<Fitted<M>>, TrainError>
where
    M: Classifier,
    F: Fn(&Device) -> M,
{
    (0..members)
        .map(|i| {
            let member_config = config.clone().with_seed(config.seed.wrapping_add(i as u64));
            let options = match checkpoint_root {
                Some(root) => FitOptions::checkpointed(root.join(format!("member-{i}"))),
                None => FitOptions::default(),
            };
            tracing::info!(
                member = i,
                seed = member_config.seed,
                "training ensemble member"
            );
            fit(&init, train, val, &member_config, &options)
        })
        .collect()
}

/// Probabilities of every member for `x` (samples of `sample_shape`); average them with
/// [`ClassProbabilities::mean`] or feed them to an uncertainty measure.
pub fn ensemble_proba<M: Classifier>(
    members: &[M],
    x: &[f32],
    sample_shape: &[usize],
    batch_size: usize,
) -> Result<Vec<ClassProbabilities>, TrainError> {
    members
        .iter()
        .map(|m| predict_proba(m, x, sample_shape, batch_size))
        .collect()
}
