//! Patch CNN, OCNN and JDL on the real museotoolbox historical map (17 labelled polygons,
//! 5 land-cover classes; needs `terradl fetch-data`). Every figure is measured on the pixels
//! of held-out polygons (per-object split); no training patch contains a test pixel.
//! Land use = the land-cover classes grouped (agricultural: Agriculture + Soil; built:
//! Buildings; natural: Forest + Water), as documented in docs/LANDCOVER.md.
//!
//! The image is cropped to the labelled area (plus a margin) to keep the tests short.

use terradl_data::NormStats;
use terradl_data::sampling::object_split;
use terradl_data::sources::historical_map::etat_major_map;
use terradl_data::{LabelledImage, UNLABELLED};
use terradl_segment::{ImageView, Segmentation, SlicConfig, SlicGrid, slic};
use terradl_train::TrainConfig;
use terradl_train::lulc::jdl::subsample;
use terradl_train::lulc::{
    ImageStack, JdlConfig, JdlInputs, MaskIntegral, Ocnn, OcnnConfig, PatchClassifier, PatchCnnSettings,
    joint_deep_learning, map_accuracy, object_majority, object_probabilities_to_pixels, plan_objects,
};

/// LC class (sorted: Agriculture, Buildings, Forest, Soil, Water) -> LU class
/// (agricultural, built, natural).
const LU_OF_LC: [u32; 5] = [0, 1, 2, 0, 2];

struct Setup {
    stack: ImageStack,
    raw: Vec<f32>,
    train: Vec<(usize, u32)>,
    train_all: Vec<(usize, u32)>,
    test: Vec<(usize, u32)>,
    test_mask: Vec<bool>,
    rows: usize,
    cols: usize,
}

/// The map cropped to the labels' bounding box plus `margin`, split per object.
fn setup(margin: usize) -> Setup {
    let full: LabelledImage = etat_major_map().expect("run `terradl fetch-data` first");
    let (rows0, cols0) = (full.image.rows, full.image.cols);
    let labelled = full.labelled_pixels();
    let r0 = labelled.iter().map(|p| p / cols0).min().unwrap().saturating_sub(margin);
    let r1 = (labelled.iter().map(|p| p / cols0).max().unwrap() + margin + 1).min(rows0);
    let c0 = labelled.iter().map(|p| p % cols0).min().unwrap().saturating_sub(margin);
    let c1 = (labelled.iter().map(|p| p % cols0).max().unwrap() + margin + 1).min(cols0);
    let (rows, cols) = (r1 - r0, c1 - c0);
    let crop = |src: &[u32]| -> Vec<u32> {
        (0..rows * cols).map(|p| src[(r0 + p / cols) * cols0 + c0 + p % cols]).collect()
    };
    let (labels, objects) = (crop(&full.labels), crop(&full.objects));
    let n0 = rows0 * cols0;
    let mut raw = Vec::with_capacity(3 * rows * cols);
    for b in 0..3 {
        for p in 0..rows * cols {
            let v = full.image.data[b * n0 + (r0 + p / cols) * cols0 + c0 + p % cols];
            raw.push(if full.image.is_nodata(v) { f32::NAN } else { v });
        }
    }
    let mut stack = ImageStack::new(raw.clone(), 3, rows, cols).unwrap();
    let names: Vec<String> = ["red", "green", "blue"].map(String::from).to_vec();
    let stats: NormStats = stack.band_stats(&names).unwrap();
    stack.standardise(&stats).unwrap();
    let split = object_split(&objects, &labels, 0.3, 3).unwrap();
    let pairs = |idx: &[usize]| idx.iter().map(|&i| (i, labels[i])).collect::<Vec<_>>();
    let (train_all, test) = (pairs(&split.train), pairs(&split.test));
    let mut test_mask = vec![false; rows * cols];
    for &(p, _) in &test {
        test_mask[p] = true;
    }
    let train = subsample(&train_all, 400, 1).unwrap();
    Setup { stack, raw, train, train_all, test, test_mask, rows, cols }
}

fn segment(s: &Setup) -> Segmentation {
    let view = ImageView::new(&s.raw, 3, s.rows, s.cols).unwrap();
    let seg = slic(&view, &SlicConfig { grid: SlicGrid::RegionSize(10), compactness: 20.0, ..SlicConfig::default() }).unwrap();
    seg.check_invariants().unwrap();
    seg
}

/// Training objects: segments free of test pixels whose majority training class covers half.
fn training_objects(s: &Setup, seg: &Segmentation, relabel: impl Fn(u32) -> u32, k: usize) -> Vec<(u32, u32)> {
    let mut labels = vec![UNLABELLED; s.rows * s.cols];
    for &(p, c) in &s.train_all {
        labels[p] = relabel(c);
    }
    let mut touches = vec![false; seg.n_objects];
    for &(p, _) in &s.test {
        touches[seg.labels[p] as usize] = true;
    }
    object_majority(seg, &labels, k, 0.5)
        .into_iter()
        .enumerate()
        .filter_map(|(o, c)| c.filter(|_| !touches[o]).map(|c| (o as u32, c)))
        .collect()
}

