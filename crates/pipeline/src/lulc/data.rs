//! Data of the land-cover / land-use pipeline: the labelled image, the per-object split,
//! the standardised image stack, the segmentation and the training objects.

use super::config::{LulcPipeline, SegmentationConfig, Target};
use crate::blocks::patch::{raw_stack, standardised_stack};
use crate::error::{Context, Result, ensure};
use terradl_data::NormStats;
use terradl_data::sampling::{object_split, object_split_blocked};
use terradl_data::{LabelledImage, UNLABELLED};
use terradl_geo::{read_raster, Raster, Window};
use terradl_segment::{felzenszwalb_raster, slic_raster, Segmentation};
use terradl_train::lulc::jdl::subsample;
use terradl_train::lulc::{map_argmax, object_majority, ImageStack};

/// The other target's classes as groups of the label classes (land use grouped from
/// land-cover labels, or land cover grouped from land-use labels).
#[derive(Debug, Clone)]
pub(super) struct Grouping {
    /// Group id of each label class.
    pub of_label: Vec<u32>,
    pub names: Vec<String>,
}

/// Everything the methods share.
pub(super) struct LulcData {
    pub img: LabelledImage,
    /// Standardised imagery (nodata -> 0).
    pub stack: ImageStack,
    /// Per-band statistics used for `stack`.
    pub stats: NormStats,
    /// LC training pixels (subsampled per class) and classes.
    pub train: Vec<(usize, u32)>,
    /// Every labelled pixel of the training polygons.
    pub train_all: Vec<(usize, u32)>,
    /// Every labelled pixel of the test polygons.
    pub test: Vec<(usize, u32)>,
    /// Test-pixel mask (no training patch may contain one).
    pub test_mask: Vec<bool>,
    pub train_polygons: Vec<u32>,
    pub test_polygons: Vec<u32>,
    /// What the label classes are.
    pub labels_are: Target,
    /// The other target, grouped from the labels (`[land_use]` / `[land_cover]`).
    pub grouping: Option<Grouping>,
    /// Pixels with a value in every band (nodata pixels are never trained on, tested or
    /// mapped).
    pub valid: Vec<bool>,
    /// Labelled pixels dropped because the image has nodata there.
    pub nodata_labelled: usize,
    /// The image's nodata value comes from the pipeline (`nodata`), not from its file.
    pub nodata_from_pipeline: bool,
}

impl LulcData {
    /// Read and split.
    pub(super) fn load(p: &LulcPipeline) -> Result<Self> {
        let mut raster = read_raster(&p.image).with_context(|| format!("reading image {}", p.image.display()))?;
        let nodata_from_pipeline = raster.nodata.is_none() && p.nodata.is_some();
        if nodata_from_pipeline {
            raster.nodata = p.nodata;
        }
        crate::spec::ensure_band_names(&p.image, raster.bands, &p.band_names)?;
        let layer = terradl_geo::vector::read_vector_in(&p.labels, &raster.crs)
            .with_context(|| format!("reading labels {}", p.labels.display()))?;
        ensure!(!layer.features.is_empty(), "no label features in {}", p.labels.display());
        let mut img = LabelledImage::from_layer(raster, &layer, &p.class_attribute, p.band_names.clone())?;
        ensure!(!img.labelled_pixels().is_empty(), "no labelled pixel falls inside the image");
        if let Some(margin) = p.label_margin {
            let window = label_window(&img, margin);
            tracing::info!(cols = window.cols, rows = window.rows, "working on the labels' window");
            let cropped = img.image.window(window)?;
            img = LabelledImage::from_layer(cropped, &layer, &p.class_attribute, p.band_names.clone())?;
        }
        // Nodata pixels carry no label: they are neither trained on nor tested.
        let valid = img.image.valid_mask();
        let nodata_labelled = img.drop_nodata_labels();
        if nodata_labelled > 0 {
            tracing::warn!(pixels = nodata_labelled, "labelled pixels with nodata in the image are left out");
        }
        ensure!(!img.labelled_pixels().is_empty(), "every labelled pixel has nodata in the image");
        let split = match p.split.block_size {
            Some(b) => object_split_blocked(&img.objects, &img.labels, img.image.cols, b, p.split.test_fraction, p.split.seed)?,
            None => object_split(&img.objects, &img.labels, p.split.test_fraction, p.split.seed)?,
        };
        ensure!(!split.test.is_empty(), "the per-object split left no test polygon (need 2+ polygons per class)");
        let pairs = |idx: &[usize]| idx.iter().map(|&i| (i, img.labels[i])).collect::<Vec<_>>();
        let (train_all, test) = (pairs(&split.train), pairs(&split.test));
        let mut test_mask = vec![false; img.labels.len()];
        for &(i, _) in &test {
            test_mask[i] = true;
        }
        let train = subsample(&train_all, p.split.max_pixels_per_class, p.split.seed)?;
        let stats = raw_stack(&img.image)?.band_stats(&p.band_names)?;
        let stack = standardised_stack(&img.image, &stats)?;
        let (land_use, land_cover) = (&p.land_use, &p.land_cover);
        let grouping = if land_use.is_empty() && land_cover.is_empty() {
            None
        } else {
            let (of_label, names) = p.grouping_of(&img.class_names)?;
            Some(Grouping { of_label, names })
        };
        tracing::info!(
            train_polygons = split.train_objects.len(),
            test_polygons = split.test_objects.len(),
            train_pixels = train_all.len(),
            test_pixels = test.len(),
            "per-object split"
        );
        Ok(LulcData {
            img,
            stack,
            stats,
            train,
            train_all,
            test,
            test_mask,
            train_polygons: split.train_objects,
            test_polygons: split.test_objects,
            labels_are: p.labels_are,
            grouping,
            valid,
            nodata_labelled,
            nodata_from_pipeline,
        })
    }

