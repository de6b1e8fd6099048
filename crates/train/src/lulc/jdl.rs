//! Joint Deep Learning (JDL, Zhang et al. 2019, "Joint Deep Learning for land cover and land
//! use classification", RSE 221) and its scale-sequence variant (SS-JDL, Zhang et al. 2020).
//!
//! Land cover (LC) is classified per pixel by an MLP, land use (LU) per object by an
//! [`Ocnn`] whose patches hold the imagery *and* the LC probability maps as extra channels;
//! the LU probabilities (spread onto each object's pixels) are then fed back, with the
//! imagery, as MLP features. The two steps alternate — a Markov process in which each state
//! depends only on the previous one — until the mean absolute change of both probability
//! maps falls below a tolerance or an iteration cap is reached. SS-JDL changes the OCNN patch
//! size with the iteration (an increasing scale sequence).

use std::path::Path;
use std::time::Instant;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use terradl_models::saved::{HEADER_FILE, ModelKind};
use terradl_data::sampling::{PerClass, stratified_sample};
use terradl_segment::{PatchPlacementConfig, Segmentation};
use tracing::info;

use super::ocnn::{ObjectPlan, Ocnn, OcnnConfig, object_probabilities_to_pixels};
use super::stack::ImageStack;
use crate::error::TrainError;
use crate::inference::ClassProbabilities;
use crate::model_dir::{read_header, write_header};
use crate::pixel::{MlpPixelClassifier, MlpPixelConfig, PixelClassifier};

/// Settings of [`joint_deep_learning`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JdlConfig {
    /// Iteration cap (each iteration = one LC step and one LU step).
    pub max_iterations: usize,
    /// Stop when the mean absolute change of both the LC and LU probability maps (per
    /// pixel, largest over classes) falls below this.
    pub tolerance: f32,
    /// The land-cover MLP.
    pub mlp: MlpPixelConfig,
    /// The land-use OCNN.
    pub ocnn: OcnnConfig,
    /// SS-JDL: OCNN large-patch side per iteration (the small patch is half of it, at least
    /// 8); the last scale repeats once the sequence is used up. Empty: plain JDL with the
    /// OCNN's own patch sizes.
    pub scales: Vec<usize>,
    /// At most this many LC training pixels per class (random, seeded); 0 keeps all.
    pub max_pixels_per_class: usize,
    /// Seed of that subsample.
    pub seed: u64,
    /// Cross-fitting of the land-use feedback. With `k >= 2` the LU probabilities the LC MLP
    /// is *trained* on come, for the pixels of LU training objects, from OCNNs fitted without
    /// them: the training objects are split into `k` folds by [`JdlInputs::lu_groups`] (e.g.
    /// their polygon), and each fold is predicted by an OCNN trained on the others
    /// (out-of-fold). Prediction always uses the OCNN trained on all objects. Costs `k` extra
    /// OCNN fits per iteration. 0 or 1: in-sample feedback (Zhang et al. 2019).
    pub cross_fit_folds: usize,
}

impl Default for JdlConfig {
    fn default() -> Self {
        Self {
            max_iterations: 4,
            tolerance: 0.02,
            mlp: MlpPixelConfig::default(),
            ocnn: OcnnConfig::default(),
            scales: Vec::new(),
            max_pixels_per_class: 3000,
            seed: 5,
            cross_fit_folds: 0,
        }
    }
}

/// What JDL works on. Pixels are row-major indices into `image`.
#[derive(Clone, Copy, Debug)]
pub struct JdlInputs<'a> {
    /// Standardised imagery.
    pub image: &'a ImageStack,
    /// The objects and their patch plans (see [`super::ocnn::plan_objects`]).
    pub segmentation: &'a Segmentation,
    /// Patch plans of the objects.
    pub plans: &'a [ObjectPlan],
    /// LC training pixels and classes.
    pub lc_train: &'a [(usize, u32)],
    /// LU training objects and classes.
    pub lu_train: &'a [(u32, u32)],
    /// Group of each LU training object (e.g. its labelled polygon) for the cross-fitting
    /// folds; objects of one group share a fold. Empty: every object is its own group.
    pub lu_groups: &'a [u32],
    /// Number of LC classes.
    pub n_lc: usize,
    /// Number of LU classes.
    pub n_lu: usize,
    /// Pixels no training patch may contain (test pixels).
    pub excluded: Option<&'a [bool]>,
    /// LC evaluation pixels and reference classes (accuracy logged per iteration).
    pub lc_eval: &'a [(usize, u32)],
    /// LU evaluation pixels and reference classes.
    pub lu_eval: &'a [(usize, u32)],
}

