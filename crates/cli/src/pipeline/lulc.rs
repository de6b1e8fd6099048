//! The land-cover / land-use pipeline (`kind = "lulc"` in the TOML): per-pixel random forest
//! and MLP, patch CNN, OCNN and JDL / SS-JDL trained on the same training polygons and
//! assessed on the same test polygons (a per-object split: no test pixel is used in training,
//! not even as patch context), with class and probability maps for each method.

use super::lulc_config::{LulcMethod, LulcPipeline, Target};
use super::lulc_data::LulcData;
use super::patch_block::PatchBlockPredictor;
use super::run_dir::{confusion_data, write_json};
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
}

fn target_name(t: Target) -> &'static str {
    match t {
        Target::LandCover => "land_cover",
        Target::LandUse => "land_use",
    }
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
) -> anyhow::Result<MethodScore> {
    let k = data.n_classes(target);
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
    Ok(s)
}

/// `classes.tif` (uint8 + colour table) and `probabilities.tif` from a band-major map.
fn write_maps(data: &LulcData, dir: &Path, prefix: &str, proba: &[f32], names: &[String]) -> anyhow::Result<()> {
    let img = &data.img.image;
    let (n, k) = (img.pixels(), names.len());
    let valid: Vec<bool> = (0..n).map(|p| (0..img.bands).all(|b| !img.is_nodata(img.data[b * n + p]))).collect();
    let classes: Vec<f32> =
        map_argmax(proba, k).iter().zip(&valid).map(|(&c, &v)| if v { c as f32 } else { CLASS_NODATA }).collect();
    let mut class_raster = Raster::from_vec(1, img.rows, img.cols, DType::U8, classes)?.with_georef_of(img);
    class_raster.nodata = Some(CLASS_NODATA as f64);
    let colors: Vec<[u8; 3]> = ColorTable::from_names(names).classes.iter().map(|c| c.color).collect();
    let opts = WriteOptions { tile_size: Some(256), colormap: ColorMap::new(colors), ..WriteOptions::default() };
    write_geotiff(dir.join(format!("{prefix}classes.tif")), &class_raster, &opts)?;
    let mut probs = proba.to_vec();
    for c in 0..k {
        for p in (0..n).filter(|&p| !valid[p]) {
            probs[c * n + p] = f32::NAN;
        }
    }
    let mut prob_raster = Raster::from_vec(k, img.rows, img.cols, DType::F32, probs)?.with_georef_of(img);
    prob_raster.nodata = Some(f64::NAN);
    write_geotiff(
        dir.join(format!("{prefix}probabilities.tif")),
        &prob_raster,
        &WriteOptions { tile_size: Some(256), ..WriteOptions::default() },
    )?;
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
fn run_pixel(data: &LulcData, mut model: Box<dyn PixelClassifier>) -> anyhow::Result<(Vec<f32>, f64)> {
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
    Ok((out, fit_seconds))
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

fn run_ocnn(data: &LulcData, seg: &Segmentation, cfg: &OcnnConfig, target: Target, min_fraction: f64) -> anyhow::Result<(Vec<f32>, usize, f64)> {
    let plans = plan_objects(seg, &cfg.placement)?;
    let objects = data.training_objects(seg, target, min_fraction);
    anyhow::ensure!(!objects.is_empty(), "no segment qualifies as a training object (lower split.min_object_fraction?)");
    tracing::info!(objects = objects.len(), elongated = plans.iter().filter(|p| p.elongated).count(), "OCNN training objects");
    let t = Instant::now();
    let k = data.n_classes(target);
    let ocnn = Ocnn::fit(cfg, &data.stack, &plans, &objects, k, Some(&data.test_mask))?;
    let fit_seconds = t.elapsed().as_secs_f64();
    let proba = ocnn.predict_objects(&data.stack, &plans)?;
    Ok((object_probabilities_to_pixels(seg, &proba), objects.len(), fit_seconds))
}

fn run_jdl(data: &LulcData, seg: &Segmentation, cfg: &JdlConfig, min_fraction: f64) -> anyhow::Result<(terradl_train::lulc::JdlOutput, usize, f64)> {
    let plans = plan_objects(seg, &cfg.ocnn.placement)?;
    let lu_train = data.training_objects(seg, Target::LandUse, min_fraction);
    anyhow::ensure!(!lu_train.is_empty(), "no segment qualifies as a land-use training object");
    let lu_eval = data.relabel(&data.test, Target::LandUse);
    let inputs = JdlInputs {
        image: &data.stack,
        segmentation: seg,
        plans: &plans,
        lc_train: &data.train,
        lu_train: &lu_train,
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
    let needs_seg = p.methods.iter().any(|m| matches!(m, LulcMethod::Ocnn(_) | LulcMethod::Jdl(_)));
    let seg = if needs_seg { Some(data.segment(&p.segmentation)?) } else { None };
    let lc_names = data.class_names(Target::LandCover).to_vec();
    let (mut scores, mut jdl_logs) = (Vec::new(), Vec::new());
    let bar = crate::progress::bar(p.methods.len() as u64, "methods");
    for (i, method) in p.methods.iter().enumerate() {
        let name = method.name();
        let dir = p.output.join(format!("{i}_{name}"));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let want_map = !p.map.skip && (p.map.methods.is_empty() || p.map.methods.iter().any(|m| m == name));
        let min_fraction = p.split.min_object_fraction;
        match method {
            LulcMethod::RandomForest(_) | LulcMethod::Mlp(_) => {
                let model: Box<dyn PixelClassifier> = match method {
                    LulcMethod::RandomForest(c) => Box::new(terradl_train::pixel::RandomForest::new(c.clone())),
                    LulcMethod::Mlp(c) => Box::new(terradl_train::pixel::MlpPixelClassifier::new(c.clone())),
                    _ => unreachable!("matched above"),
                };
                let (proba, secs) = run_pixel(&data, model)?;
                scores.push(score(&data, name, Target::LandCover, &proba, data.train.len(), secs, &dir)?);
                if want_map {
                    write_maps(&data, &dir, "", &proba, &lc_names)?;
                }
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
                scores.push(score(&data, name, Target::LandCover, &proba, centres.len(), secs, &dir)?);
                if want_map {
                    let predictor = PatchBlockPredictor { model: &model, stats: &data.stats, n_classes: k };
                    let colors = ColorTable::from_names(&lc_names).classes.iter().map(|c| c.color).collect();
                    let legend = ClassLegend { names: lc_names.clone(), colors };
                    let input = if p.label_margin.is_some() { p.output.join("image.tif") } else { p.image.clone() };
                    predict_raster(&input, &predictor, &legend, &dir, || {})?;
                }
            }
            LulcMethod::Ocnn(m) => {
                let seg = seg.as_ref().expect("segmented above");
                let (proba, n_obj, secs) = run_ocnn(&data, seg, &m.ocnn, m.target, min_fraction)?;
                scores.push(score(&data, name, m.target, &proba, n_obj, secs, &dir)?);
                if want_map {
                    write_maps(&data, &dir, "", &proba, data.class_names(m.target))?;
                }
            }
            LulcMethod::Jdl(cfg) => {
                let seg = seg.as_ref().expect("segmented above");
                let (out, n_obj, secs) = run_jdl(&data, seg, cfg, min_fraction)?;
                scores.push(score(&data, name, Target::LandCover, &out.lc, data.train.len(), secs, &dir)?);
                scores.push(score(&data, name, Target::LandUse, &out.lu, n_obj, secs, &dir)?);
                write_json(&dir, "iterations.json", &out.iterations)?;
                if want_map {
                    write_maps(&data, &dir, "land_cover_", &out.lc, &lc_names)?;
                    write_maps(&data, &dir, "land_use_", &out.lu, data.class_names(Target::LandUse))?;
                }
                jdl_logs.push((name.to_string(), out.iterations));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    write_json(&p.output, "methods.json", &scores)?;
    Ok(LulcRun { dir: p.output.clone(), scores, jdl: jdl_logs })
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
    Ok(())
}
