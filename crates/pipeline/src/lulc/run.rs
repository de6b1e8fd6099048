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
use terradl_assess::{AreaAdjusted, ConfusionMatrix};
use terradl_geo::geotiff::{write_geotiff, WriteOptions};
use terradl_predict::{predict_raster, ClassLegend};
use terradl_report::run_files::{AreaEstimate, BarChartData, RunInfo};
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
    /// Mapped hectares per class over the valid pixels, when the method mapped every pixel.
    mapped: Option<Vec<f64>>,
}

/// Score the argmax of a band-major probability map at the test pixels (method `method` at
/// `position` in the pipeline); its confusion matrix goes to `dir`. `full`: the map covers
/// every pixel (not only the test pixels), so its class areas are counted.
#[allow(clippy::too_many_arguments)]
fn score(
    data: &LulcData,
    method: &str,
    position: usize,
    target: Target,
    proba: &[f32],
    full: bool,
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
    let mut score = MethodScore::new(method, position, target_name(target), &cm, n_train, fit_seconds);
    score.polygon_accuracy = Some(polygon_accuracy(data, &test, &m, k));
    let test_proba = test.iter().flat_map(|&(p, _)| (0..k).map(move |c| proba[c * n + p] as f64)).collect();
    let mapped = full.then(|| data.mapped_hectares(proba, k));
    Ok(Scored { score, cm, y, test_proba, map: None, mapped })
}

/// Share of test polygons whose majority predicted class (over their test pixels `test`,
/// predictions `pred`, `k` classes) is the polygon's class.
fn polygon_accuracy(data: &LulcData, test: &[(usize, u32)], pred: &[u32], k: usize) -> f64 {
    let mut votes: std::collections::BTreeMap<u32, (u32, Vec<usize>)> = std::collections::BTreeMap::new();
    for (&(p, c), &m) in test.iter().zip(pred) {
        let e = votes.entry(data.img.objects[p]).or_insert_with(|| (c, vec![0; k]));
        e.1[m as usize] += 1;
    }
    let right = votes
        .values()
        .filter(|(c, v)| v.iter().enumerate().max_by_key(|&(i, &n)| (n, std::cmp::Reverse(i))).map(|(i, _)| i as u32) == Some(*c))
        .count();
    right as f64 / votes.len().max(1) as f64
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
    let lc_train = data.relabel(&data.train, Target::LandCover);
    let lc_eval = data.relabel(&data.test, Target::LandCover);
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
        lc_train: &lc_train,
        lu_train: &lu_train,
        lu_groups: &lu_groups,
        n_lc: data.n_classes(Target::LandCover),
        n_lu: data.n_classes(Target::LandUse),
        excluded: Some(&data.test_mask),
        lc_eval: &lc_eval,
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
    fn output(&self) -> &std::path::Path {
        &self.output
    }
    fn run(&self, config_toml: &str) -> Result<RunOutcome> {
        run(self, config_toml)
    }
}

