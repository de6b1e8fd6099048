//! The land-cover / land-use pipeline (`kind = "lulc"` in the TOML): per-pixel random forest
//! and MLP, patch CNN, OCNN and JDL / SS-JDL trained on the same training polygons and
//! assessed on the same test polygons (a per-object split: no test pixel is used in training,
//! not even as patch context), with class and probability maps for each method.

use super::lulc_config::{LulcMethod, LulcPipeline, Target};
use super::lulc_data::LulcData;
use super::patch_block::PatchBlockPredictor;
use super::pixel_block::{entropy_margin, UNCERTAINTY_BANDS};
use super::lulc_predict::{save_lulc_models, LulcModelInfo, TrainedEntry, TrainedLulc};
use super::model_store::{self, ModelManifest};
use super::run_dir::{accuracy_metrics, confusion_data, reliability_curve, write_json};
use terradl_assess::calibration::{expected_calibration_error, reliability_curve as curve, top_label_confidence};
use terradl_report::run_files::{BarChartData, RunInfo, Timing};
use terradl_report::RunMetadata;
use anyhow::Context;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;
use terradl_assess::ConfusionMatrix;
use terradl_geo::geotiff::{write_geotiff, ColorMap, WriteOptions};
use terradl_geo::{DType, Raster};
use terradl_predict::{predict_raster, ClassLegend, CLASS_NODATA};
use terradl_report::ColorTable;
use terradl_segment::Segmentation;
use terradl_train::lulc::{
    joint_deep_learning, map_argmax, object_probabilities_to_pixels, plan_objects, JdlConfig, JdlInputs, JdlIteration,
    Ocnn, PatchClassifier, PatchCnnSettings,
};
use terradl_train::lulc::{ImageStack, MaskIntegral, OcnnConfig};
use terradl_train::pixel::PixelClassifier;

/// Test-set figures of one method for one target.
#[derive(Debug, Clone, Serialize)]
pub struct MethodScore {
    pub method: String,
    /// "land_cover" or "land_use".
    pub target: String,
    pub overall_accuracy: f64,
    pub kappa: f64,
    pub macro_f1: f64,
    /// Training samples: pixels, patch centres or objects.
    pub n_train: usize,
    /// Test pixels.
    pub n_test: usize,
    pub fit_seconds: f64,
}

/// What a finished run produced.
pub struct LulcRun {
    pub dir: PathBuf,
    pub scores: Vec<MethodScore>,
    /// JDL / SS-JDL iteration logs, by method name.
    pub jdl: Vec<(String, Vec<JdlIteration>)>,
    /// `report.html`.
    pub report: PathBuf,
}

fn target_name(t: Target) -> &'static str {
    match t {
        Target::LandCover => "land_cover",
        Target::LandUse => "land_use",
    }
}

/// A method's test figures with what the report needs.
struct Scored {
    score: MethodScore,
    cm: ConfusionMatrix,
    /// Reference classes and pixel-major probabilities of the test pixels.
    y: Vec<u32>,
    test_proba: Vec<f64>,
    /// Class map and uncertainty raster, relative to the run directory, when written.
    map: Option<(String, String)>,
}