    /// The grouping giving `target`, when `target` is not what the labels are.
    fn grouped(&self, target: Target) -> Option<&Grouping> {
        self.grouping.as_ref().filter(|_| target != self.labels_are)
    }

    /// Whether `target`'s classes exist (the labels' own, or a grouping of them).
    pub(super) fn has(&self, target: Target) -> bool {
        target == self.labels_are || self.grouping.is_some()
    }

    /// Number of classes of `target`.
    pub(super) fn n_classes(&self, target: Target) -> usize {
        self.class_names(target).len()
    }

    /// Class names of `target`.
    pub(super) fn class_names(&self, target: Target) -> &[String] {
        match self.grouped(target) {
            Some(g) => &g.names,
            None => &self.img.class_names,
        }
    }

    /// `pairs` of (pixel, label class) relabelled for `target`.
    pub(super) fn relabel(&self, pairs: &[(usize, u32)], target: Target) -> Vec<(usize, u32)> {
        match self.grouped(target) {
            Some(g) => pairs.iter().map(|&(p, c)| (p, g.of_label[c as usize])).collect(),
            None => pairs.to_vec(),
        }
    }

    /// Mapped area (ha) of each class of a band-major probability map over the valid pixels.
    pub(super) fn mapped_hectares(&self, proba: &[f32], k: usize) -> Vec<f64> {
        let ha = self.img.image.transform.pixel_area() / 10_000.0;
        let mut out = vec![0f64; k];
        for (c, v) in map_argmax(proba, k).into_iter().zip(&self.valid) {
            if *v {
                out[c as usize] += ha;
            }
        }
        out
    }

    /// Segment the image.
    pub(super) fn segment(&self, cfg: &SegmentationConfig) -> Result<Segmentation> {
        segment_raster(&self.img.image, cfg)
    }

    /// Training objects `(object, class)` for `target`: segments holding no test pixel whose
    /// majority training class covers at least `min_fraction` of them.
    pub(super) fn training_objects(&self, seg: &Segmentation, target: Target, min_fraction: f64) -> Vec<(u32, u32)> {
        let k = self.n_classes(target);
        let mut labels = vec![UNLABELLED; self.img.labels.len()];
        for (p, c) in self.relabel(&self.train_all, target) {
            labels[p] = c;
        }
        let mut touches_test = vec![false; seg.n_objects];
        for &(p, _) in &self.test {
            touches_test[seg.labels[p] as usize] = true;
        }
        object_majority(seg, &labels, k, min_fraction)
            .into_iter()
            .enumerate()
            .filter_map(|(o, c)| c.filter(|_| !touches_test[o]).map(|c| (o as u32, c)))
            .collect()
    }
}

/// Segment `raster` (raw band values, as in training) with `cfg`.
pub(super) fn segment_raster(raster: &Raster, cfg: &SegmentationConfig) -> Result<Segmentation> {
    let seg = match cfg {
        SegmentationConfig::Felzenszwalb(c) => felzenszwalb_raster(raster, c)?,
        SegmentationConfig::Slic(c) => slic_raster(raster, c)?,
    };
    tracing::info!(objects = seg.n_objects, "segmentation");
    Ok(seg)
}

/// The labelled pixels' bounding box widened by `margin`, clipped to the image.
fn label_window(img: &LabelledImage, margin: usize) -> Window {
    let cols = img.image.cols;
    let px = img.labelled_pixels();
    let (mut r0, mut r1, mut c0, mut c1) = (usize::MAX, 0, usize::MAX, 0);
    for p in px {
        let (r, c) = (p / cols, p % cols);
        (r0, r1, c0, c1) = (r0.min(r), r1.max(r), c0.min(c), c1.max(c));
    }
    let (r0, c0) = (r0.saturating_sub(margin), c0.saturating_sub(margin));
    let r1 = (r1 + margin + 1).min(img.image.rows);
    let c1 = (c1 + margin + 1).min(cols);
    Window::new(c0, r0, c1 - c0, r1 - r0)
}
