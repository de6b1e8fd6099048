//! The land-cover / land-use pipeline (`kind = "lulc"` in the TOML): per-pixel random forest
//! and MLP, patch CNN, OCNN and JDL / SS-JDL trained on the same training polygons and
//! assessed on the same test polygons (a per-object split: no test pixel is used in training,
//! not even as patch context), with class and probability maps for each method.

use super::config::{LulcMethod, LulcPipeline, Target};
use super::data::LulcData;
use super::maps::write_maps;
use super::saved::{save_lulc_models, LulcModelInfo, TrainedEntry, TrainedLulc};
use crate::blocks::patch::PatchBlockPredictor;
use crate::model_store::{ModelManifest, RunKind};
use crate::run_files::{class_legend, confusion_data, write_json};
use crate::run_writer::RunWriter;
use crate::score::{most_accurate, summary_line, MethodScore, LAND_COVER, LAND_USE};
use crate::spec::PipelineRun;
use crate::RunOutcome;
use crate::error::{Context, Result, ensure};
use std::path::{Path, PathBuf};
use std::time::Instant;
use terradl_assess::ConfusionMatrix;
use terradl_geo::geotiff::{write_geotiff, WriteOptions};
use terradl_predict::{predict_raster, ClassLegend};
use terradl_report::run_files::{BarChartData, RunInfo};
use terradl_segment::Segmentation;
use terradl_train::lulc::{
    joint_deep_learning, map_argmax, object_probabilities_to_pixels, plan_objects, ImageStack, JdlConfig, JdlInputs,
    JdlIteration, MaskIntegral, Ocnn, OcnnConfig, PatchClassifier, PatchCnnSettings,
};
use terradl_train::pixel::PixelClassifier;