/// Score the argmax of a band-major probability map at the test pixels.
fn score(
    data: &LulcData,
    method: &str,
    target: Target,
    proba: &[f32],
    n_train: usize,
    fit_seconds: f64,
    dir: &Path,
) -> anyhow::Result<Scored> {
    let k = data.n_classes(target);
    let n = data.stack.pixels();
    let test = data.relabel(&data.test, target);
    let pred = map_argmax(proba, k);
    let y: Vec<u32> = test.iter().map(|&(_, c)| c).collect();
    let m: Vec<u32> = test.iter().map(|&(p, _)| pred[p]).collect();
    let cm = ConfusionMatrix::from_labels(&y, &m, k, None)?;
    write_json(dir, &format!("confusion_{}.json", target_name(target)), &confusion_data(&cm, data.class_names(target)))?;
    let s = MethodScore {
        method: method.to_string(),
        target: target_name(target).into(),
        overall_accuracy: cm.overall_accuracy().unwrap_or(f64::NAN),
        kappa: cm.kappa().unwrap_or(f64::NAN),
        macro_f1: cm.macro_f1().unwrap_or(f64::NAN),
        n_train,
        n_test: y.len(),
        fit_seconds,
    };
    tracing::info!(method, target = %s.target, oa = s.overall_accuracy, kappa = s.kappa, "test accuracy");
    let test_proba = test.iter().flat_map(|&(p, _)| (0..k).map(move |c| proba[c * n + p] as f64)).collect();
    Ok(Scored { score: s, cm, y, test_proba, map: None })
}

/// `{prefix}classes.tif` (uint8 + colour table), `{prefix}probabilities.tif` and
/// `{prefix}uncertainty.tif` (entropy, margin) from a band-major probability map of `img`'s
/// pixels, georeferenced like `img`; pixels with nodata in any band of `img` are nodata.
pub fn write_maps(img: &Raster, dir: &Path, prefix: &str, proba: &[f32], names: &[String], colors: &[[u8; 3]]) -> anyhow::Result<()> {
    let (n, k) = (img.pixels(), names.len());
    anyhow::ensure!(proba.len() == n * k, "{} probabilities for {n} pixels x {k} classes", proba.len());
    let valid: Vec<bool> = (0..n).map(|p| (0..img.bands).all(|b| !img.is_nodata(img.data[b * n + p]))).collect();
    let classes: Vec<f32> =
        map_argmax(proba, k).iter().zip(&valid).map(|(&c, &v)| if v { c as f32 } else { CLASS_NODATA }).collect();
    let mut class_raster = Raster::from_vec(1, img.rows, img.cols, DType::U8, classes)?.with_georef_of(img);
    class_raster.nodata = Some(CLASS_NODATA as f64);
    let opts = WriteOptions { tile_size: Some(256), colormap: ColorMap::new(colors.to_vec()), ..WriteOptions::default() };
    write_geotiff(dir.join(format!("{prefix}classes.tif")), &class_raster, &opts)?;
    let mut probs = proba.to_vec();
    let mut unc = vec![f32::NAN; UNCERTAINTY_BANDS.len() * n];
    let mut row = vec![0f32; k];
    for p in 0..n {
        if valid[p] {
            for (c, v) in row.iter_mut().enumerate() {
                *v = proba[c * n + p];
            }
            (unc[p], unc[n + p]) = entropy_margin(&row);
        } else {
            for c in 0..k {
                probs[c * n + p] = f32::NAN;
            }
        }
    }
    let float = WriteOptions { tile_size: Some(256), ..WriteOptions::default() };
    for (name, bands, values) in [("probabilities", k, probs), ("uncertainty", UNCERTAINTY_BANDS.len(), unc)] {
        let mut r = Raster::from_vec(bands, img.rows, img.cols, DType::F32, values)?.with_georef_of(img);
        r.nodata = Some(f64::NAN);
        write_geotiff(dir.join(format!("{prefix}{name}.tif")), &r, &float)?;
    }
    Ok(())
}

/// Row-major band values of `pixels`.
fn pixel_rows(stack: &ImageStack, pixels: impl Iterator<Item = usize>) -> Vec<f32> {
    let mut x = Vec::new();
    for p in pixels {
        stack.pixel_into(p, &mut x);
    }
    x
}

