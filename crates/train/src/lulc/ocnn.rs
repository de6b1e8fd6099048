//! Object-based CNN (OCNN, Zhang et al. 2018, "An object-based convolutional neural network
//! (OCNN) for urban land use classification", RSE 216): every object of a segmentation is
//! classified by CNN patches placed according to its shape — one large patch at the centroid
//! of a compact object, several small patches along the skeleton (or major axis) of an
//! elongated one — and the patch predictions of an object are combined by soft voting (mean
//! probability).

use std::path::Path;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use terradl_models::saved::ModelKind;
use terradl_segment::{ObjectMask, PatchPlacementConfig, Segmentation, Skeleton, object_stats, place_patches};

use super::patch_cnn::{PatchCnnSettings, PatchClassifier};
use super::stack::{ImageStack, MaskIntegral};
use crate::error::TrainError;
use crate::inference::ClassProbabilities;
use crate::model_dir::{read_header, write_header};

/// Settings of an [`Ocnn`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OcnnConfig {
    /// Where patches go (elongation threshold, large/small patch sides, spacing).
    pub placement: PatchPlacementConfig,
    /// CNN and training settings shared by the large- and small-patch CNNs (`patch` is
    /// replaced by the placement's sizes).
    pub cnn: PatchCnnSettings,
    /// Training centres per training object besides its placed patches: random pixels of the
    /// object (more samples for small data sets; 0 uses the placed patches only).
    pub samples_per_object: usize,
    /// Seed of the random training centres.
    pub seed: u64,
}

impl Default for OcnnConfig {
    fn default() -> Self {
        Self {
            placement: PatchPlacementConfig {
                elongation_threshold: 3.0,
                large_patch: 16,
                small_patch: 8,
                max_small_patches: 6,
                spacing: 8.0,
            },
            cnn: PatchCnnSettings::default(),
            samples_per_object: 10,
            seed: 11,
        }
    }
}

/// The patch plan of one object.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectPlan {
    /// Elongated objects use the small-patch CNN at several sites.
    pub elongated: bool,
    /// Patch centres `(row, col)`, all inside the object.
    pub sites: Vec<(usize, usize)>,
    /// Every pixel of the object, row-major indices.
    pub pixels: Vec<usize>,
}

/// Patch plans of every object of `seg` (index = object id); nodata objects get no sites.
pub fn plan_objects(seg: &Segmentation, placement: &PatchPlacementConfig) -> Result<Vec<ObjectPlan>, TrainError> {
    let stats = object_stats(seg, None)?;
    let mut pixels: Vec<Vec<usize>> = vec![Vec::new(); seg.n_objects];
    for (p, &l) in seg.labels.iter().enumerate() {
        pixels[l as usize].push(p);
    }
    let mut plans = Vec::with_capacity(seg.n_objects);
    for (s, px) in stats.iter().zip(pixels) {
        let nodata = seg.nodata_objects.get(s.id as usize).copied().unwrap_or(false);
        if nodata {
            plans.push(ObjectPlan { elongated: false, sites: Vec::new(), pixels: px });
            continue;
        }
        let mask = ObjectMask::from_labels_in(&seg.labels, seg.cols, s.id, s.bbox);
        let elongated = s.elongation >= placement.elongation_threshold;
        let skeleton = if elongated {
            Skeleton::of(&mask)
        } else {
            Skeleton { pixels: Vec::new(), path: Vec::new() }
        };
        let sites = place_patches(s, &mask, &skeleton, placement)?;
        plans.push(ObjectPlan { elongated, sites: sites.into_iter().map(|p| p.centre).collect(), pixels: px });
    }
    Ok(plans)
}

/// Class of each object from per-pixel labels (`u32::MAX` = unlabelled): the majority label
/// among its labelled pixels when that label covers at least `min_fraction` of the object.
pub fn object_majority(seg: &Segmentation, labels: &[u32], n_classes: usize, min_fraction: f64) -> Vec<Option<u32>> {
    let mut counts = vec![0u32; seg.n_objects * n_classes];
    let mut area = vec![0u32; seg.n_objects];
    for (p, &o) in seg.labels.iter().enumerate() {
        area[o as usize] += 1;
        let l = labels[p];
        if (l as usize) < n_classes {
            counts[o as usize * n_classes + l as usize] += 1;
        }
    }
    (0..seg.n_objects)
        .map(|o| {
            let row = &counts[o * n_classes..(o + 1) * n_classes];
            let (best, &n) = row.iter().enumerate().max_by_key(|&(k, &n)| (n, std::cmp::Reverse(k)))?;
            (n > 0 && n as f64 >= min_fraction * area[o] as f64).then_some(best as u32)
        })
        .collect()
}

/// Per-object probabilities spread onto the pixels: `k x rows x cols`, band-major.
pub fn object_probabilities_to_pixels(seg: &Segmentation, proba: &ClassProbabilities) -> Vec<f32> {
    let (k, n) = (proba.n_classes, seg.labels.len());
    let mut out = vec![0f32; k * n];
    for (p, &o) in seg.labels.iter().enumerate() {
        if (o as usize) < proba.len() {
            for (c, &v) in proba.row(o as usize).iter().enumerate() {
                out[c * n + p] = v;
            }
        }
    }
    out
}