/// One JDL iteration's log line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JdlIteration {
    /// 1-based iteration number.
    pub iteration: usize,
    /// OCNN large-patch side used.
    pub patch: usize,
    /// LC overall accuracy on `lc_eval`.
    pub lc_accuracy: f64,
    /// LU overall accuracy on `lu_eval`.
    pub lu_accuracy: f64,
    /// Mean (over pixels) of the largest per-class change of the LC probabilities; `None` in
    /// the first iteration.
    pub lc_change: Option<f32>,
    /// The same for the LU probabilities.
    pub lu_change: Option<f32>,
    /// Largest per-pixel LC change.
    pub lc_change_max: Option<f32>,
    /// Seconds the iteration took.
    pub seconds: f64,
}

/// The final state of a JDL run.
#[derive(Debug)]
pub struct JdlOutput {
    /// LC probabilities, `n_lc x rows x cols` band-major.
    pub lc: Vec<f32>,
    /// LU probabilities per object.
    pub lu_objects: ClassProbabilities,
    /// LU probabilities per pixel, `n_lu x rows x cols`.
    pub lu: Vec<f32>,
    /// One entry per iteration run.
    pub iterations: Vec<JdlIteration>,
    /// Whether the tolerance was reached before the iteration cap.
    pub converged: bool,
    /// The iterations' models, for prediction on other imagery.
    pub model: JdlModel,
}

/// Mean and maximum over pixels of the largest per-class absolute difference of two
/// band-major probability maps with `k` classes.
fn change(a: &[f32], b: &[f32], k: usize) -> (f32, f32) {
    let n = a.len() / k.max(1);
    let mut per_pixel = vec![0f32; n];
    for c in 0..k {
        for (p, m) in per_pixel.iter_mut().enumerate() {
            *m = m.max((a[c * n + p] - b[c * n + p]).abs());
        }
    }
    let max = per_pixel.iter().copied().fold(0.0, f32::max);
    ((per_pixel.iter().map(|&v| v as f64).sum::<f64>() / n.max(1) as f64) as f32, max)
}

/// Overall accuracy of the argmax of a band-major probability map at `eval` pixels.
pub fn map_accuracy(proba: &[f32], k: usize, eval: &[(usize, u32)]) -> f64 {
    let n = proba.len() / k.max(1);
    let correct = eval
        .iter()
        .filter(|&&(p, y)| {
            let best = (0..k).max_by(|&a, &b| proba[a * n + p].total_cmp(&proba[b * n + p]).then(b.cmp(&a)));
            best == Some(y as usize)
        })
        .count();
    correct as f64 / eval.len().max(1) as f64
}

/// Argmax class per pixel of a band-major probability map.
pub fn map_argmax(proba: &[f32], k: usize) -> Vec<u32> {
    let n = proba.len() / k.max(1);
    (0..n)
        .map(|p| (0..k).max_by(|&a, &b| proba[a * n + p].total_cmp(&proba[b * n + p]).then(b.cmp(&a))).unwrap_or(0) as u32)
        .collect()
}

/// Row-major features of `pixels`: the image bands followed by the `extra` band-major maps.
fn features(image: &ImageStack, extra: &[f32], pixels: impl Iterator<Item = usize>) -> (Vec<f32>, usize) {
    let n = image.pixels();
    let k = extra.len() / n;
    let mut x = Vec::new();
    for p in pixels {
        image.pixel_into(p, &mut x);
        x.extend((0..k).map(|c| extra[c * n + p]));
    }
    (x, image.bands + k)
}