/// Per-pixel classifier: fit on the training pixels, predict every pixel.
fn run_pixel(data: &LulcData, mut model: Box<dyn PixelClassifier>) -> anyhow::Result<(Vec<f32>, f64, Box<dyn PixelClassifier>)> {
    let nf = data.stack.bands;
    let x = pixel_rows(&data.stack, data.train.iter().map(|&(p, _)| p));
    let y: Vec<u32> = data.train.iter().map(|&(_, c)| c).collect();
    let t = Instant::now();
    model.fit(&x, nf, &y).with_context(|| format!("training {}", model.name()))?;
    let fit_seconds = t.elapsed().as_secs_f64();
    let (n, k) = (data.stack.pixels(), data.img.n_classes());
    let mut out = vec![0f32; k * n];
    for start in (0..n).step_by(65_536) {
        let end = (start + 65_536).min(n);
        let p = model.predict_proba(&pixel_rows(&data.stack, start..end), nf)?;
        anyhow::ensure!(p.n_classes == k, "{} predicts {} classes, expected {k}", model.name(), p.n_classes);
        for i in 0..end - start {
            for (c, &v) in p.row(i).iter().enumerate() {
                out[c * n + start + i] = v;
            }
        }
    }
    Ok((out, fit_seconds, model))
}

/// Training centres of the patch CNN: training pixels whose window holds no test pixel.
fn patch_centres(data: &LulcData, patch: usize) -> (Vec<(usize, usize)>, Vec<u32>) {
    let cols = data.stack.cols;
    let mask = MaskIntegral::new(&data.test_mask, data.stack.rows, cols);
    data.train
        .iter()
        .map(|&(p, c)| ((p / cols, p % cols), c))
        .filter(|&(centre, _)| mask.count_in_window(centre, patch) == 0)
        .unzip()
}

fn run_ocnn(data: &LulcData, seg: &Segmentation, cfg: &OcnnConfig, target: Target, min_fraction: f64) -> anyhow::Result<(Vec<f32>, usize, f64, Ocnn)> {
    let plans = plan_objects(seg, &cfg.placement)?;
    let objects = data.training_objects(seg, target, min_fraction);
    anyhow::ensure!(!objects.is_empty(), "no segment qualifies as a training object (lower split.min_object_fraction?)");
    tracing::info!(objects = objects.len(), elongated = plans.iter().filter(|p| p.elongated).count(), "OCNN training objects");
    let t = Instant::now();
    let k = data.n_classes(target);
    let ocnn = Ocnn::fit(cfg, &data.stack, &plans, &objects, k, Some(&data.test_mask))?;
    let fit_seconds = t.elapsed().as_secs_f64();
    let proba = ocnn.predict_objects(&data.stack, &plans)?;
    Ok((object_probabilities_to_pixels(seg, &proba), objects.len(), fit_seconds, ocnn))
}

fn run_jdl(data: &LulcData, seg: &Segmentation, cfg: &JdlConfig, min_fraction: f64) -> anyhow::Result<(terradl_train::lulc::JdlOutput, usize, f64)> {
    let plans = plan_objects(seg, &cfg.ocnn.placement)?;
    let lu_train = data.training_objects(seg, Target::LandUse, min_fraction);
    anyhow::ensure!(!lu_train.is_empty(), "no segment qualifies as a land-use training object");
    let lu_eval = data.relabel(&data.test, Target::LandUse);
    // Cross-fitting folds group the training objects by labelled polygon.
    let mut polygon_of = vec![u32::MAX; seg.n_objects];
    for &(p, _) in &data.train_all {
        polygon_of[seg.labels[p] as usize] = data.img.objects[p];
    }
    let lu_groups: Vec<u32> = lu_train.iter().map(|&(o, _)| polygon_of[o as usize]).collect();
    let inputs = JdlInputs {
        image: &data.stack,
        segmentation: seg,
        plans: &plans,
        lc_train: &data.train,
        lu_train: &lu_train,
        lu_groups: &lu_groups,
        n_lc: data.n_classes(Target::LandCover),
        n_lu: data.n_classes(Target::LandUse),
        excluded: Some(&data.test_mask),
        lc_eval: &data.test,
        lu_eval: &lu_eval,
    };
    let t = Instant::now();
    let out = joint_deep_learning(&inputs, cfg, |_| {})?;
    Ok((out, lu_train.len(), t.elapsed().as_secs_f64()))
}

