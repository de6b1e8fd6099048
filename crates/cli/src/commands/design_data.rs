//! Labelled samples for the sample-design commands (`search`,
//! `learning-curve`): the Statlog Landsat table (no coordinates), the UCR "Crop"
//! series (standard split), or the
//! labelled pixels of a land-cover pipeline with their positions, and an
//! honest held-out test set (Statlog's original test rows, or the pipeline's
//! blocked test fold) that searches never see.

use terradl_pipeline::landcover::{indices, labelled_image};
use terradl_pipeline::PipelineSpec;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use terradl_data::pixel_features;
use terradl_data::sampling::{stratified_sample, BlockedKFold, PerClass};
use terradl_data::sources::statlog::{statlog_landsat, TRAIN_ROWS};
use terradl_data::sources::ucr_crop::ucr_crop;
use terradl_data::LabelledSamples;
use terradl_geo::geotiff::GeoTiffReader;
use terradl_geo::vector::read_vector_in;
use terradl_train::lulc::ImageStack;
use terradl_pipeline::blocks::patch::raw_stack;

/// Where the labelled samples come from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case", deny_unknown_fields)]
pub(super) enum DataSource {
    /// Statlog (Landsat Satellite), 6435 samples of 3x3 pixels x 4 bands; the original
    /// 4435/2000 train/test split. Needs `terradl fetch-data`.
    Statlog,
    /// The UCR archive's "Crop" series (46 NDVI steps, 24 classes): the standard
    /// 7200 / 16800 split. Needs `terradl fetch-data`.
    UcrCrop,
    /// The image, labels, indices and blocked split of a land-cover pipeline TOML
    /// (relative to the file naming it); its `models` are ignored.
    Pipeline { path: PathBuf },
}

/// Samples with a train/test partition.
pub(super) struct SampleSet {
    /// All labelled samples.
    pub samples: LabelledSamples,
    /// Row-major pixel index of each sample and the grid width (pipelines only).
    pub positions: Option<(Vec<usize>, usize)>,
    /// The pipeline's blocked split (pipelines only).
    pub split: Option<BlockedKFold>,
    /// The labelled window of the image, bands standardised (pipelines only; patch models).
    pub stack: Option<ImageStack>,
    /// Indices of the held-out test samples.
    pub test: Vec<usize>,
    /// Indices of all other samples.
    pub train: Vec<usize>,
    /// One line for reports.
    pub description: String,
}

impl DataSource {
    /// Resolve a relative pipeline path against `base`.
    pub(super) fn resolve(mut self, base: &Path) -> Self {
        if let DataSource::Pipeline { path } = &mut self {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        }
        self
    }