/// At most `cap` `(pixel, class)` pairs per class (all when `cap` is 0), seeded.
pub fn subsample(train: &[(usize, u32)], cap: usize, seed: u64) -> Result<Vec<(usize, u32)>, TrainError> {
    if cap == 0 {
        return Ok(train.to_vec());
    }
    let labels: Vec<u32> = train.iter().map(|&(_, c)| c).collect();
    let all: Vec<usize> = (0..train.len()).collect();
    let picked = stratified_sample(&labels, &all, PerClass::Count(cap), seed)?;
    Ok(picked.into_iter().map(|i| train[i]).collect())
}

/// Trains the LC MLP on `bands + extra` features.
fn fit_lc(inputs: &JdlInputs, config: &JdlConfig, train: &[(usize, u32)], extra: &[f32]) -> Result<MlpPixelClassifier, TrainError> {
    let (x, nf) = features(inputs.image, extra, train.iter().map(|&(p, _)| p));
    let y: Vec<u32> = train.iter().map(|&(_, c)| c).collect();
    let mut mlp = MlpPixelClassifier::new(config.mlp.clone());
    mlp.fit(&x, nf, &y)?;
    Ok(mlp)
}

/// LC probabilities (`k x pixels`, band-major) of every pixel of `image` from the MLP on
/// `bands + extra` features.
fn predict_lc(mlp: &MlpPixelClassifier, image: &ImageStack, extra: &[f32], k: usize) -> Result<Vec<f32>, TrainError> {
    let n = image.pixels();
    let mut out = vec![0f32; k * n];
    const CHUNK: usize = 65_536;
    for start in (0..n).step_by(CHUNK) {
        let end = (start + CHUNK).min(n);
        let (x, nf) = features(image, extra, start..end);
        let p = mlp.predict_proba(&x, nf)?;
        if p.n_classes != k {
            return Err(TrainError::Data(format!(
                "the LC MLP predicts {} classes, expected {k} (a class has no training pixel?)",
                p.n_classes
            )));
        }
        for i in 0..end - start {
            for (c, &v) in p.row(i).iter().enumerate() {
                out[c * n + start + i] = v;
            }
        }
    }
    Ok(out)
}

/// One JDL iteration's trained models.
#[derive(Debug)]
pub struct JdlStage {
    /// The LC MLP (features: bands, then the previous iteration's LU probabilities).
    pub mlp: MlpPixelClassifier,
    /// The LU OCNN (channels: bands, then this iteration's LC probabilities).
    pub ocnn: Ocnn,
}

/// The trained models of a JDL / SS-JDL run, one [`JdlStage`] per iteration: applying them
/// in order to new imagery (with its own segmentation) replays the Markov chain of training.
#[derive(Debug)]
pub struct JdlModel {
    /// Patch placement the object plans were made with (SS-JDL changes only the CNNs' patch
    /// sides per iteration, not the plans).
    pub placement: PatchPlacementConfig,
    /// Number of LC classes.
    pub n_lc: usize,
    /// Number of LU classes.
    pub n_lu: usize,
    /// The iterations' models, first to last.
    pub stages: Vec<JdlStage>,
}

/// The header's config of a saved [`JdlModel`].
#[derive(Serialize, Deserialize)]
struct SavedJdl {
    placement: PatchPlacementConfig,
    n_lc: usize,
    n_lu: usize,
    stages: usize,
}

impl JdlModel {
    /// LC probabilities (`n_lc x pixels`) and LU probabilities per object and per pixel
    /// (`n_lu x pixels`) of `image` (standardised like the training image) with the objects
    /// of `segmentation`.
    pub fn predict(
        &self,
        image: &ImageStack,
        segmentation: &Segmentation,
    ) -> Result<(Vec<f32>, ClassProbabilities, Vec<f32>), TrainError> {
        if segmentation.labels.len() != image.pixels() {
            return Err(TrainError::Data(format!(
                "segmentation of {} pixels for an image of {}",
                segmentation.labels.len(),
                image.pixels()
            )));
        }
        let plans = super::ocnn::plan_objects(segmentation, &self.placement)?;
        let mut lu: Vec<f32> = Vec::new();
        let mut out = None;
        for stage in &self.stages {
            let lc = predict_lc(&stage.mlp, image, &lu, self.n_lc)?;
            let stack = image.with_bands(&lc)?;
            let objects = stage.ocnn.predict_objects(&stack, &plans)?;
            lu = object_probabilities_to_pixels(segmentation, &objects);
            out = Some((lc, objects));
        }
        let (lc, objects) = out.ok_or_else(|| TrainError::Data("JDL model without iterations".into()))?;
        Ok((lc, objects, lu))
    }