/// Run the pipeline; `config_text` is copied into the run directory.
pub fn run(p: &LulcPipeline, config_text: &str) -> anyhow::Result<LulcRun> {
    let t0 = Instant::now();
    let data = LulcData::load(p)?;
    std::fs::create_dir_all(&p.output).with_context(|| format!("creating {}", p.output.display()))?;
    terradl_report::write_atomic(&p.output.join("pipeline.toml"), config_text.as_bytes())?;
    write_json(&p.output, "normalisation.json", &data.stats)?;
    write_json(
        &p.output,
        "split.json",
        &serde_json::json!({
            "train_polygons": data.train_polygons,
            "test_polygons": data.test_polygons,
            "train_pixels": data.train_all.len(),
            "train_pixels_used": data.train.len(),
            "test_pixels": data.test.len(),
        }),
    )?;
    if p.label_margin.is_some() {
        write_geotiff(p.output.join("image.tif"), &data.img.image, &WriteOptions { tile_size: Some(256), ..WriteOptions::default() })?;
    }
    let mut timings = vec![Timing { stage: "load + split".into(), seconds: t0.elapsed().as_secs_f64() }];
    let needs_seg = p.methods.iter().any(|m| matches!(m, LulcMethod::Ocnn(_) | LulcMethod::Jdl(_)));
    let t = Instant::now();
    let seg = if needs_seg { Some(data.segment(&p.segmentation)?) } else { None };
    if let Some(seg) = &seg {
        timings.push(Timing { stage: format!("segmentation ({} objects)", seg.n_objects), seconds: t.elapsed().as_secs_f64() });
    }
    let colors_of = |names: &[String]| -> Vec<[u8; 3]> { ColorTable::from_names(names).classes.iter().map(|c| c.color).collect() };
    let lc_names = data.class_names(Target::LandCover).to_vec();
    let lu_names = if data.land_use.is_some() { data.class_names(Target::LandUse).to_vec() } else { Vec::new() };
    let (lc_colors, lu_colors) = (colors_of(&lc_names), colors_of(&lu_names));
    let (mut scored, mut jdl_logs, mut trained): (Vec<Scored>, _, Vec<TrainedEntry>) = (Vec::new(), Vec::new(), Vec::new());
    let bar = crate::progress::bar(p.methods.len() as u64, "methods");
    for (i, method) in p.methods.iter().enumerate() {
        let name = method.name();
        let dir_name = format!("{i}_{name}");
        let dir = p.output.join(&dir_name);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let want_map = !p.map.skip && (p.map.methods.is_empty() || p.map.methods.iter().any(|m| m == name));
        let map_paths =
            |prefix: &str| want_map.then(|| (format!("{dir_name}/{prefix}classes.tif"), format!("{dir_name}/{prefix}uncertainty.tif")));
        let min_fraction = p.split.min_object_fraction;
        let entry = |model, oa| TrainedEntry { kind: name.to_string(), position: i, overall_accuracy: oa, model };
        let t = Instant::now();
        match method {
            LulcMethod::RandomForest(_) | LulcMethod::Mlp(_) => {
                let model: Box<dyn PixelClassifier> = match method {
                    LulcMethod::RandomForest(c) => Box::new(terradl_train::pixel::RandomForest::new(c.clone())),
                    LulcMethod::Mlp(c) => Box::new(terradl_train::pixel::MlpPixelClassifier::new(c.clone())),
                    _ => unreachable!("matched above"),
                };
                let (proba, secs, model) = run_pixel(&data, model)?;
                let mut s = score(&data, name, Target::LandCover, &proba, data.train.len(), secs, &dir)?;
                if want_map {
                    write_maps(&data.img.image, &dir, "", &proba, &lc_names, &lc_colors)?;
                    s.map = map_paths("");
                }
                trained.push(entry(TrainedLulc::Pixel(model), s.score.overall_accuracy));
                scored.push(s);
            }
            LulcMethod::PatchCnn(m) => {
                let settings: &PatchCnnSettings = &m.cnn;
                let (centres, y) = patch_centres(&data, settings.patch);
                anyhow::ensure!(!centres.is_empty(), "no training patch stays clear of the test polygons");
                let mut model = PatchClassifier::new(settings.clone());
                let t = Instant::now();
                model.fit(&data.stack, &centres, &y, data.img.n_classes())?;
                let secs = t.elapsed().as_secs_f64();
                let test_centres: Vec<(usize, usize)> =
                    data.test.iter().map(|&(q, _)| (q / data.stack.cols, q % data.stack.cols)).collect();
                let tp = model.predict_proba(&data.stack, &test_centres)?;
                // A map holding only the test pixels' probabilities, for scoring.
                let n = data.stack.pixels();
                let k = data.img.n_classes();
                let mut proba = vec![0f32; k * n];
                for (j, &(q, _)) in data.test.iter().enumerate() {
                    for (c, &v) in tp.row(j).iter().enumerate() {
                        proba[c * n + q] = v;
                    }
                }
                let mut s = score(&data, name, Target::LandCover, &proba, centres.len(), secs, &dir)?;
                if want_map {
                    let predictor = PatchBlockPredictor { model: &model, stats: &data.stats, n_classes: k };
                    let legend = ClassLegend { names: lc_names.clone(), colors: lc_colors.clone() };
                    let input = if p.label_margin.is_some() { p.output.join("image.tif") } else { p.image.clone() };
                    predict_raster(&input, &predictor, &legend, &dir, || {})?;
                    s.map = map_paths("");
                }
                trained.push(entry(TrainedLulc::Patch(model), s.score.overall_accuracy));
                scored.push(s);
            }
            LulcMethod::Ocnn(m) => {
                let seg = seg.as_ref().expect("segmented above");
                let (proba, n_obj, secs, model) = run_ocnn(&data, seg, &m.ocnn, m.target, min_fraction)?;
                let mut s = score(&data, name, m.target, &proba, n_obj, secs, &dir)?;
                if want_map {
                    let colors = if m.target == Target::LandUse { &lu_colors } else { &lc_colors };
                    write_maps(&data.img.image, &dir, "", &proba, data.class_names(m.target), colors)?;
                    s.map = map_paths("");
                }
                trained.push(entry(TrainedLulc::Ocnn(model), s.score.overall_accuracy));
                scored.push(s);
            }
            LulcMethod::Jdl(cfg) => {
                let seg = seg.as_ref().expect("segmented above");
                let (out, n_obj, secs) = run_jdl(&data, seg, cfg, min_fraction)?;
                let mut lc = score(&data, name, Target::LandCover, &out.lc, data.train.len(), secs, &dir)?;
                let mut lu = score(&data, name, Target::LandUse, &out.lu, n_obj, secs, &dir)?;
                write_json(&dir, "iterations.json", &out.iterations)?;
                if want_map {
                    write_maps(&data.img.image, &dir, "land_cover_", &out.lc, &lc_names, &lc_colors)?;
                    write_maps(&data.img.image, &dir, "land_use_", &out.lu, &lu_names, &lu_colors)?;
                    lc.map = map_paths("land_cover_");
                    lu.map = map_paths("land_use_");
                }
                jdl_logs.push((name.to_string(), out.iterations));
                trained.push(entry(TrainedLulc::Jdl(out.model), lc.score.overall_accuracy));
                scored.push(lc);
                scored.push(lu);
            }
        }
        timings.push(Timing { stage: format!("{i} {name}"), seconds: t.elapsed().as_secs_f64() });
        bar.inc(1);
    }
    bar.finish_and_clear();
    let scores: Vec<MethodScore> = scored.iter().map(|s| s.score.clone()).collect();
    write_json(&p.output, "methods.json", &scores)?;

    // Saved models for `terradl predict`; the default is the most accurate land-cover method.
    let best_model = (0..trained.len())
        .filter(|&j| trained[j].kind != "ocnn_lu")
        .max_by(|&a, &b| trained[a].overall_accuracy.total_cmp(&trained[b].overall_accuracy))
        .unwrap_or(0);
    let manifest = ModelManifest {
        format: model_store::FORMAT,
        band_names: p.band_names.clone(),
        indices: Vec::new(),
        class_names: lc_names.clone(),
        colors: lc_colors.clone(),
        crs: data.img.image.crs.clone(),
        best: best_model,
        models: Vec::new(),
        config_toml: config_text.to_string(),
    };
    let info = LulcModelInfo {
        normalisation: data.stats.clone(),
        segmentation: p.segmentation.clone(),
        land_use_names: lu_names.clone(),
        land_use_colors: lu_colors.clone(),
    };
    let model_dir = save_lulc_models(&p.output, manifest, &info, &trained)?;
    tracing::info!(dir = %model_dir.display(), "saved trained models");
    let report = write_report_files(p, &data, &scored, &jdl_logs, timings, config_text)?;
    Ok(LulcRun { dir: p.output.clone(), scores, jdl: jdl_logs, report })
}