/// Run the pipeline; `config_toml` is also copied into the run directory.
fn run(p: &LulcPipeline, config_toml: &str) -> Result<RunOutcome> {
    let t0 = Instant::now();
    let stacked;
    let p = match &p.stack {
        Some(stack) => {
            stacked = with_stacked_image(p, stack)?;
            &stacked
        }
        None => p,
    };
    let stack_seconds = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let data = LulcData::load(p)?;
    let mut out = RunWriter::create(&p.output, config_toml)?;
    if stack_seconds > 0.01 && p.image.ends_with(STACK_FILE) {
        out.timing("stack bands", stack_seconds);
    }
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
            "block_size": p.split.block_size,
            "labelled_pixels_with_nodata": data.nodata_labelled,
        }),
    )?;
    // The image as the run saw it (window, nodata), when that differs from the file.
    let own_image = p.label_margin.is_some() || data.nodata_from_pipeline;
    if own_image {
        let opts = WriteOptions { tile_size: Some(256), band_names: p.band_names.clone(), ..WriteOptions::default() };
        write_geotiff(p.output.join("image.tif"), &data.img.image, &opts)?;
    }
    out.timing("load + split", t0.elapsed().as_secs_f64());
    let needs_seg = p.methods.iter().any(|m| matches!(m, LulcMethod::Ocnn(_) | LulcMethod::Jdl(_)));
    let t = Instant::now();
    let seg = if needs_seg { Some(data.segment(&p.segmentation)?) } else { None };
    if let Some(seg) = &seg {
        out.timing(format!("segmentation ({} objects)", seg.n_objects), t.elapsed().as_secs_f64());
    }
    let lc_names = data.class_names(Target::LandCover).to_vec();
    let lu_names = if data.has(Target::LandUse) { data.class_names(Target::LandUse).to_vec() } else { Vec::new() };
    let (lc_colors, lu_colors) = (class_legend(&lc_names).colors, class_legend(&lu_names).colors);
    // Pixel and patch methods learn the label classes.
    let primary = data.labels_are;
    let colors_of = |t: Target| if t == Target::LandUse { &lu_colors } else { &lc_colors };
    let (label_names, label_colors) = (data.class_names(primary).to_vec(), colors_of(primary).clone());
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
                let mut s = score(&data, name, i, primary, &proba, true, data.train.len(), secs, &dir)?;
                if want_map {
                    write_maps(&data.img.image, &dir, "", &proba, &label_names, &label_colors)?;
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
                let mut s = score(&data, name, i, primary, &proba, false, centres.len(), secs, &dir)?;
                if want_map {
                    let predictor = PatchBlockPredictor { model: &model, stats: &data.stats, n_classes: k };
                    let legend = ClassLegend { names: label_names.clone(), colors: label_colors.clone() };
                    let input = if own_image { p.output.join("image.tif") } else { p.image.clone() };
                    predict_raster(&input, &predictor, &legend, &dir, || {})?;
                    s.map = map_paths("");
                }
                trained.push(entry(TrainedLulc::Patch(model), s.score.overall_accuracy()));
                scored.push(s);
            }
            LulcMethod::Ocnn(m) => {
                let seg = seg.as_ref().expect("segmented above");
                let (proba, n_obj, secs, model) = run_ocnn(&data, seg, &m.ocnn, m.target, min_fraction)?;
                let mut s = score(&data, name, i, m.target, &proba, true, n_obj, secs, &dir)?;
                if want_map {
                    write_maps(&data.img.image, &dir, "", &proba, data.class_names(m.target), colors_of(m.target))?;
                    s.map = map_paths("");
                }
                trained.push(entry(TrainedLulc::Ocnn(model), s.score.overall_accuracy()));
                scored.push(s);
            }
            LulcMethod::Jdl(cfg) => {
                let seg = seg.as_ref().expect("segmented above");
                let (jdl, n_obj, secs) = run_jdl(&data, seg, cfg, min_fraction)?;
                let mut lc = score(&data, name, i, Target::LandCover, &jdl.lc, true, data.train.len(), secs, &dir)?;
                let mut lu = score(&data, name, i, Target::LandUse, &jdl.lu, true, n_obj, secs, &dir)?;
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

    // Saved models for `terradl predict`; the default is the most accurate method on the
    // label classes (one trained model per method, so its position is its index).
    let best = most_accurate(&scores, target_name(primary))
        .with_context(|| format!("no method was assessed on the label classes ({})", target_name(primary)))?
        .position;
    let mut manifest = ModelManifest::new(RunKind::Lulc, p.band_names.clone(), lc_names.clone(), data.img.image.crs.clone())
        .with_best(best);
    manifest.nodata = p.nodata;
    let info = LulcModelInfo {
        normalisation: data.stats.clone(),
        segmentation: p.segmentation.clone(),
        land_use_names: lu_names.clone(),
        land_use_colors: lu_colors.clone(),
        labels_are: primary,
    };
    out.save_models(manifest, |dir| save_lulc_models(dir, &info, &trained))?;
    let (report, area_lines) = write_report_files(p, &data, &scored, best, &jdl_logs, out)?;
    let mut details: Vec<String> = jdl_logs.iter().flat_map(|(name, its)| jdl_lines(name, its)).collect();
    details.extend(area_lines);
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
) -> Result<(PathBuf, Vec<String>)> {
    let primary = data.labels_are;
    let b = scored
        .iter()
        .find(|s| s.score.position == best && s.score.target == target_name(primary))
        .context("no score on the label classes")?;
    let names = data.class_names(primary);
    let k = names.len();
    let (areas, area_notes) = area_estimates(scored, data, &out)?;
    let best_areas = areas.iter().find(|a| a.method == b.score.method && a.target == b.score.target);
    let oa_ci = best_areas.map(|a| a.estimate.overall_accuracy.ci95_half_width());
    let area_rows: Vec<Option<AreaEstimate>> = match best_areas {
        Some(a) => a
            .estimate
            .classes
            .iter()
            .map(|c| Some(AreaEstimate { estimate: c.area.value, ci95: c.area.ci95_half_width(), unit: "ha".into() }))
            .collect(),
        None => Vec::new(),
    };
    out.accuracy(&b.cm, names, oa_ci, &area_rows)?;
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
        format!(
            "The accuracy tables, confusion matrix and reliability diagram show {} ({}, the label classes).",
            b.score.method, b.score.target
        ),
    ];
    notes.extend(area_notes.iter().cloned());
    for (name, its) in jdl_logs {
        let line: Vec<String> =
            its.iter().map(|it| format!("{}: {} px, {:.3}, {:.3}", it.iteration, it.patch, it.lc_accuracy, it.lu_accuracy)).collect();
        notes.push(format!("{name} iterations (patch, LC OA, LU OA): {}", line.join("; ")));
    }
    match (data.grouping.is_some(), primary) {
        (true, Target::LandCover) => {
            notes.push("Land use is the grouping of land-cover classes given in [land_use] (docs/LANDCOVER.md).".into())
        }
        (true, Target::LandUse) => {
            notes.push("Land cover is the grouping of the land-use labels given in [land_cover] (docs/LANDCOVER.md).".into())
        }
        (false, _) => {}
    }
    if data.nodata_labelled > 0 {
        notes.push(format!("{} labelled pixels with nodata in the image were left out.", data.nodata_labelled));
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
    let report = out.finish(run_info, format!("{} + {}", p.image.display(), p.labels.display()))?;
    // The land-use area line, for the terminal.
    Ok((report, area_notes.into_iter().take_while(|n| n.starts_with("Land-use areas")).collect()))
}

