//! Cross-fitted temperature scaling (`[calibration]`): out-of-fold probabilities of one model
//! on the training series, for a run that keeps no validation series.

use super::config::CalibrationConfig;
use crate::error::{Context, Result, bail};
use terradl_data::TimeSeriesDataset;
use terradl_train::ClassProbabilities;
use terradl_train::temporal::TemporalModelConfig;

/// The out-of-fold probabilities of `model` on `train`: for every fold, the model is built
/// afresh, fitted on the other folds and asked for the fold's series (`folds[i]` is series
/// `i`'s fold, from [`terradl_data::sampling::stratified_folds`]).
pub(super) fn out_of_fold(
    model: &TemporalModelConfig,
    c: &CalibrationConfig,
    train: &TimeSeriesDataset,
    folds: &[usize],
    days: &[f32],
) -> Result<ClassProbabilities> {
    let (nt, nb) = (train.n_dates, train.n_bands);
    let nf = nt * nb;
    let n = train.n_samples;
    let mut values: Vec<f32> = Vec::new();
    let mut n_classes = 0;
    for f in 0..c.folds {
        let (fit, held): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| folds[i] != f);
        let fit = train.subset(&fit);
        let mut m = model.build(nt, nb, days)?;
        m.fit(&fit.x, nf, &fit.y).with_context(|| format!("calibration: training fold {} of {}", f + 1, c.folds))?;
        let p = m.predict_proba(&train.subset(&held).x, nf)?;
        if f == 0 {
            n_classes = p.n_classes;
            values = vec![0.0; n * n_classes];
        } else if p.n_classes != n_classes {
            bail!("calibration: fold {} has {} classes, fold 1 had {n_classes}", f + 1, p.n_classes);
        }
        for (row, &i) in p.values.chunks_exact(n_classes).zip(&held) {
            values[i * n_classes..(i + 1) * n_classes].copy_from_slice(row);
        }
        tracing::info!(fold = f + 1, folds = c.folds, held_out = held.len(), "calibration fold");
    }
    Ok(ClassProbabilities { n_classes, values })
}