/// `run.json`, `metrics.json`, `confusion.json`, `reliability.json`, `classes.json` and a bar
/// chart of every method's test OA, then `report.html`. The accuracy tables show the most
/// accurate land-cover method; the notes list all methods and the JDL iterations.
fn write_report_files(
    p: &LulcPipeline,
    data: &LulcData,
    scored: &[Scored],
    jdl_logs: &[(String, Vec<JdlIteration>)],
    timings: Vec<Timing>,
    config_text: &str,
) -> anyhow::Result<PathBuf> {
    let best = (0..scored.len())
        .filter(|&j| scored[j].score.target == "land_cover")
        .max_by(|&a, &b| scored[a].score.overall_accuracy.total_cmp(&scored[b].score.overall_accuracy))
        .context("no land-cover method was assessed")?;
    let b = &scored[best];
    let lc_names = data.class_names(Target::LandCover);
    let k = lc_names.len();
    write_json(&p.output, terradl_report::run_files::CLASSES_FILE, &ColorTable::from_names(lc_names))?;
    write_json(&p.output, terradl_report::run_files::CONFUSION_FILE, &confusion_data(&b.cm, lc_names))?;
    write_json(&p.output, terradl_report::run_files::METRICS_FILE, &accuracy_metrics(&b.cm, lc_names, None, &[]))?;
    let (conf, correct) = top_label_confidence(&b.test_proba, k, &b.y)?;
    let ece = expected_calibration_error(&conf, &correct, 10)?;
    write_json(&p.output, terradl_report::run_files::RELIABILITY_FILE, &reliability_curve(&curve(&conf, &correct, 10)?, ece))?;
    let label = |s: &MethodScore| format!("{} ({})", s.method, if s.target == "land_use" { "LU" } else { "LC" });
    let chart = BarChartData {
        title: "Test OA per method".into(),
        labels: scored.iter().map(|s| label(&s.score)).collect(),
        values: scored.iter().map(|s| s.score.overall_accuracy).collect(),
        y_label: "overall accuracy".into(),
    };
    write_json(&p.output, terradl_report::run_files::FEATURE_IMPORTANCE_FILE, &chart)?;
    let majority = {
        let mut counts = vec![0usize; k];
        data.test.iter().for_each(|&(_, c)| counts[c as usize] += 1);
        counts.iter().copied().max().unwrap_or(0) as f64 / data.test.len().max(1) as f64
    };
    let mut notes = vec![
        format!(
            "Per-object hold-out: {} training and {} test polygons; {} training pixels used, {} test pixels. \
             No training patch or training object contains a test pixel. Majority-class baseline OA {:.3}.",
            data.train_polygons.len(),
            data.test_polygons.len(),
            data.train.len(),
            data.test.len(),
            majority
        ),
        scored
            .iter()
            .map(|s| format!("{}: OA {:.3}, kappa {:.3}", label(&s.score), s.score.overall_accuracy, s.score.kappa))
            .collect::<Vec<_>>()
            .join("; "),
        format!("The accuracy tables, confusion matrix and reliability diagram show {} (land cover).", b.score.method),
    ];
    for (name, its) in jdl_logs {
        let line: Vec<String> =
            its.iter().map(|it| format!("{}: {} px, {:.3}, {:.3}", it.iteration, it.patch, it.lc_accuracy, it.lu_accuracy)).collect();
        notes.push(format!("{name} iterations (patch, LC OA, LU OA): {}", line.join("; ")));
    }
    if data.land_use.is_some() {
        notes.push("Land use is the grouping of land-cover classes given in [land_use] (docs/LANDCOVER.md).".into());
    }
    let (class_map, uncertainty) = match &b.map {
        Some((c, u)) => (Some(c.clone()), Some(u.clone())),
        None => (None, None),
    };
    let run_info = RunInfo {
        title: Some(format!("terradl land cover / land use: {}", p.name)),
        notes,
        class_map,
        uncertainty_label: uncertainty.as_ref().map(|_| "entropy (nats)".to_string()),
        uncertainty,
        meta: RunMetadata {
            command: std::env::args().collect::<Vec<_>>().join(" "),
            config_toml: config_text.to_string(),
            dataset: format!("{} + {}", p.image.display(), p.labels.display()),
            timings,
            terradl_version: env!("CARGO_PKG_VERSION").into(),
            date: terradl_report::html::now_utc(),
        },
        ..RunInfo::default()
    };
    write_json(&p.output, terradl_report::run_files::RUN_FILE, &run_info)?;
    crate::commands::report::write_report(&p.output)
}

