//! The land-cover pipeline's stages: labelled pixels -> blocked split -> classifiers fitted and
//! scored -> the map of the best with area estimates -> the run writer.

use super::config::LandCoverPipeline;
use crate::blocks::pixel::PixelBlockPredictor;
use crate::model_store::{self, ModelManifest, RunKind};
use crate::run_files::class_legend;
use crate::run_writer::RunWriter;
use crate::score::{LAND_COVER, MethodScore, most_accurate, summary_line};
use crate::spec::PipelineRun;
use crate::RunOutcome;
use crate::error::{Context, Result, bail, ensure};
use std::time::Instant;
use terradl_assess::{AreaAdjusted, ConfusionMatrix};
use terradl_data::{pixel_features, NormalizedDifference};
use terradl_data::sampling::BlockedKFold;
use terradl_data::LabelledImage;
use terradl_geo::geotiff::read_geotiff;
use terradl_geo::vector::{read_vector_in, VectorLayer};
use terradl_geo::{PixelBox, RasterReader};
use terradl_geo::Window;
use terradl_predict::{predict_source, OutputLayout, TileSource, WithNodata};
use terradl_report::run_files::{AreaEstimate, RunInfo};
use terradl_train::pixel::PixelClassifier;

/// The labelled part of the image: a window around the labels, read alone.
/// `reader` is a GeoTIFF or JPEG 2000 file ([`terradl_geo::RasterReader`]) or any other tile source.
pub fn labelled_image(p: &LandCoverPipeline, reader: &dyn TileSource, layer: &VectorLayer) -> Result<LabelledImage> {
    let info = reader.info();
    ensure!(!layer.features.is_empty(), "no label features in {}", p.labels.display());
    let mut b = PixelBox::empty();
    for f in &layer.features {
        b = b.union(&PixelBox::bounding_geometry(&info.transform, &f.geometry)?);
    }
    let clamp = |v: f64, hi: usize| (v.max(0.0) as usize).min(hi);
    let (c0, r0) = (clamp(b.xmin.floor() - 1.0, info.cols), clamp(b.ymin.floor() - 1.0, info.rows));
    let (c1, r1) = (clamp(b.xmax.ceil() + 1.0, info.cols), clamp(b.ymax.ceil() + 1.0, info.rows));
    ensure!(c1 > c0 && r1 > r0, "the labels in {} lie outside the image", p.labels.display());
    let image = reader.read_window(Window::new(c0, r0, c1 - c0, r1 - r0))?;
    Ok(LabelledImage::from_layer(image, layer, &p.class_attribute, p.band_names.clone())?)
}

/// The spectral indices of `p` as features.
pub fn indices(p: &LandCoverPipeline) -> Vec<NormalizedDifference> {
    // Names were checked by `LandCoverPipeline::validate`.
    index_features(&p.indices).unwrap_or_default()
}

/// Spectral indices by name ("ndvi", "ndwi"), as stored with a saved model.
pub fn index_features(names: &[String]) -> Result<Vec<NormalizedDifference>> {
    names
        .iter()
        .map(|i| match i.as_str() {
            "ndvi" => Ok(NormalizedDifference::ndvi()),
            "ndwi" => Ok(NormalizedDifference::ndwi()),
            _ => bail!("unknown index {i:?} (known: ndvi, ndwi)"),
        })
        .collect()
}

impl PipelineRun for LandCoverPipeline {
    fn paths_mut(&mut self) -> Vec<&mut std::path::PathBuf> {
        LandCoverPipeline::paths_mut(self)
    }
    fn validate(&self) -> Result<()> {
        LandCoverPipeline::validate(self)
    }
    fn output(&self) -> &std::path::Path {
        &self.output
    }
    fn run(&self, config_toml: &str) -> Result<RunOutcome> {
        run(self, config_toml)
    }
}

/// A fitted classifier with its test confusion matrix and pixel-major test probabilities.
struct Fitted {
    model: Box<dyn PixelClassifier>,
    cm: ConfusionMatrix,
    test_proba: Vec<f32>,
}