/// File name of the stacked image in the run directory.
const STACK_FILE: &str = "stack.tif";

/// `p` with its `[stack]` built into `<output>/stack.tif` as its image (band names from the
/// stack unless `band_names` is given).
fn with_stacked_image(p: &LulcPipeline, stack: &super::config::ImageStack) -> Result<LulcPipeline> {
    std::fs::create_dir_all(&p.output).with_context(|| format!("creating {}", p.output.display()))?;
    let stacked = terradl_geo::stack::stack_bands(&stack.bands, &stack.options()).context("stacking the image bands")?;
    let names = if p.band_names.is_empty() { stacked.band_names.clone() } else { p.band_names.clone() };
    crate::spec::ensure_band_names(Path::new("the [stack]"), stacked.raster.bands, &names)?;
    let path = p.output.join(STACK_FILE);
    let opts = WriteOptions { tile_size: Some(256), band_names: names.clone(), ..WriteOptions::default() };
    write_geotiff(&path, &stacked.raster, &opts).with_context(|| format!("writing {}", path.display()))?;
    tracing::info!(path = %path.display(), bands = names.len(), cols = stacked.raster.cols, rows = stacked.raster.rows, "stacked image");
    Ok(LulcPipeline { image: path, band_names: names, stack: None, ..p.clone() })
}

/// Olofsson et al. (2014) area estimates of one method's map.
#[derive(serde::Serialize)]
struct MethodAreas {
    method: String,
    target: String,
    /// Standard errors were multiplied by its square root: test pixels per test polygon.
    design_effect: f64,
    /// Hectares per class as mapped.
    mapped_ha: Vec<f64>,
    estimate: AreaAdjusted,
}

/// Area-adjusted estimates (ha, 95 % CI) of every method that mapped every pixel, from its
/// test confusion matrix; written to `areas.json`. Returns them and report notes.
fn area_estimates(scored: &[Scored], data: &LulcData, out: &RunWriter) -> Result<(Vec<MethodAreas>, Vec<String>)> {
    let mut areas = Vec::new();
    let mut skipped = Vec::new();
    // Test pixels come in whole polygons: count polygons, not pixels, as sample units.
    let design_effect = data.test.len() as f64 / data.test_polygons.len().max(1) as f64;
    for s in scored {
        let Some(mapped) = &s.mapped else { continue };
        match AreaAdjusted::estimate(&s.cm, mapped) {
            Ok(estimate) => areas.push(MethodAreas {
                design_effect,
                method: s.score.method.clone(),
                target: s.score.target.clone(),
                mapped_ha: mapped.clone(),
                estimate: estimate.with_design_effect(design_effect),
            }),
            Err(e) => skipped.push(format!("{} ({}): {e}", s.score.method, s.score.target)),
        }
    }
    out.json("areas.json", &areas)?;
    let mut notes = Vec::new();
    // The land-use decision view: hectares per use of the most accurate land-use map.
    let best_lu = areas
        .iter()
        .filter(|a| a.target == LAND_USE)
        .max_by(|a, b| a.estimate.overall_accuracy.value.total_cmp(&b.estimate.overall_accuracy.value));
    if let Some(a) = best_lu {
        let names = data.class_names(Target::LandUse);
        let rows: Vec<String> = names
            .iter()
            .zip(&a.estimate.classes)
            .map(|(n, c)| format!("{n} {:.0} ± {:.0} ha", c.area.value, c.area.ci95_half_width()))
            .collect();
        notes.push(format!(
            "Land-use areas of the scene from {} (area-adjusted, 95 % CI; Olofsson et al. 2014): {}.",
            a.method,
            rows.join("; ")
        ));
    }
    if !areas.is_empty() {
        notes.push(
            format!(
                "Area estimates (areas.json, every method that maps every pixel) treat the test polygons' pixels as a \
                 stratified sample of each map, with standard errors widened by the design effect of whole polygons \
                 ({design_effect:.0} test pixels per test polygon, i.e. polygons as sample units). The polygons are \
                 not a probability sample, so the intervals are indicative."
            ),
        );
    }
    if !skipped.is_empty() {
        notes.push(format!("No area estimate for {}.", skipped.join("; ")));
    }
    Ok((areas, notes))
}