    /// Writes the models into `dir` (created): the `jdl` header (placement, class and
    /// iteration counts as its config) and, per iteration `i`, `iter-<i>/mlp`
    /// ([`PixelClassifier::save`]) and `iter-<i>/ocnn` ([`Ocnn::save`]).
    pub fn save(&self, dir: &Path) -> Result<(), TrainError> {
        for (i, st) in self.stages.iter().enumerate() {
            st.mlp.save(&dir.join(format!("iter-{i}")).join("mlp"))?;
            st.ocnn.save(&dir.join(format!("iter-{i}")).join("ocnn"))?;
        }
        let saved = SavedJdl { placement: self.placement.clone(), n_lc: self.n_lc, n_lu: self.n_lu, stages: self.stages.len() };
        write_header(dir, ModelKind::Jdl, &saved, None)
    }

    /// Reads models written by [`JdlModel::save`]; a directory (or an iteration's
    /// sub-directory) without a header, of another format version or of another kind is a
    /// [`TrainError::Saved`].
    pub fn load(dir: &Path) -> Result<Self, TrainError> {
        let (_, saved): (_, SavedJdl) = read_header(dir, &[ModelKind::Jdl])?;
        if saved.stages == 0 {
            return Err(TrainError::checkpoint(dir.join(HEADER_FILE), "JDL model without iterations"));
        }
        let mut stages = Vec::with_capacity(saved.stages);
        for i in 0..saved.stages {
            let it = dir.join(format!("iter-{i}"));
            let mlp = MlpPixelClassifier::load(&it.join("mlp"))?;
            let ocnn = Ocnn::load(&it.join("ocnn"))?;
            if ocnn.n_classes() != saved.n_lu {
                return Err(TrainError::checkpoint(it.join("ocnn"), "land-use class count differs from the JDL header's"));
            }
            stages.push(JdlStage { mlp, ocnn });
        }
        Ok(Self { placement: saved.placement, n_lc: saved.n_lc, n_lu: saved.n_lu, stages })
    }
}

/// Out-of-fold LU probabilities (per pixel) of the LU training objects; other objects keep
/// `full`. Folds are formed from whole groups (see [`JdlConfig::cross_fit_folds`]).
fn out_of_fold_lu(
    inputs: &JdlInputs,
    cfg: &OcnnConfig,
    stack: &ImageStack,
    full: &ClassProbabilities,
    folds: usize,
    seed: u64,
) -> Result<Vec<f32>, TrainError> {
    let group = |j: usize| inputs.lu_groups.get(j).copied().unwrap_or(j as u32);
    let mut groups: Vec<u32> = (0..inputs.lu_train.len()).map(group).collect();
    groups.sort_unstable();
    groups.dedup();
    groups.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let fold_of = |j: usize| groups.iter().position(|&g| g == group(j)).unwrap_or(0) % folds;
    let k = inputs.n_lu;
    let mut values = full.values.clone();
    for f in 0..folds {
        let (held, rest): (Vec<_>, Vec<_>) = (0..inputs.lu_train.len()).partition(|&j| fold_of(j) == f);
        if held.is_empty() || rest.is_empty() {
            continue;
        }
        let rest: Vec<(u32, u32)> = rest.iter().map(|&j| inputs.lu_train[j]).collect();
        let model = Ocnn::fit(cfg, stack, inputs.plans, &rest, k, inputs.excluded)?;
        let plans: Vec<ObjectPlan> = held.iter().map(|&j| inputs.plans[inputs.lu_train[j].0 as usize].clone()).collect();
        let p = model.predict_objects(stack, &plans)?;
        for (i, &j) in held.iter().enumerate() {
            let o = inputs.lu_train[j].0 as usize;
            values[o * k..(o + 1) * k].copy_from_slice(p.row(i));
        }
    }
    Ok(object_probabilities_to_pixels(inputs.segmentation, &ClassProbabilities { n_classes: k, values }))
}