    /// Load the samples and the held-out split.
    pub(super) fn load(&self) -> anyhow::Result<SampleSet> {
        match self {
            DataSource::Statlog => {
                let s = statlog_landsat().context("loading Statlog (run `terradl fetch-data` first)")?;
                let n = s.n_samples;
                Ok(SampleSet {
                    samples: s,
                    positions: None,
                    split: None,
                    stack: None,
                    train: (0..TRAIN_ROWS).collect(),
                    test: (TRAIN_ROWS..n).collect(),
                    description: format!("Statlog Landsat: {TRAIN_ROWS} training rows, {} test rows (original split)", n - TRAIN_ROWS),
                })
            }
            DataSource::UcrCrop => {
                let (train, test) = ucr_crop().context("loading the UCR Crop set (run `terradl fetch-data` first)")?;
                let (a, b) = (&train.series, &test.series);
                let nf = a.n_dates * a.n_bands;
                let names = (1..=nf).map(|t| format!("t{t:02}")).collect();
                let x = a.x.iter().chain(&b.x).copied().collect();
                let y = a.y.iter().chain(&b.y).copied().collect();
                let samples = LabelledSamples::new(x, nf, names, y, a.class_names.clone())?;
                Ok(SampleSet {
                    samples,
                    positions: None,
                    split: None,
                    stack: None,
                    train: (0..a.n_samples).collect(),
                    test: (a.n_samples..a.n_samples + b.n_samples).collect(),
                    description: format!("UCR Crop: {} training series, {} test series (standard split)", a.n_samples, b.n_samples),
                })
            }
            DataSource::Pipeline { path } => {
                let p = match PipelineSpec::load(path)?.spec {
                    PipelineSpec::LandCover(p) => p,
                    other => anyhow::bail!("{} is a {} pipeline; the samples come from a land-cover pipeline", path.display(), other.kind()),
                };
                let reader = GeoTiffReader::open(&p.image).with_context(|| format!("opening {}", p.image.display()))?;
                let layer = read_vector_in(&p.labels, &reader.info().crs).with_context(|| format!("reading {}", p.labels.display()))?;
                let img = labelled_image(&p, &reader, &layer)?;
                let pixels = img.labelled_pixels();
                anyhow::ensure!(!pixels.is_empty(), "no labelled pixel falls inside {}", p.image.display());
                let samples = pixel_features(&img, &pixels, &indices(&p))?;
                anyhow::ensure!(
                    samples.x.iter().all(|v| v.is_finite()),
                    "labelled pixels hold nodata/NaN feature values in {}",
                    p.image.display()
                );
                let mut stack = raw_stack(&img.image)?;
                let stats = stack.band_stats(&p.band_names)?;
                stack.standardise(&stats)?;
                let split = BlockedKFold { block_size: p.split.block_size, k: p.split.folds, seed: p.split.seed };
                let fold = split.assign(&pixels, img.image.cols)?;
                let (test, train): (Vec<usize>, Vec<usize>) = (0..pixels.len()).partition(|&i| fold[i] == p.split.test_fold);
                Ok(SampleSet {
                    description: format!(
                        "{}: {} labelled pixels, blocked test fold {} of {} ({}-pixel blocks)",
                        p.name,
                        pixels.len(),
                        p.split.test_fold,
                        p.split.folds,
                        p.split.block_size
                    ),
                    samples,
                    positions: Some((pixels, img.image.cols)),
                    split: Some(split),
                    stack: Some(stack),
                    train,
                    test,
                })
            }
        }
    }
}

impl SampleSet {
    /// Split the training samples into (fit, validation) for model selection:
    /// spatially blocked (one of the pipeline's folds, over the training pixels only)
    /// when positions are known, stratified random (`val_fraction`) otherwise.
    pub(super) fn validation_split(&self, val_fraction: f64, seed: u64) -> anyhow::Result<(Vec<usize>, Vec<usize>)> {
        if let (Some((pos, cols)), Some(split)) = (&self.positions, &self.split) {
            let train_pos: Vec<usize> = self.train.iter().map(|&i| pos[i]).collect();
            let inner = BlockedKFold { seed: split.seed.wrapping_add(1), ..*split };
            let fold = inner.assign(&train_pos, *cols)?;
            let (val, fit): (Vec<usize>, Vec<usize>) = (0..self.train.len()).partition(|&j| fold[j] == 0);
            return Ok((fit.iter().map(|&j| self.train[j]).collect(), val.iter().map(|&j| self.train[j]).collect()));
        }
        let val = stratified_sample(&self.samples.y, &self.train, PerClass::Fraction(val_fraction), seed)?;
        let fit = self.train.iter().copied().filter(|i| val.binary_search(i).is_err()).collect();
        Ok((fit, val))
    }
}

impl SampleSet {
    /// `(row, col)` of samples `idx` (pipelines only).
    pub(super) fn centres(&self, idx: &[usize]) -> Option<Vec<(usize, usize)>> {
        let (pos, cols) = self.positions.as_ref()?;
        Some(idx.iter().map(|&i| (pos[i] / cols, pos[i] % cols)).collect())
    }
}

/// Fraction of equal labels.
pub(super) fn accuracy(pred: &[u32], truth: &[u32]) -> f64 {
    if truth.is_empty() {
        return f64::NAN;
    }
    pred.iter().zip(truth).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64
}
