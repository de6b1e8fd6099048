//! The training loop: mini-batch AdamW, weighted cross-entropy, validation each epoch, early
//! stopping on validation loss, atomic checkpoints and resume.

use std::path::PathBuf;
use std::time::Instant;

use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor, TensorData};
use terradl_models::{Classifier, DropoutMode};
use tracing::{debug, info};

use crate::checkpoint::{CheckpointState, latest_checkpoint, save_checkpoint};
use crate::config::TrainConfig;
use crate::dataset::TensorDataset;
use crate::distill::Teacher;
use crate::error::TrainError;
use crate::history::{EpochRecord, History};
use crate::optimizer::FusedAdamWConfig;
use crate::weight_average;

/// Where and how a run executes, beside the hyper-parameters.
#[derive(Clone, Debug)]
pub struct FitOptions {
    /// Device to train on (the autodiff wrapper is added by [`fit`]).
    pub device: Device,
    /// Write a checkpoint here after every epoch.
    pub checkpoint_dir: Option<PathBuf>,
    /// Continue from the latest checkpoint in `checkpoint_dir` if there is one.
    pub resume: bool,
    /// Stop after this many epochs in this call (the run can be resumed later), as if the
    /// process had been killed.
    pub max_epochs_this_run: Option<usize>,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            device: terradl_models::compute_device(),
            checkpoint_dir: None,
            resume: false,
            max_epochs_this_run: None,
        }
    }
}

impl FitOptions {
    /// Options that checkpoint to `dir` and resume from it when possible.
    pub fn checkpointed(dir: impl Into<PathBuf>) -> Self {
        Self {
            checkpoint_dir: Some(dir.into()),
            resume: true,
            ..Self::default()
        }
    }
}

/// A trained model (inference mode, on the plain device) and its history.
#[derive(Debug)]
pub struct Fitted<M> {
    /// Weights of the best epoch, after [`Module::valid`].
    pub model: M,
    /// Per-epoch metrics.
    pub history: History,
}