/// Run the pipeline; `config_toml` is stored with the run.
fn run(p: &LandCoverPipeline, config_toml: &str) -> Result<RunOutcome> {
    let t0 = Instant::now();
    let file = RasterReader::open(&p.image).with_context(|| format!("opening image {}", p.image.display()))?;
    // The pipeline's `nodata` stands in for a value the file does not declare.
    let with_nodata = p.nodata.map(|v| WithNodata::new(&file, v));
    let reader: &dyn TileSource = match &with_nodata {
        Some(w) => w,
        None => &file,
    };
    crate::spec::ensure_band_names(&p.image, reader.info().bands, &p.band_names)?;
    let layer = read_vector_in(&p.labels, &reader.info().crs).with_context(|| format!("reading labels {}", p.labels.display()))?;
    let mut img = labelled_image(p, reader, &layer)?;
    let dropped = img.drop_nodata_labels();
    if dropped > 0 {
        tracing::warn!(pixels = dropped, "labelled pixels with nodata in the image are left out");
    }
    let pixels = img.labelled_pixels();
    ensure!(!pixels.is_empty(), "no labelled pixel falls inside the image");
    let k = img.n_classes();
    let split = BlockedKFold { block_size: p.split.block_size, k: p.split.folds, seed: p.split.seed };
    let folds = split.folds(&pixels, img.image.cols)?;
    let fold = &folds[p.split.test_fold];
    let pick = |idx: &[usize]| idx.iter().map(|&i| pixels[i]).collect::<Vec<_>>();
    let idx = indices(p);
    let train = pixel_features(&img, &pick(&fold.train), &idx)?;
    let test = pixel_features(&img, &pick(&fold.test), &idx)?;
    tracing::info!(train = train.y.len(), test = test.y.len(), classes = k, "blocked split");
    // Test pixels of polygons that also gave training pixels (blocks cut polygons): their
    // accuracy is optimistic, and the report says so.
    let train_objects: std::collections::BTreeSet<u32> = pick(&fold.train).iter().map(|&p| img.objects[p]).collect();
    let shared = pick(&fold.test).iter().filter(|&&p| train_objects.contains(&img.objects[p])).count();
    let sample_seconds = t0.elapsed().as_secs_f64();

    let mut out = RunWriter::create(&p.output, config_toml)?;
    out.timing("sample", sample_seconds);
    let mut scores = Vec::new();
    let mut fitted = Vec::new();
    for (i, cfg) in p.models.iter().enumerate() {
        let mut model = cfg.build();
        let t = Instant::now();
        model.fit(&train.x, train.n_features, &train.y).with_context(|| format!("training {}", model.name()))?;
        let fit_seconds = t.elapsed().as_secs_f64();
        let proba = model.predict_proba(&test.x, test.n_features)?;
        let cm = ConfusionMatrix::from_labels(&test.y, &proba.argmax(), k, None)?;
        let s = MethodScore::new(&format!("{}#{i}", model.name()), i, LAND_COVER, &cm, train.y.len(), fit_seconds);
        out.timing(format!("train {}", s.method), fit_seconds);
        scores.push(s);
        fitted.push(Fitted { model, cm, test_proba: proba.values });
    }
    out.scores(&scores)?;

    let best = match p.map.model {
        Some(m) => m,
        None => most_accurate(&scores, LAND_COVER).map_or(0, |s| s.position),
    };
    let Fitted { model, cm, test_proba } = &fitted[best];
    let mut manifest = ModelManifest::new(RunKind::LandCover, p.band_names.clone(), img.class_names.clone(), img.image.crs.clone())
        .with_indices(p.indices.clone())
        .with_best(best);
    manifest.nodata = p.nodata;
    let models: Vec<(String, &dyn PixelClassifier, f64)> =
        fitted.iter().zip(&scores).map(|(f, s)| (s.method.clone(), f.model.as_ref(), s.overall_accuracy())).collect();
    out.save_models(manifest, |dir| model_store::save_pixel_models(dir, &models))?;
    let probs64: Vec<f64> = test_proba.iter().map(|&v| v as f64).collect();
    out.reliability(&probs64, k, &test.y)?;

    let mut notes = vec![
        format!(
            "Models compared on the same spatially blocked test fold ({} of {} folds, {}-pixel blocks): {}.",
            p.split.test_fold + 1,
            p.split.folds,
            p.split.block_size,
            summary_line(&scores)
        ),
        format!("The map uses {}.", scores[best].method),
    ];
    if shared > 0 {
        let msg = format!(
            "{shared} of {} test pixels lie in labelled polygons that also gave training pixels (the blocks cut \
             polygons): these accuracies are optimistic. A lulc pipeline (`kind = \"lulc\"`) holds whole polygons \
             out, spatially blocked with split.block_size.",
            test.y.len()
        );
        tracing::warn!("{msg}");
        notes.push(msg);
    }
    let mut run_info = RunInfo { title: Some(format!("terradl land cover: {}", p.name)), ..RunInfo::default() };
    let mut area_rows: Vec<Option<AreaEstimate>> = vec![None; k];
    let mut oa_ci = None;
    if !p.map.skip {
        let t = Instant::now();
        let predictor = PixelBlockPredictor::new(model.as_ref(), &p.band_names, &idx, k)?;
        let legend = class_legend(&img.class_names);
        let map_dir = p.output.join("map");
        let grid_tiles = reader.info().cols.div_ceil(256) * reader.info().rows.div_ceil(256);
        let bar = crate::progress::bar(grid_tiles as u64, "predict");
        predict_source(reader, &predictor, &legend, &map_dir, || bar.inc(1))?;
        bar.finish_and_clear();
        out.timing("predict", t.elapsed().as_secs_f64());
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
                out.json("area.json", &a)?;
                notes.push(
                    "Area-adjusted estimates (Olofsson et al. 2014) treat the blocked test pixels as a stratified \
                     sample of the map; they are only as good as that assumption."
                        .into(),
                );
            }
            Err(e) => notes.push(format!("No area-adjusted estimate: {e}.")),
        }
    }
    out.accuracy(cm, &img.class_names, oa_ci, &area_rows)?;
    run_info.notes = notes;
    let dataset = format!("{} + {}", p.image.display(), p.labels.display());
    let report = out.finish(run_info, dataset)?;
    Ok(RunOutcome { dir: p.output.clone(), report, scores, details: Vec::new() })
}