/// A small CNN (CPU test budget): 8-pixel patches, 8 and 16 filters.
fn quick_cnn(epochs: usize) -> PatchCnnSettings {
    PatchCnnSettings {
        patch: 8,
        filters: vec![8, 16],
        train: TrainConfig::new().with_epochs(epochs).with_patience(3).with_batch_size(64),
        ..PatchCnnSettings::default()
    }
}

/// OCNN placement for the small CNN: 12-pixel patches for compact objects, 8 along strips.
fn quick_ocnn(epochs: usize) -> OcnnConfig {
    let mut cfg = OcnnConfig { cnn: quick_cnn(epochs), samples_per_object: 6, ..OcnnConfig::default() };
    cfg.placement.large_patch = 12;
    cfg.placement.small_patch = 8;
    cfg
}

#[test]
fn patch_cnn_classifies_held_out_polygons() {
    let s = setup(20);
    let cnn = quick_cnn(6);
    let mask = MaskIntegral::new(&s.test_mask, s.rows, s.cols);
    let (centres, y): (Vec<_>, Vec<_>) = s
        .train
        .iter()
        .map(|&(p, c)| ((p / s.cols, p % s.cols), c))
        .filter(|&(c, _)| mask.count_in_window(c, cnn.patch) == 0)
        .unzip();
    let mut model = PatchClassifier::new(cnn);
    model.fit(&s.stack, &centres, &y, 5).unwrap();
    let test_centres: Vec<_> = s.test.iter().map(|&(p, _)| (p / s.cols, p % s.cols)).collect();
    let pred = model.predict_proba(&s.stack, &test_centres).unwrap().argmax();
    let oa = pred.iter().zip(&s.test).filter(|(p, t)| **p == t.1).count() as f64 / s.test.len() as f64;
    println!("patch CNN held-out OA {oa:.3} on {} test pixels ({} training patches)", s.test.len(), centres.len());
    // Measured 0.899 (majority class, Forest: 0.535).
    assert!(oa > 0.80, "patch CNN held-out OA {oa}");
}

#[test]
fn ocnn_classifies_held_out_polygons() {
    let s = setup(20);
    let seg = segment(&s);
    let cfg = quick_ocnn(6);
    let plans = plan_objects(&seg, &cfg.placement).unwrap();
    let objects = training_objects(&s, &seg, |c| c, 5);
    // One thread: with several, gradient sums change order from run to run, and this short
    // run (6 epochs, 121 objects) once collapsed to the majority class (OA 0.540) in the
    // full suite; single-threaded it is reproducible.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let ocnn = pool.install(|| Ocnn::fit(&cfg, &s.stack, &plans, &objects, 5, Some(&s.test_mask))).unwrap();
    let proba = ocnn.predict_objects(&s.stack, &plans).unwrap();
    let px = object_probabilities_to_pixels(&seg, &proba);
    let oa = map_accuracy(&px, 5, &s.test);
    println!("OCNN held-out OA {oa:.3} ({} objects, {} training objects)", seg.n_objects, objects.len());
    // Measured 0.795 single-threaded (majority class: 0.535).
    assert!(oa > 0.75, "OCNN held-out OA {oa}");
}

#[test]
fn jdl_iterations_do_not_lower_held_out_accuracy() {
    let s = setup(20);
    let seg = segment(&s);
    let mut cfg = JdlConfig { max_iterations: 3, tolerance: 0.0, ..JdlConfig::default() };
    cfg.ocnn = quick_ocnn(5);
    cfg.mlp.train = TrainConfig::new().with_epochs(25).with_patience(5);
    let plans = plan_objects(&seg, &cfg.ocnn.placement).unwrap();
    let lu_train = training_objects(&s, &seg, |c| LU_OF_LC[c as usize], 3);
    let lu_eval: Vec<(usize, u32)> = s.test.iter().map(|&(p, c)| (p, LU_OF_LC[c as usize])).collect();
    let inputs = JdlInputs {
        image: &s.stack,
        segmentation: &seg,
        plans: &plans,
        lc_train: &s.train,
        lu_train: &lu_train,
        lu_groups: &[],
        n_lc: 5,
        n_lu: 3,
        excluded: Some(&s.test_mask),
        lc_eval: &s.test,
        lu_eval: &lu_eval,
    };
    let out = joint_deep_learning(&inputs, &cfg, |it| println!("{it:?}")).unwrap();
    assert_eq!(out.iterations.len(), 3);
    let first = &out.iterations[0];
    let last = out.iterations.last().unwrap();
    println!("JDL LC {:.3} -> {:.3}, LU {:.3} -> {:.3}", first.lc_accuracy, last.lc_accuracy, first.lu_accuracy, last.lu_accuracy);
    // Measured LC 0.851 -> 0.891, LU 0.873 -> 0.898. One test polygon holds 12% of the test
    // pixels, so "noise" is a few per cent.
    assert!(last.lc_accuracy >= first.lc_accuracy - 0.03, "JDL lowered LC accuracy");
    assert!(last.lu_accuracy >= first.lu_accuracy - 0.05, "JDL lowered LU accuracy");
    assert!(last.lc_accuracy > 0.75);
    assert!(out.iterations[1..].iter().all(|it| it.lc_change.is_some() && it.lu_change.is_some()));
}
