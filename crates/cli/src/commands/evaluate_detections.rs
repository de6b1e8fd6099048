//! `terradl evaluate-detections <pred.geojson> <truth.xml|csv>`: precision,
//! recall and F1 at IoU 0.4 and 0.5 (greedy matching as in DeepForest /
//! NeonTreeEvaluation), AP per threshold, COCO-style mAP (IoU 0.5:0.95) and the
//! count error of predicted boxes against annotated boxes.

use anyhow::{Context, bail};
use clap::Args;
use serde::Serialize;
use std::path::{Path, PathBuf};
use terradl_assess::detection::{DetectionImage, evaluate, mean_average_precision};
use terradl_data::detection::{ImageAnnotations, read_annotation_csv, read_voc};
use terradl_geo::{GeoTransform, PixelBox, Scored};
use terradl_geo::geotiff::GeoTiffReader;
use terradl_geo::vector::{AttrValue, VectorLayer, read_vector};

#[derive(Debug, Args)]
pub(crate) struct EvaluateDetectionsArgs {
    /// Predicted boxes: GeoJSON written by `terradl detect` (polygons, `score` property),
    /// in the raster's CRS or in pixel coordinates.
    pub predictions: PathBuf,
    /// Ground truth in pixel coordinates: Pascal VOC XML or DeepForest CSV
    /// (`image_path,xmin,ymin,xmax,ymax,label`).
    pub truth: PathBuf,
    /// Raster whose geotransform maps the predictions back to pixels. Default: the
    /// GeoTIFF the VOC/CSV names, when it sits next to the annotation file and the
    /// predictions carry a CRS; otherwise predictions are taken as pixel coordinates.
    #[arg(long)]
    pub raster: Option<PathBuf>,
    /// Image of a multi-image CSV to evaluate (its `image_path` value).
    #[arg(long)]
    pub image: Option<String>,
    /// IoU thresholds for precision/recall/F1/AP.
    #[arg(long, value_delimiter = ',', default_value = "0.4,0.5")]
    pub iou: Vec<f64>,
    /// Ignore predictions scoring below this.
    #[arg(long, default_value_t = 0.0)]
    pub min_score: f64,
    /// Also write the figures as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

/// Figures at one IoU threshold.
#[derive(Debug, Serialize)]
pub(super) struct ThresholdFigures {
    pub iou: f64,
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub average_precision: f64,
}

/// Everything `evaluate-detections` reports.
#[derive(Debug, Serialize)]
pub(super) struct DetectionEvaluation {
    pub predictions: usize,
    pub truths: usize,
    pub thresholds: Vec<ThresholdFigures>,
    /// Mean AP over IoU 0.5, 0.55, ..., 0.95.
    pub map_50_95: f64,
    /// predicted count - true count.
    pub count_error: i64,
    /// |predicted - true| / true.
    pub relative_count_error: f64,
}

fn read_truth(path: &Path, image: Option<&str>) -> anyhow::Result<ImageAnnotations> {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let ann = match ext.as_str() {
        "xml" => read_voc(path).with_context(|| format!("cannot read VOC annotations {}", path.display()))?,
        "csv" => {
            let all = read_annotation_csv(path).with_context(|| format!("cannot read CSV annotations {}", path.display()))?;
            match image {
                Some(name) => all.into_iter().find(|a| a.image == name).with_context(|| {
                    format!("image {name:?} is not in {}", path.display())
                })?,
                None if all.len() == 1 => all.into_iter().next().unwrap_or_else(|| unreachable!()),
                None => bail!(
                    "{} holds {} images: choose one with --image ({})",
                    path.display(),
                    all.len(),
                    all.iter().map(|a| a.image.as_str()).collect::<Vec<_>>().join(", ")
                ),
            }
        }
        other => bail!("ground truth must be Pascal VOC (.xml) or CSV (.csv), got {other:?}"),
    };
    if ann.boxes.is_empty() {
        bail!("{} has no boxes to evaluate against", path.display());
    }
    Ok(ann)
}

/// The transform that maps prediction coordinates back to the truth's pixels.
fn prediction_transform(args: &EvaluateDetectionsArgs, layer: &VectorLayer, truth: &ImageAnnotations) -> anyhow::Result<GeoTransform> {
    if let Some(r) = &args.raster {
        let reader = terradl_geo::RasterReader::open(r).with_context(|| format!("cannot open raster {}", r.display()))?;
        if let Some(crs) = &layer.crs
            && reader.info().crs.conflicts_with(crs)
        {
            bail!("predictions are in {crs} but {} is in {}", r.display(), reader.info().crs);
        }
        return Ok(reader.info().transform);
    }
    if layer.crs.is_none() {
        return Ok(GeoTransform::default());
    }
    let dir = args.truth.parent().unwrap_or(Path::new("."));
    let image = dir.join(&truth.image);
    let is_tiff = image.extension().is_some_and(|e| e.eq_ignore_ascii_case("tif") || e.eq_ignore_ascii_case("tiff"));
    if is_tiff && image.is_file() {
        let reader = GeoTiffReader::open(&image).with_context(|| format!("cannot open raster {}", image.display()))?;
        return Ok(reader.info().transform);
    }
    bail!(
        "predictions carry a CRS but the truth is in pixels: pass --raster <the detected GeoTIFF> to map them back"
    )
}

fn score_of(props: &std::collections::BTreeMap<String, AttrValue>) -> f64 {
    match props.get("score") {
        Some(AttrValue::Number(x)) if x.is_finite() => *x,
        _ => 1.0,
    }
}

/// Evaluate predictions against ground truth as described by `args`.
pub(super) fn evaluate_files(args: &EvaluateDetectionsArgs) -> anyhow::Result<DetectionEvaluation> {
    if args.iou.is_empty() || args.iou.iter().any(|t| !(*t > 0.0 && *t <= 1.0)) {
        bail!("--iou thresholds must lie in (0, 1], got {:?}", args.iou);
    }
    let layer = match read_vector(&args.predictions) {
        Ok(layer) => layer,
        // A detector that found nothing writes a valid, empty collection: recall 0, not an error.
        Err(terradl_geo::GeoError::EmptyVector { .. }) => VectorLayer { features: Vec::new(), crs: None },
        Err(e) => return Err(anyhow::Error::new(e).context(format!("cannot read predictions {}", args.predictions.display()))),
    };
    let truth = read_truth(&args.truth, args.image.as_deref())?;
    let gt = prediction_transform(args, &layer, &truth)?;
    let mut predictions = Vec::with_capacity(layer.features.len());
    for (i, f) in layer.features.iter().enumerate() {
        let score = score_of(&f.properties);
        if score < args.min_score {
            continue;
        }
        let bbox = PixelBox::bounding_geometry(&gt, &f.geometry).with_context(|| format!("prediction {i} has no usable geometry"))?;
        predictions.push(Scored::new(bbox, score));
    }
    let img = DetectionImage { predictions, truths: truth.boxes.iter().map(|b| b.bbox).collect() };
    let images = std::slice::from_ref(&img);
    let thresholds = args
        .iou
        .iter()
        .map(|&iou| {
            let m = evaluate(images, iou);
            ThresholdFigures {
                iou,
                true_positives: m.true_positives,
                false_positives: m.false_positives,
                false_negatives: m.false_negatives,
                precision: m.precision.unwrap_or(0.0),
                recall: m.recall.unwrap_or(0.0),
                f1: m.f1.unwrap_or(0.0),
                average_precision: m.average_precision.unwrap_or(0.0),
            }
        })
        .collect();
    let coco: Vec<f64> = (0..10).map(|k| 0.5 + 0.05 * k as f64).collect();
    let (n_pred, n_true) = (img.predictions.len(), img.truths.len());
    Ok(DetectionEvaluation {
        predictions: n_pred,
        truths: n_true,
        thresholds,
        map_50_95: mean_average_precision(images, &coco).unwrap_or(0.0),
        count_error: n_pred as i64 - n_true as i64,
        relative_count_error: (n_pred as f64 - n_true as f64).abs() / n_true as f64,
    })
}

pub(super) fn run(args: EvaluateDetectionsArgs) -> anyhow::Result<()> {
    let e = evaluate_files(&args)?;
    println!("predictions {}  truth {}", e.predictions, e.truths);
    println!("{:>5} {:>5} {:>5} {:>5} {:>9} {:>7} {:>7} {:>7}", "IoU", "TP", "FP", "FN", "precision", "recall", "F1", "AP");
    for t in &e.thresholds {
        println!(
            "{:>5.2} {:>5} {:>5} {:>5} {:>9.3} {:>7.3} {:>7.3} {:>7.3}",
            t.iou, t.true_positives, t.false_positives, t.false_negatives, t.precision, t.recall, t.f1, t.average_precision
        );
    }
    println!("mAP@[0.5:0.95] {:.3}", e.map_50_95);
    println!("count error {:+} ({:.1}% of truth)", e.count_error, 100.0 * e.relative_count_error);
    if let Some(p) = &args.json {
        let text = serde_json::to_string_pretty(&e)?;
        let tmp = p.with_extension("json.tmp");
        std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, p).with_context(|| format!("cannot write {}", p.display()))?;
    }
    Ok(())
}