/// The header's config of a saved [`Ocnn`].
#[derive(Serialize, Deserialize)]
struct SavedOcnn {
    config: OcnnConfig,
    n_classes: usize,
    /// Whether `small/` holds a small-patch CNN.
    small: bool,
}

/// A trained OCNN: a large-patch CNN for compact objects and a small-patch CNN for
/// elongated ones.
#[derive(Debug)]
pub struct Ocnn {
    config: OcnnConfig,
    large: PatchClassifier,
    small: Option<PatchClassifier>,
    n_classes: usize,
}

impl Ocnn {
    /// Trains both CNNs on `train` objects `(object id, class)` of `plans`. Patch centres are
    /// each object's placed sites plus [`OcnnConfig::samples_per_object`] random object
    /// pixels; a centre whose window would hold an `excluded` pixel (for example a test
    /// pixel) is dropped, so no test pixel enters training even as context. The small-patch
    /// CNN is trained only when some object is elongated.
    pub fn fit(
        config: &OcnnConfig,
        image: &ImageStack,
        plans: &[ObjectPlan],
        train: &[(u32, u32)],
        n_classes: usize,
        excluded: Option<&[bool]>,
    ) -> Result<Self, TrainError> {
        let pl = &config.placement;
        let excluded = excluded.map(|m| MaskIntegral::new(m, image.rows, image.cols));
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let mut centres = Vec::new();
        for &(o, class) in train {
            let plan = plans
                .get(o as usize)
                .ok_or_else(|| TrainError::Data(format!("training object {o} is not in the segmentation")))?;
            centres.extend(plan.sites.iter().map(|&c| (c, class)));
            let mut px = plan.pixels.clone();
            px.shuffle(&mut rng);
            for &p in px.iter().take(config.samples_per_object) {
                centres.push(((p / image.cols, p % image.cols), class));
            }
        }
        let keep = |size: usize| -> (Vec<(usize, usize)>, Vec<u32>) {
            centres
                .iter()
                .filter(|(c, _)| excluded.as_ref().is_none_or(|m| m.count_in_window(*c, size) == 0))
                .map(|&(c, k)| (c, k))
                .unzip()
        };
        let fit_one = |size: usize| -> Result<PatchClassifier, TrainError> {
            let (c, k) = keep(size);
            if c.is_empty() {
                return Err(TrainError::Data(format!(
                    "no training patch of {size} pixels stays clear of the excluded pixels"
                )));
            }
            let mut m = PatchClassifier::new(PatchCnnSettings { patch: size, ..config.cnn.clone() });
            m.fit(image, &c, &k, n_classes)?;
            Ok(m)
        };
        let large = fit_one(pl.large_patch)?;
        let small = if plans.iter().any(|p| p.elongated && !p.sites.is_empty()) {
            Some(fit_one(pl.small_patch)?)
        } else {
            None
        };
        Ok(Self { config: config.clone(), large, small, n_classes })
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// The settings it was trained with.
    pub fn config(&self) -> &OcnnConfig {
        &self.config
    }

    /// Number of input bands of the CNNs.
    pub fn channels(&self) -> usize {
        self.large.channels()
    }

    /// Writes the trained OCNN into `dir` (created): the `ocnn` header (settings, class
    /// count as its config) and the CNNs in `large/` and, when trained, `small/`
    /// ([`PatchClassifier::save`]).
    pub fn save(&self, dir: &Path) -> Result<(), TrainError> {
        self.large.save(&dir.join("large"))?;
        if let Some(small) = &self.small {
            small.save(&dir.join("small"))?;
        }
        let saved = SavedOcnn { config: self.config.clone(), n_classes: self.n_classes, small: self.small.is_some() };
        write_header(dir, ModelKind::Ocnn, &saved, None)
    }

    /// Reads an OCNN written by [`Ocnn::save`]; a directory without a header, of another
    /// format version or of another kind is a [`TrainError::Saved`].
    pub fn load(dir: &Path) -> Result<Self, TrainError> {
        let (_, saved): (_, SavedOcnn) = read_header(dir, &[ModelKind::Ocnn])?;
        let large = PatchClassifier::load(&dir.join("large"))?;
        let small = if saved.small { Some(PatchClassifier::load(&dir.join("small"))?) } else { None };
        for m in std::iter::once(&large).chain(small.as_ref()) {
            if m.n_classes() != saved.n_classes {
                return Err(TrainError::checkpoint(dir, format!("a CNN has {} classes, the OCNN {}", m.n_classes(), saved.n_classes)));
            }
        }
        Ok(Self { config: saved.config, large, small, n_classes: saved.n_classes })
    }

    /// Probabilities of every object in `plans` (mean over its patches; uniform for objects
    /// without sites, such as nodata).
    pub fn predict_objects(&self, image: &ImageStack, plans: &[ObjectPlan]) -> Result<ClassProbabilities, TrainError> {
        let k = self.n_classes;
        let (mut large_c, mut small_c) = (Vec::new(), Vec::new());
        let mut owner_large = Vec::new();
        let mut owner_small = Vec::new();
        for (o, plan) in plans.iter().enumerate() {
            let (c, owner) = match (&self.small, plan.elongated) {
                (Some(_), true) => (&mut small_c, &mut owner_small),
                _ => (&mut large_c, &mut owner_large),
            };
            for &s in &plan.sites {
                c.push(s);
                owner.push(o);
            }
        }
        let mut sum = vec![0f32; plans.len() * k];
        let mut count = vec![0u32; plans.len()];
        let mut add = |p: ClassProbabilities, owner: &[usize]| {
            for (i, &o) in owner.iter().enumerate() {
                for (s, v) in sum[o * k..(o + 1) * k].iter_mut().zip(p.row(i)) {
                    *s += v;
                }
                count[o] += 1;
            }
        };
        if !large_c.is_empty() {
            add(self.large.predict_proba(image, &large_c)?, &owner_large);
        }
        if let (Some(small), false) = (&self.small, small_c.is_empty()) {
            add(small.predict_proba(image, &small_c)?, &owner_small);
        }
        for (o, &n) in count.iter().enumerate() {
            let row = &mut sum[o * k..(o + 1) * k];
            if n == 0 {
                row.fill(1.0 / k as f32);
            } else {
                row.iter_mut().for_each(|v| *v /= n as f32);
            }
        }
        Ok(ClassProbabilities { n_classes: k, values: sum })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use terradl_models::saved::{ModelHeader, SavedModelError};

    /// An OCNN of one 2-class large-patch CNN fitted on a 1-band image, with that image and
    /// the CNN's training centres.
    pub(crate) fn fitted() -> (Ocnn, ImageStack, Vec<(usize, usize)>) {
        let (large, image, centres) = super::super::patch_cnn::tests::fitted();
        (Ocnn { config: OcnnConfig::default(), large, small: None, n_classes: 2 }, image, centres)
    }

    #[test]
    fn save_load_round_trip_and_kind_check() {
        let (ocnn, image, centres) = fitted();
        let dir = tempfile::tempdir().unwrap();
        ocnn.save(dir.path()).unwrap();
        assert_eq!(ModelHeader::read(dir.path()).unwrap().kind, ModelKind::Ocnn);
        let back = Ocnn::load(dir.path()).unwrap();
        assert_eq!((back.n_classes(), back.channels(), back.small.is_some()), (2, 1, false));
        let plans = vec![ObjectPlan { elongated: false, sites: centres, pixels: vec![0] }];
        assert_eq!(back.predict_objects(&image, &plans).unwrap().values, ocnn.predict_objects(&image, &plans).unwrap().values);
        // the CNN's own directory is a patch CNN, not an OCNN
        let e = Ocnn::load(&dir.path().join("large")).unwrap_err();
        assert!(matches!(e, TrainError::Saved(SavedModelError::KindMismatch { found: ModelKind::PatchCnn, .. })), "{e}");
    }

    #[test]
    fn majority_needs_enough_coverage() {
        // Objects: left half (0) and right half (1) of a 2 x 4 image.
        let seg = Segmentation::from_labels(vec![0, 0, 1, 1, 0, 0, 1, 1], 2, 4).unwrap();
        let u = u32::MAX;
        let labels = vec![2, 2, 1, u, 2, 0, u, u];
        let m = object_majority(&seg, &labels, 3, 0.5);
        assert_eq!(m, vec![Some(2), None]);
        assert_eq!(object_majority(&seg, &labels, 3, 0.25), vec![Some(2), Some(1)]);
    }

    #[test]
    fn plans_put_one_site_in_compact_objects_and_several_in_strips() {
        // A 40 x 40 image: a 3-pixel-wide horizontal strip (rows 10..13) and the rest.
        let (rows, cols) = (40, 40);
        let labels: Vec<u32> = (0..rows * cols).map(|p| ((10..13).contains(&(p / cols))) as u32).collect();
        let seg = Segmentation::from_labels(labels, rows, cols).unwrap();
        let cfg = OcnnConfig::default().placement;
        let plans = plan_objects(&seg, &cfg).unwrap();
        let strip = seg.labels[11 * cols];
        let plan = &plans[strip as usize];
        assert!(plan.elongated && plan.sites.len() >= 3, "{plan:?}");
        assert!(plan.sites.iter().all(|&(r, _)| (10..13).contains(&r)));
        assert_eq!(plan.pixels.len(), 3 * cols);
        let proba = ClassProbabilities { n_classes: 2, values: vec![0.25, 0.75, 1.0, 0.0, 0.5, 0.5] };
        let px = object_probabilities_to_pixels(&seg, &proba);
        assert_eq!(px.len(), 2 * rows * cols);
        assert_eq!(px[11 * cols], proba.row(strip as usize)[0]);
    }
}