/// Whether the pipeline TOML at `path` is a `kind = "lulc"` pipeline.
pub fn is_lulc(path: &Path) -> anyhow::Result<bool> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read pipeline {}: {e}", path.display()))?;
    Ok(super::config::pipeline_kind(&text)? == super::lulc_config::KIND)
}

/// Load, run and print the scores and JDL logs of the pipeline at `path`.
pub fn run_file(path: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read pipeline {}: {e}", path.display()))?;
    let p = LulcPipeline::parse(&text, path.parent().unwrap_or(Path::new(".")))
        .with_context(|| format!("pipeline {}", path.display()))?;
    let out = run(&p, &text)?;
    println!(
        "{:<14} {:<11} {:>7} {:>7} {:>9} {:>9} {:>7} {:>7}",
        "method", "target", "OA", "kappa", "macro F1", "fit (s)", "train", "test"
    );
    for s in &out.scores {
        println!(
            "{:<14} {:<11} {:>7.4} {:>7.4} {:>9.4} {:>9.1} {:>7} {:>7}",
            s.method, s.target, s.overall_accuracy, s.kappa, s.macro_f1, s.fit_seconds, s.n_train, s.n_test
        );
    }
    for (name, its) in &out.jdl {
        println!("{name} iterations (patch, LC OA, LU OA, mean LC change, mean LU change):");
        for it in its {
            let f = |v: Option<f32>| v.map_or("-".to_string(), |v| format!("{v:.4}"));
            println!(
                "  {:>2}  {:>3}  {:.4}  {:.4}  {}  {}",
                it.iteration,
                it.patch,
                it.lc_accuracy,
                it.lu_accuracy,
                f(it.lc_change),
                f(it.lu_change)
            );
        }
    }
    println!("run directory: {}", out.dir.display());
    println!("report:        {}", out.report.display());
    Ok(())
}
