//! The land-cover pipeline: labelled pixels from polygons/points, a
//! spatially blocked hold-out, several classifiers compared on it, a
//! streaming full-raster map with uncertainty, accuracy and area estimates,
//! and an HTML report.

use super::config::LandCoverPipeline;
use super::model_store::{self, ModelManifest};
use super::pixel_block::PixelBlockPredictor;
use super::run_dir::{accuracy_metrics, confusion_data, reliability_curve, write_json};
use anyhow::Context;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;
use terradl_assess::calibration::{expected_calibration_error, reliability_curve as curve, top_label_confidence};
use terradl_assess::{AreaAdjusted, ConfusionMatrix};
use terradl_data::features::{pixel_features, NormalizedDifference};
use terradl_data::sampling::BlockedKFold;
use terradl_data::LabelledImage;
use terradl_geo::geotiff::{read_geotiff, GeoTiffReader};
use terradl_geo::vector::{pixel_bounds, read_vector, VectorLayer};
use terradl_geo::Window;
use terradl_predict::{predict_raster, ClassLegend, OutputLayout};
use terradl_report::run_files::{AreaEstimate, RunInfo, Timing};
use terradl_report::{ColorTable, RunMetadata};
use terradl_train::pixel::PixelClassifier;

/// Test-set figures of one classifier.
#[derive(Debug, Clone, Serialize)]
pub struct ModelScore {
    pub model: String,
    pub overall_accuracy: f64,
    pub kappa: f64,
    pub macro_f1: f64,
    pub fit_seconds: f64,
    pub n_train: usize,
    pub n_test: usize,
}

/// What a finished run produced.
pub struct LandCoverRun {
    pub dir: PathBuf,
    pub scores: Vec<ModelScore>,
    pub report: PathBuf,
}

/// The labelled part of the image: a window around the labels, read alone.
pub fn labelled_image(p: &LandCoverPipeline, reader: &GeoTiffReader, layer: &VectorLayer) -> anyhow::Result<LabelledImage> {
    let info = reader.info();
    anyhow::ensure!(!layer.features.is_empty(), "no label features in {}", p.labels.display());
    let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
    for f in &layer.features {
        let q = pixel_bounds(&info.transform, &f.geometry)?;
        b = [b[0].min(q[0]), b[1].min(q[1]), b[2].max(q[2]), b[3].max(q[3])];
    }
    let clamp = |v: f64, hi: usize| (v.max(0.0) as usize).min(hi);
    let (c0, r0) = (clamp(b[0].floor() - 1.0, info.cols), clamp(b[1].floor() - 1.0, info.rows));
    let (c1, r1) = (clamp(b[2].ceil() + 1.0, info.cols), clamp(b[3].ceil() + 1.0, info.rows));
    anyhow::ensure!(c1 > c0 && r1 > r0, "the labels in {} lie outside the image", p.labels.display());
    let image = reader.read_window(Window::new(c0, r0, c1 - c0, r1 - r0))?;
    Ok(LabelledImage::from_layer(image, layer, &p.class_attribute, p.band_names.clone())?)
}

pub fn indices(p: &LandCoverPipeline) -> Vec<NormalizedDifference> {
    // Names were checked by `LandCoverPipeline::validate`.
    index_features(&p.indices).unwrap_or_default()
}

/// Spectral indices by name ("ndvi", "ndwi"), as stored with a saved model.
pub fn index_features(names: &[String]) -> anyhow::Result<Vec<NormalizedDifference>> {
    names
        .iter()
        .map(|i| match i.as_str() {
            "ndvi" => Ok(NormalizedDifference::ndvi()),
            "ndwi" => Ok(NormalizedDifference::ndwi()),
            _ => anyhow::bail!("unknown index {i:?} (known: ndvi, ndwi)"),
        })
        .collect()
}

fn model_name(m: &dyn PixelClassifier, i: usize) -> String {
    format!("{}#{i}", m.name())
}