/// Runs JDL (or SS-JDL when `config.scales` is set); `on_iteration` sees each log line.
pub fn joint_deep_learning(
    inputs: &JdlInputs,
    config: &JdlConfig,
    mut on_iteration: impl FnMut(&JdlIteration),
) -> Result<JdlOutput, TrainError> {
    if config.max_iterations == 0 {
        return Err(TrainError::Config("JDL needs at least one iteration".into()));
    }
    if inputs.lc_train.is_empty() || inputs.lu_train.is_empty() {
        return Err(TrainError::Data("JDL needs LC training pixels and LU training objects".into()));
    }
    if let Some(&s) = config.scales.iter().find(|&&s| s < terradl_models::MIN_PATCH_SIZE) {
        return Err(TrainError::Config(format!("SS-JDL scale {s} is below the CNN's minimum patch size")));
    }
    let train = subsample(inputs.lc_train, config.max_pixels_per_class, config.seed)?;
    let mut stages = Vec::new();
    let (mut lc_prev, mut lu_prev): (Option<Vec<f32>>, Option<Vec<f32>>) = (None, None);
    // Cross-fitted LU feedback for the MLP's training pixels (None: use `lu_prev`).
    let mut lu_fit: Option<Vec<f32>> = None;
    let mut lu_objects = None;
    let mut iterations = Vec::new();
    let mut converged = false;
    for it in 0..config.max_iterations {
        let t = Instant::now();
        let extra = lu_prev.as_deref().unwrap_or(&[]);
        let mlp = fit_lc(inputs, config, &train, lu_fit.as_deref().unwrap_or(extra))?;
        let lc = predict_lc(&mlp, inputs.image, extra, inputs.n_lc)?;
        let mut ocnn_cfg = config.ocnn.clone();
        if let Some(&s) = config.scales.get(it).or(config.scales.last()) {
            ocnn_cfg.placement.large_patch = s;
            ocnn_cfg.placement.small_patch = (s / 2).max(terradl_models::MIN_PATCH_SIZE);
        }
        let stack = inputs.image.with_bands(&lc)?;
        let ocnn = Ocnn::fit(&ocnn_cfg, &stack, inputs.plans, inputs.lu_train, inputs.n_lu, inputs.excluded)?;
        let objects = ocnn.predict_objects(&stack, inputs.plans)?;
        let lu = object_probabilities_to_pixels(inputs.segmentation, &objects);
        if config.cross_fit_folds >= 2 && it + 1 < config.max_iterations {
            lu_fit = Some(out_of_fold_lu(inputs, &ocnn_cfg, &stack, &objects, config.cross_fit_folds, config.seed + it as u64)?);
        }
        let lc_delta = lc_prev.as_ref().map(|p| change(&lc, p, inputs.n_lc));
        let lu_delta = lu_prev.as_ref().map(|p| change(&lu, p, inputs.n_lu));
        let record = JdlIteration {
            iteration: it + 1,
            patch: ocnn_cfg.placement.large_patch,
            lc_accuracy: map_accuracy(&lc, inputs.n_lc, inputs.lc_eval),
            lu_accuracy: map_accuracy(&lu, inputs.n_lu, inputs.lu_eval),
            lc_change: lc_delta.map(|d| d.0),
            lu_change: lu_delta.map(|d| d.0),
            lc_change_max: lc_delta.map(|d| d.1),
            seconds: t.elapsed().as_secs_f64(),
        };
        info!(
            iteration = record.iteration,
            patch = record.patch,
            lc_accuracy = record.lc_accuracy,
            lu_accuracy = record.lu_accuracy,
            lc_change = ?record.lc_change,
            lu_change = ?record.lu_change,
            "JDL iteration"
        );
        on_iteration(&record);
        let done = matches!((record.lc_change, record.lu_change), (Some(a), Some(b)) if a.max(b) < config.tolerance);
        iterations.push(record);
        lc_prev = Some(lc);
        lu_prev = Some(lu);
        lu_objects = Some(objects);
        stages.push(JdlStage { mlp, ocnn });
        if done {
            converged = true;
            break;
        }
    }
    Ok(JdlOutput {
        lc: lc_prev.unwrap_or_default(),
        lu: lu_prev.unwrap_or_default(),
        lu_objects: lu_objects.unwrap_or(ClassProbabilities { n_classes: inputs.n_lu, values: Vec::new() }),
        iterations,
        converged,
        model: JdlModel { placement: config.ocnn.placement.clone(), n_lc: inputs.n_lc, n_lu: inputs.n_lu, stages },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TrainConfig;
    use terradl_models::saved::{ModelHeader, SavedModelError};

    #[test]
    fn save_load_round_trip_and_kind_check() {
        let config = MlpPixelConfig { hidden: vec![4], val_fraction: 0.0, train: TrainConfig::new().with_epochs(1), ..Default::default() };
        let mut mlp = MlpPixelClassifier::new(config);
        let x: Vec<f32> = (0..8).map(|v| v as f32).collect();
        mlp.fit(&x, 1, &[0, 1, 0, 1, 0, 1, 0, 1]).unwrap();
        let (ocnn, _, _) = super::super::ocnn::tests::fitted();
        let model = JdlModel { placement: OcnnConfig::default().placement, n_lc: 2, n_lu: 2, stages: vec![JdlStage { mlp, ocnn }] };
        let dir = tempfile::tempdir().unwrap();
        model.save(dir.path()).unwrap();
        assert_eq!(ModelHeader::read(dir.path()).unwrap().kind, ModelKind::Jdl);
        let back = JdlModel::load(dir.path()).unwrap();
        assert_eq!((back.n_lc, back.n_lu, back.stages.len()), (2, 2, 1));
        let stage = &back.stages[0];
        assert_eq!(stage.mlp.normalization(), model.stages[0].mlp.normalization());
        assert_eq!(stage.mlp.predict_proba(&x, 1).unwrap().values, model.stages[0].mlp.predict_proba(&x, 1).unwrap().values);
        // an iteration's OCNN is neither a JDL model nor an MLP
        let ocnn_dir = dir.path().join("iter-0").join("ocnn");
        let e = JdlModel::load(&ocnn_dir).unwrap_err();
        assert!(matches!(e, TrainError::Saved(SavedModelError::KindMismatch { found: ModelKind::Ocnn, .. })), "{e}");
        let e = MlpPixelClassifier::load(&ocnn_dir).unwrap_err();
        assert!(matches!(e, TrainError::Saved(SavedModelError::KindMismatch { found: ModelKind::Ocnn, .. })), "{e}");
    }

    #[test]
    fn change_and_accuracy_of_band_major_maps() {
        // 2 classes x 3 pixels.
        let a = [0.9, 0.2, 0.5, 0.1, 0.8, 0.5];
        let b = [0.7, 0.2, 0.5, 0.3, 0.8, 0.5];
        let (mean, max) = change(&a, &b, 2);
        assert!((max - 0.2).abs() < 1e-6 && (mean - 0.2 / 3.0).abs() < 1e-6);
        assert_eq!(map_argmax(&a, 2), vec![0, 1, 0]);
        assert!((map_accuracy(&a, 2, &[(0, 0), (1, 0), (2, 0)]) - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn subsample_caps_each_class() {
        let train: Vec<(usize, u32)> = (0..10).map(|p| (p, (p < 7) as u32)).collect();
        let s = subsample(&train, 2, 1).unwrap();
        assert_eq!(s.iter().filter(|t| t.1 == 1).count(), 2);
        assert_eq!(s.iter().filter(|t| t.1 == 0).count(), 2);
        assert_eq!(subsample(&train, 0, 1).unwrap().len(), 10);
    }
}