/// Seed of epoch `epoch` in a run seeded with `seed` (SplitMix64 of the pair), so a resumed
/// run shuffles and drops out exactly as an uninterrupted one.
pub fn epoch_seed(seed: u64, epoch: usize) -> u64 {
    let mut z = seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Validation loss and overall accuracy of `model` (in inference mode) on `data`.
pub fn evaluate<M: Classifier>(
    model: &M,
    data: &TensorDataset,
    loss: &CrossEntropyLoss,
    batch_size: usize,
    device: &Device,
) -> Result<(f32, f32), TrainError> {
    let (mut loss_sum, mut correct) = (0f64, 0usize);
    for idx in data.batch_indices(batch_size, None) {
        let logits = model.logits(
            data.batch_x(&idx, device),
            &data.shape,
            DropoutMode::Standard,
        );
        let l = loss.forward(logits.clone(), data.batch_y(&idx, device));
        loss_sum += l
            .try_into_scalar::<f32>()
            .map_err(|e| TrainError::Tensor(e.into()))? as f64
            * idx.len() as f64;
        let pred = logits.argmax(1).into_data();
        let pred = pred
            .convert::<i64>()
            .try_to_vec::<i64>()
            .map_err(|e| TrainError::Tensor(e.into()))?;
        correct += pred
            .iter()
            .zip(&idx)
            .filter(|(p, i)| **p == data.y[**i] as i64)
            .count();
    }
    let n = data.len().max(1) as f64;
    Ok(((loss_sum / n) as f32, (correct as f64 / n) as f32))
}

fn check_data(
    model: &impl Classifier,
    train: &TensorDataset,
    val: &TensorDataset,
) -> Result<(), TrainError> {
    if train.is_empty() {
        return Err(TrainError::Data("empty training set".into()));
    }
    if !val.is_empty() && val.shape != train.shape {
        return Err(TrainError::Data(format!(
            "validation samples {:?} differ from training samples {:?}",
            val.shape, train.shape
        )));
    }
    model.check_sample_shape(&train.shape)?;
    let k = model.num_classes();
    if let Some(bad) = train.y.iter().chain(&val.y).find(|&&c| c as usize >= k) {
        return Err(TrainError::Data(format!(
            "label {bad} but the model has {k} classes"
        )));
    }
    Ok(())
}

/// Trains the model built by `init` on `train`, validating on `val` (may be empty, which
/// disables early stopping and keeps the last epoch).
///
/// `init` is called on the autodiff device after seeding it with `config.seed`, so the same
/// seed gives the same initial weights. With `options.resume` and a checkpoint present, the
/// weights, optimizer state, history and early-stopping counters are restored and training
/// continues with the next epoch; every epoch reseeds shuffling and dropout from
/// [`epoch_seed`], so an interrupted and resumed run follows the same trajectory as an
/// uninterrupted one.
pub fn fit<M, F>(
    init: F,
    train: &TensorDataset,
    val: &TensorDataset,
    config: &TrainConfig,
    options: &FitOptions,
) -> Result<Fitted<M>, TrainError>
where
    M: Classifier,
    F: Fn(&Device) -> M,
{
    fit_with(init, train, None, val, config, options)
}

/// [`fit`] with knowledge distillation: the loss mixes the labels' cross-entropy with the
/// `teacher`'s soft targets (one row per training sample, see [`Teacher`]). Validation
/// (early stopping, the epoch kept) still scores against the labels.
pub fn fit_distilled<M, F>(
    init: F,
    train: &TensorDataset,
    teacher: &Teacher,
    val: &TensorDataset,
    config: &TrainConfig,
    options: &FitOptions,
) -> Result<Fitted<M>, TrainError>
where
    M: Classifier,
    F: Fn(&Device) -> M,
{
    fit_with(init, train, Some(teacher), val, config, options)
}

fn fit_with<M, F>(
    init: F,
    train: &TensorDataset,
    teacher: Option<&Teacher>,
    val: &TensorDataset,
    config: &TrainConfig,
    options: &FitOptions,
) -> Result<Fitted<M>, TrainError>
where
    M: Classifier,
    F: Fn(&Device) -> M,
{
    config.validate()?;
    let device = options.device.clone().inner();
    let ad = device.clone().autodiff();
    ad.seed(config.seed);
    let mut model = init(&ad);
    check_data(&model, train, val)?;
    let n_classes = model.num_classes();
    if let Some(t) = teacher
        && (t.len() != train.len() || t.n_classes() != n_classes)
    {
        return Err(TrainError::Data(format!(
            "teacher probabilities for {} samples of {} classes, but {} training samples and {n_classes} classes",
            t.len(),
            t.n_classes(),
            train.len()
        )));
    }

    let mut optimizer = FusedAdamWConfig::new()
        .with_weight_decay(config.weight_decay)
        .init();
    let mut best = model.valid();
    let mut state = CheckpointState {
        epoch: 0,
        history: History::default(),
        best_val_loss: None,
        epochs_without_improvement: 0,
    };
    // Without a directory of its own, a fit inside a pipeline's checkpoint scope uses the
    // scope's next one.
    let (checkpoint_dir, resume) = match &options.checkpoint_dir {
        Some(d) => (Some(d.clone()), options.resume),
        None => match crate::checkpoint_scope::next_fit_checkpoint() {
            Some((d, r)) => (Some(d), r),
            None => (None, false),
        },
    };
    if let (true, Some(dir)) = (resume, &checkpoint_dir)
        && let Some((files, saved)) = latest_checkpoint(dir)?
    {
        model = model
            .try_load_file(files.model())
            .map_err(|e| TrainError::checkpoint(files.model(), e))?;
        best = init(&device)
            .try_load_file(files.best())
            .map_err(|e| TrainError::checkpoint(files.best(), e))?
            .valid();
        optimizer = optimizer
            .load(files.optimizer())
            .map_err(|e| TrainError::checkpoint(files.optimizer(), e))?;
        info!(epoch = saved.epoch, dir = %files.dir.display(), "resuming from checkpoint");
        state = saved;
    }

    let weights = config.class_weights.weights(&train.y, n_classes)?;
    let loss_train = CrossEntropyLossConfig::new()
        .with_weights(weights.clone())
        .with_smoothing((config.label_smoothing > 0.0).then_some(config.label_smoothing))
        .init(&ad);
    let loss_val = CrossEntropyLossConfig::new()
        .with_weights(weights)
        .init(&device);

    let mut ran = 0usize;
    while state.epoch < config.epochs && !state.history.stopped_early {
        if options.max_epochs_this_run.is_some_and(|m| ran >= m) {
            break;
        }
        let epoch = state.epoch;
        let seed = epoch_seed(config.seed, epoch);
        ad.seed(seed);
        let lr = config
            .lr_schedule
            .rate(config.learning_rate, epoch, config.epochs);
        let start = Instant::now();

        let mut batches = train.batch_indices(config.batch_size, Some(seed));
        // A lone last sample makes batch-norm statistics degenerate: fold it away.
        if batches.len() > 1 && batches.last().is_some_and(|b| b.len() == 1) {
            batches.pop();
        }
        // On a rayon worker, the kernels' parallel loops split work with the other workers
        // directly instead of each being handed over from this thread (see `on_pool`).
        let (trained, loss_sum, seen) = crate::pool::on_pool(|| -> Result<(M, f64, usize), TrainError> {
            let mut model = model;
            let (mut loss_sum, mut seen) = (0f64, 0usize);
            for (b, idx) in batches.iter().enumerate() {
                let (x, mix) = if config.augment.is_active() {
                    let aug = config.augment.apply(train.batch_values(idx), &train.shape, epoch_seed(seed, b));
                    let n = idx.len();
                    let x = Tensor::from_data(TensorData::new(aug.x, [n, train.sample_len()]), &ad);
                    (x, aug.mix)
                } else {
                    (train.batch_x(idx, &ad), None)
                };
                let logits = model.logits(x, &train.shape, DropoutMode::Standard);
                let partners: Option<(f32, Vec<usize>)> =
                    mix.map(|(lambda, partner)| (lambda, partner.iter().map(|&p| idx[p]).collect()));
                let soft = teacher.map(|t| {
                    let targets = match &partners {
                        None => t.rows(idx),
                        Some((lambda, other)) => {
                            let (a, b) = (t.rows(idx), t.rows(other));
                            a.iter().zip(&b).map(|(p, q)| lambda * p + (1.0 - lambda) * q).collect()
                        }
                    };
                    (t.soft_loss(logits.clone(), targets, &ad), t.settings().weight)
                });
                let hard = match &partners {
                    None => loss_train.forward(logits, train.batch_y(idx, &ad)),
                    Some((lambda, other)) => loss_train
                        .forward(logits.clone(), train.batch_y(idx, &ad))
                        .mul_scalar(*lambda)
                        .add(loss_train.forward(logits, train.batch_y(other, &ad)).mul_scalar(1.0 - lambda)),
                };
                let loss = match soft {
                    None => hard,
                    Some((soft, w)) => hard.mul_scalar(1.0 - w).add(soft.mul_scalar(w)),
                };
                let grads = loss.backward();
                loss_sum += loss
                    .try_into_scalar::<f32>()
                    .map_err(|e| TrainError::Tensor(e.into()))? as f64
                    * idx.len() as f64;
                seen += idx.len();
                let grads = GradientsParams::from_grads(grads, &model);
                model = optimizer.step(lr, model, grads);
            }
            Ok((model, loss_sum, seen))
        })?;
        model = trained;
        let train_secs = start.elapsed().as_secs_f64();
        let train_loss = (loss_sum / seen.max(1) as f64) as f32;

        let valid = model.valid();
        let (val_loss, val_accuracy) = if val.is_empty() {
            (None, None)
        } else {
            let (l, a) = evaluate(&valid, val, &loss_val, config.batch_size.max(256), &device)?;
            (Some(l), Some(a))
        };
        state.epoch = epoch + 1;
        let improved = match val_loss {
            Some(l) if state.best_val_loss.is_none_or(|b| l < b) => {
                state.best_val_loss = Some(l);
                state.epochs_without_improvement = 0;
                true
            }
            Some(_) => {
                state.epochs_without_improvement += 1;
                false
            }
            None => true,
        };
        // Under weight averaging `best` is the running mean (saved with the checkpoint, so a
        // resumed run goes on averaging where it stopped).
        let averaged = weight_average::snapshots(state.epoch, config.epochs, config.average_last);
        if averaged > 0 {
            state.history.best_epoch = state.epoch;
            best = weight_average::fold_in(best, &valid, averaged);
        } else if improved {
            state.history.best_epoch = state.epoch;
            best = valid;
        }
        let record = EpochRecord {
            epoch: state.epoch,
            learning_rate: lr,
            train_loss,
            val_loss,
            val_accuracy,
            seconds: start.elapsed().as_secs_f64(),
            samples_per_second: seen as f64 / train_secs.max(1e-9),
        };
        // Per epoch at debug (`-vv`): a run trains many models and epochs.
        debug!(
            epoch = record.epoch,
            lr,
            train_loss,
            val_loss = ?val_loss,
            val_accuracy = ?val_accuracy,
            samples_per_second = record.samples_per_second,
            "epoch done"
        );
        state.history.epochs.push(record);
        if config.patience > 0 && state.epochs_without_improvement >= config.patience {
            debug!(epoch = state.epoch, "early stopping");
            state.history.stopped_early = true;
        }
        if let Some(dir) = &checkpoint_dir {
            save_checkpoint(dir, &model, &best, &optimizer, &state)?;
        }
        ran += 1;
    }
    Ok(Fitted {
        model: best,
        history: state.history,
    })
}