/// The [`MethodScore::target`] of `t`.
fn target_name(t: Target) -> &'static str {
    match t {
        Target::LandCover => LAND_COVER,
        Target::LandUse => LAND_USE,
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

/// Score the argmax of a band-major probability map at the test pixels (method `method` at
/// `position` in the pipeline); its confusion matrix goes to `dir`.
#[allow(clippy::too_many_arguments)]
fn score(
    data: &LulcData,
    method: &str,
    position: usize,
    target: Target,
    proba: &[f32],
    n_train: usize,
    fit_seconds: f64,
    dir: &Path,
) -> Result<Scored> {
    let k = data.n_classes(target);
    let n = data.stack.pixels();
    let test = data.relabel(&data.test, target);
    let pred = map_argmax(proba, k);
    let y: Vec<u32> = test.iter().map(|&(_, c)| c).collect();
    let m: Vec<u32> = test.iter().map(|&(p, _)| pred[p]).collect();
    let cm = ConfusionMatrix::from_labels(&y, &m, k, None)?;
    write_json(dir, &format!("confusion_{}.json", target_name(target)), &confusion_data(&cm, data.class_names(target)))?;
    let score = MethodScore::new(method, position, target_name(target), &cm, n_train, fit_seconds);
    let test_proba = test.iter().flat_map(|&(p, _)| (0..k).map(move |c| proba[c * n + p] as f64)).collect();
    Ok(Scored { score, cm, y, test_proba, map: None })
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
fn run_pixel(data: &LulcData, mut model: Box<dyn PixelClassifier>) -> Result<(Vec<f32>, f64, Box<dyn PixelClassifier>)> {
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
        ensure!(p.n_classes == k, "{} predicts {} classes, expected {k}", model.name(), p.n_classes);
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

fn run_ocnn(data: &LulcData, seg: &Segmentation, cfg: &OcnnConfig, target: Target, min_fraction: f64) -> Result<(Vec<f32>, usize, f64, Ocnn)> {
    let plans = plan_objects(seg, &cfg.placement)?;
    let objects = data.training_objects(seg, target, min_fraction);
    ensure!(!objects.is_empty(), "no segment qualifies as a training object (lower split.min_object_fraction?)");
    tracing::info!(objects = objects.len(), elongated = plans.iter().filter(|p| p.elongated).count(), "OCNN training objects");
    let t = Instant::now();
    let k = data.n_classes(target);
    let ocnn = Ocnn::fit(cfg, &data.stack, &plans, &objects, k, Some(&data.test_mask))?;
    let fit_seconds = t.elapsed().as_secs_f64();
    let proba = ocnn.predict_objects(&data.stack, &plans)?;
    Ok((object_probabilities_to_pixels(seg, &proba), objects.len(), fit_seconds, ocnn))
}

fn run_jdl(data: &LulcData, seg: &Segmentation, cfg: &JdlConfig, min_fraction: f64) -> Result<(terradl_train::lulc::JdlOutput, usize, f64)> {
    let plans = plan_objects(seg, &cfg.ocnn.placement)?;
    let lu_train = data.training_objects(seg, Target::LandUse, min_fraction);
    ensure!(!lu_train.is_empty(), "no segment qualifies as a land-use training object");
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

impl PipelineRun for LulcPipeline {
    fn paths_mut(&mut self) -> Vec<&mut std::path::PathBuf> {
        LulcPipeline::paths_mut(self)
    }
    fn validate(&self) -> Result<()> {
        LulcPipeline::validate(self)
    }
    fn run(&self, config_toml: &str) -> Result<RunOutcome> {
        run(self, config_toml)
    }
}

/// Run the pipeline; `config_toml` is also copied into the run directory.
fn run(p: &LulcPipeline, config_toml: &str) -> Result<RunOutcome> {
    let t0 = Instant::now();
    let data = LulcData::load(p)?;
    let mut out = RunWriter::create(&p.output, config_toml)?;
    terradl_report::write_atomic(&p.output.join("pipeline.toml"), config_toml.as_bytes())?;
    out.json("normalisation.json", &data.stats)?;
    out.json(
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
    out.timing("load + split", t0.elapsed().as_secs_f64());
    let needs_seg = p.methods.iter().any(|m| matches!(m, LulcMethod::Ocnn(_) | LulcMethod::Jdl(_)));
    let t = Instant::now();
    let seg = if needs_seg { Some(data.segment(&p.segmentation)?) } else { None };
    if let Some(seg) = &seg {
        out.timing(format!("segmentation ({} objects)", seg.n_objects), t.elapsed().as_secs_f64());
    }
    let lc_names = data.class_names(Target::LandCover).to_vec();
    let lu_names = if data.land_use.is_some() { data.class_names(Target::LandUse).to_vec() } else { Vec::new() };
    let (lc_colors, lu_colors) = (class_legend(&lc_names).colors, class_legend(&lu_names).colors);
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
                let mut s = score(&data, name, i, Target::LandCover, &proba, data.train.len(), secs, &dir)?;
                if want_map {
                    write_maps(&data.img.image, &dir, "", &proba, &lc_names, &lc_colors)?;
                    s.map = map_paths("");
                }
                trained.push(entry(TrainedLulc::Pixel(model), s.score.overall_accuracy()));
                scored.push(s);
            }
            LulcMethod::PatchCnn(m) => {
                let settings: &PatchCnnSettings = &m.cnn;
                let (centres, y) = patch_centres(&data, settings.patch);
                ensure!(!centres.is_empty(), "no training patch stays clear of the test polygons");
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
                let mut s = score(&data, name, i, Target::LandCover, &proba, centres.len(), secs, &dir)?;
                if want_map {
                    let predictor = PatchBlockPredictor { model: &model, stats: &data.stats, n_classes: k };
                    let legend = ClassLegend { names: lc_names.clone(), colors: lc_colors.clone() };
                    let input = if p.label_margin.is_some() { p.output.join("image.tif") } else { p.image.clone() };
                    predict_raster(&input, &predictor, &legend, &dir, || {})?;
                    s.map = map_paths("");
                }
                trained.push(entry(TrainedLulc::Patch(model), s.score.overall_accuracy()));
                scored.push(s);
            }
            LulcMethod::Ocnn(m) => {
                let seg = seg.as_ref().expect("segmented above");
                let (proba, n_obj, secs, model) = run_ocnn(&data, seg, &m.ocnn, m.target, min_fraction)?;
                let mut s = score(&data, name, i, m.target, &proba, n_obj, secs, &dir)?;
                if want_map {
                    let colors = if m.target == Target::LandUse { &lu_colors } else { &lc_colors };
                    write_maps(&data.img.image, &dir, "", &proba, data.class_names(m.target), colors)?;
                    s.map = map_paths("");
                }
                trained.push(entry(TrainedLulc::Ocnn(model), s.score.overall_accuracy()));
                scored.push(s);
            }
            LulcMethod::Jdl(cfg) => {
                let seg = seg.as_ref().expect("segmented above");
                let (jdl, n_obj, secs) = run_jdl(&data, seg, cfg, min_fraction)?;
                let mut lc = score(&data, name, i, Target::LandCover, &jdl.lc, data.train.len(), secs, &dir)?;
                let mut lu = score(&data, name, i, Target::LandUse, &jdl.lu, n_obj, secs, &dir)?;
                write_json(&dir, "iterations.json", &jdl.iterations)?;
                if want_map {
                    write_maps(&data.img.image, &dir, "land_cover_", &jdl.lc, &lc_names, &lc_colors)?;
                    write_maps(&data.img.image, &dir, "land_use_", &jdl.lu, &lu_names, &lu_colors)?;
                    lc.map = map_paths("land_cover_");
                    lu.map = map_paths("land_use_");
                }
                jdl_logs.push((name.to_string(), jdl.iterations));
                trained.push(entry(TrainedLulc::Jdl(jdl.model), lc.score.overall_accuracy()));
                scored.push(lc);
                scored.push(lu);
            }
        }
        out.timing(format!("{i} {name}"), t.elapsed().as_secs_f64());
        bar.inc(1);
    }
    bar.finish_and_clear();
    let scores: Vec<MethodScore> = scored.iter().map(|s| s.score.clone()).collect();
    out.scores(&scores)?;

    // Saved models for `terradl predict`; the default is the most accurate land-cover method
    // (one trained model per method, so its position is its index).
    let best = most_accurate(&scores, LAND_COVER).context("no land-cover method was assessed")?.position;
    let manifest = ModelManifest::new(RunKind::Lulc, p.band_names.clone(), lc_names.clone(), data.img.image.crs.clone())
        .with_best(best);
    let info = LulcModelInfo {
        normalisation: data.stats.clone(),
        segmentation: p.segmentation.clone(),
        land_use_names: lu_names.clone(),
        land_use_colors: lu_colors.clone(),
    };
    out.save_models(manifest, |dir| save_lulc_models(dir, &info, &trained))?;
    let report = write_report_files(p, &data, &scored, best, &jdl_logs, out)?;
    let details = jdl_logs.iter().flat_map(|(name, its)| jdl_lines(name, its)).collect();
    Ok(RunOutcome { dir: p.output.clone(), report, scores, details })
}

/// The iteration log of a JDL method, as printed after the score table.
fn jdl_lines(name: &str, its: &[JdlIteration]) -> Vec<String> {
    let f = |v: Option<f32>| v.map_or("-".to_string(), |v| format!("{v:.4}"));
    let mut lines = vec![format!("{name} iterations (patch, LC OA, LU OA, mean LC change, mean LU change):")];
    lines.extend(its.iter().map(|it| {
        format!(
            "  {:>2}  {:>3}  {:.4}  {:.4}  {}  {}",
            it.iteration,
            it.patch,
            it.lc_accuracy,
            it.lu_accuracy,
            f(it.lc_change),
            f(it.lu_change)
        )
    }));
    lines
}

/// `run.json`, `metrics.json`, `confusion.json`, `reliability.json`, `classes.json` and a bar
/// chart of every method's test OA, then `report.html`. The accuracy tables show the most
/// accurate land-cover method; the notes list all methods and the JDL iterations.
fn write_report_files(
    p: &LulcPipeline,
    data: &LulcData,
    scored: &[Scored],
    best: usize,
    jdl_logs: &[(String, Vec<JdlIteration>)],
    out: RunWriter,
) -> Result<PathBuf> {
    let b = scored.iter().find(|s| s.score.position == best && s.score.target == LAND_COVER).context("no land-cover score")?;
    let lc_names = data.class_names(Target::LandCover);
    let k = lc_names.len();
    out.accuracy(&b.cm, lc_names, None, &[])?;
    out.reliability(&b.test_proba, k, &b.y)?;
    let label = |s: &MethodScore| format!("{} ({})", s.method, if s.target == LAND_USE { "LU" } else { "LC" });
    let chart = BarChartData {
        title: "Test OA per method".into(),
        labels: scored.iter().map(|s| label(&s.score)).collect(),
        values: scored.iter().map(|s| s.score.overall_accuracy()).collect(),
        y_label: "overall accuracy".into(),
    };
    out.json(terradl_report::run_files::FEATURE_IMPORTANCE_FILE, &chart)?;
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
        summary_line(&scored.iter().map(|s| s.score.clone()).collect::<Vec<_>>()),
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
        ..RunInfo::default()
    };
    out.finish(run_info, format!("{} + {}", p.image.display(), p.labels.display()))
}