/// Store every trained model in `<output>/model` for `terradl predict`.
fn save_models(
    p: &LandCoverPipeline,
    img: &LabelledImage,
    colors: &ColorTable,
    best: usize,
    trained: &[(Box<dyn PixelClassifier>, ConfusionMatrix, Vec<f32>)],
    scores: &[ModelScore],
    config_text: &str,
) -> anyhow::Result<()> {
    let manifest = ModelManifest {
        format: model_store::FORMAT,
        band_names: p.band_names.clone(),
        indices: p.indices.clone(),
        class_names: img.class_names.clone(),
        colors: colors.classes.iter().map(|c| c.color).collect(),
        crs: img.image.crs.clone(),
        best,
        models: Vec::new(),
        config_toml: config_text.to_string(),
    };
    let models: Vec<(String, &dyn PixelClassifier, f64)> =
        trained.iter().zip(scores).map(|((m, _, _), s)| (s.model.clone(), m.as_ref(), s.overall_accuracy)).collect();
    let dir = model_store::save_models(&p.output, manifest, &models)?;
    tracing::info!(dir = %dir.display(), "saved trained models");
    Ok(())
}

/// Run the pipeline; `config_text` is stored in the report.
pub fn run(p: &LandCoverPipeline, config_text: &str) -> anyhow::Result<LandCoverRun> {
    let mut timings = Vec::new();
    let t0 = Instant::now();
    let reader = GeoTiffReader::open(&p.image).with_context(|| format!("opening image {}", p.image.display()))?;
    anyhow::ensure!(
        reader.info().bands == p.band_names.len(),
        "{} has {} bands but band_names lists {}",
        p.image.display(),
        reader.info().bands,
        p.band_names.len()
    );
    let layer = read_vector(&p.labels).with_context(|| format!("reading labels {}", p.labels.display()))?;
    let img = labelled_image(p, &reader, &layer)?;
    let pixels = img.labelled_pixels();
    anyhow::ensure!(!pixels.is_empty(), "no labelled pixel falls inside the image");
    let k = img.n_classes();
    let split = BlockedKFold { block_size: p.split.block_size, k: p.split.folds, seed: p.split.seed };
    let folds = split.folds(&pixels, img.image.cols)?;
    let fold = &folds[p.split.test_fold];
    let pick = |idx: &[usize]| idx.iter().map(|&i| pixels[i]).collect::<Vec<_>>();
    let idx = indices(p);
    let train = pixel_features(&img, &pick(&fold.train), &idx)?;
    let test = pixel_features(&img, &pick(&fold.test), &idx)?;
    tracing::info!(train = train.y.len(), test = test.y.len(), classes = k, "blocked split");
    timings.push(Timing { stage: "sample".into(), seconds: t0.elapsed().as_secs_f64() });

    std::fs::create_dir_all(&p.output).with_context(|| format!("creating {}", p.output.display()))?;
    let mut scores = Vec::new();
    let mut trained: Vec<(Box<dyn PixelClassifier>, ConfusionMatrix, Vec<f32>)> = Vec::new();
    for (i, cfg) in p.models.iter().enumerate() {
        let mut model = cfg.build();
        let t = Instant::now();
        model.fit(&train.x, train.n_features, &train.y).with_context(|| format!("training {}", model.name()))?;
        let fit_seconds = t.elapsed().as_secs_f64();
        let proba = model.predict_proba(&test.x, test.n_features)?;
        let cm = ConfusionMatrix::from_labels(&test.y, &proba.argmax(), k, None)?;
        let s = ModelScore {
            model: model_name(model.as_ref(), i),
            overall_accuracy: cm.overall_accuracy().unwrap_or(f64::NAN),
            kappa: cm.kappa().unwrap_or(f64::NAN),
            macro_f1: cm.macro_f1().unwrap_or(f64::NAN),
            fit_seconds,
            n_train: train.y.len(),
            n_test: test.y.len(),
        };
        tracing::info!(model = %s.model, oa = s.overall_accuracy, kappa = s.kappa, "test accuracy");
        timings.push(Timing { stage: format!("train {}", s.model), seconds: fit_seconds });
        scores.push(s);
        trained.push((model, cm, proba.values));
    }
    write_json(&p.output, "models.json", &scores)?;

    let best = p.map.model.unwrap_or_else(|| {
        (0..scores.len()).max_by(|&a, &b| scores[a].overall_accuracy.total_cmp(&scores[b].overall_accuracy)).unwrap_or(0)
    });
    let (model, cm, test_proba) = &trained[best];
    let colors = ColorTable::from_names(&img.class_names);
    save_models(p, &img, &colors, best, &trained, &scores, config_text)?;
    write_json(&p.output, terradl_report::run_files::CLASSES_FILE, &colors)?;
    write_json(&p.output, terradl_report::run_files::CONFUSION_FILE, &confusion_data(cm, &img.class_names))?;
    let probs64: Vec<f64> = test_proba.iter().map(|&v| v as f64).collect();
    let (conf, correct) = top_label_confidence(&probs64, k, &test.y)?;
    let ece = expected_calibration_error(&conf, &correct, 10)?;
    write_json(&p.output, terradl_report::run_files::RELIABILITY_FILE, &reliability_curve(&curve(&conf, &correct, 10)?, ece))?;

    let mut notes = vec![
        format!(
            "Models compared on the same spatially blocked test fold ({} of {} folds, {}-pixel blocks): {}.",
            p.split.test_fold + 1,
            p.split.folds,
            p.split.block_size,
            scores
                .iter()
                .map(|s| format!("{} OA {:.3} kappa {:.3}", s.model, s.overall_accuracy, s.kappa))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        format!("The map uses {}.", scores[best].model),
    ];
    let mut run_info = RunInfo { title: Some(format!("terradl land cover: {}", p.name)), ..RunInfo::default() };
    let mut area_rows: Vec<Option<AreaEstimate>> = vec![None; k];
    let mut oa_ci = None;
    if !p.map.skip {
        let t = Instant::now();
        let predictor = PixelBlockPredictor::new(model.as_ref(), &p.band_names, &idx, k)?;
        let legend = ClassLegend {
            names: img.class_names.clone(),
            colors: colors.classes.iter().map(|c| c.color).collect(),
        };
        let map_dir = p.output.join("map");
        let grid_tiles = reader.info().cols.div_ceil(256) * reader.info().rows.div_ceil(256);
        let bar = crate::progress::bar(grid_tiles as u64, "predict");
        predict_raster(&p.image, &predictor, &legend, &map_dir, || bar.inc(1))?;
        bar.finish_and_clear();
        timings.push(Timing { stage: "predict".into(), seconds: t.elapsed().as_secs_f64() });
        run_info.class_map = Some("map/classes.tif".into());
        run_info.uncertainty = Some("map/uncertainty.tif".into());
        run_info.uncertainty_label = Some("entropy (nats)".into());

        // Mapped area per class, then Olofsson et al. (2014) estimates.
        let classes = read_geotiff(OutputLayout::classes_path(&map_dir))?;
        let ha_per_pixel = classes.transform.pixel_area() / 10_000.0;
        let mut mapped = vec![0f64; k];
        for &v in &classes.data {
            if (v as usize) < k {
                mapped[v as usize] += ha_per_pixel;
            }
        }
        match AreaAdjusted::estimate(cm, &mapped) {
            Ok(a) => {
                oa_ci = Some(a.overall_accuracy.ci95_half_width());
                for (row, c) in area_rows.iter_mut().zip(&a.classes) {
                    *row = Some(AreaEstimate { estimate: c.area.value, ci95: c.area.ci95_half_width(), unit: "ha".into() });
                }
                write_json(&p.output, "area.json", &a)?;
                notes.push(
                    "Area-adjusted estimates (Olofsson et al. 2014) treat the blocked test pixels as a stratified \
                     sample of the map; they are only as good as that assumption."
                        .into(),
                );
            }
            Err(e) => notes.push(format!("No area-adjusted estimate: {e}.")),
        }
    }
    let metrics = accuracy_metrics(cm, &img.class_names, oa_ci, &area_rows);
    write_json(&p.output, terradl_report::run_files::METRICS_FILE, &metrics)?;
    run_info.notes = notes;
    run_info.meta = RunMetadata {
        command: std::env::args().collect::<Vec<_>>().join(" "),
        config_toml: config_text.to_string(),
        dataset: format!("{} + {}", p.image.display(), p.labels.display()),
        timings,
        terradl_version: env!("CARGO_PKG_VERSION").into(),
        date: terradl_report::html::now_utc(),
    };
    write_json(&p.output, terradl_report::run_files::RUN_FILE, &run_info)?;
    let report = crate::commands::report::write_report(&p.output)?;
    Ok(LandCoverRun { dir: p.output.clone(), scores, report })
}
