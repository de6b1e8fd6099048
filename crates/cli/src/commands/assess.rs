//! `terradl assess`: accuracy of a class map against reference labels
//! (polygons/points or a label raster): confusion matrix, OA, kappa,
//! producer's/user's accuracy, F1, Olofsson et al. (2014) area-adjusted
//! accuracy and areas with 95% CIs, and — given the class probabilities —
//! expected calibration error, reliability curve and the uncertainty of
//! wrong vs correct pixels.

use super::assess_inputs::{class_names, mapped_area, read_probabilities, reference_labels, sample_pixels};
use anyhow::Context;
use clap::Args;
use std::path::{Path, PathBuf};
use terradl_assess::{MapAssessment, MapAssessmentInput};
use terradl_geo::read_raster;
use terradl_predict::uncertainty::entropy;

#[derive(Debug, Args)]
pub(crate) struct AssessArgs {
    /// Class map (uint8 GeoTIFF, class ids 0..K-1, nodata 255), e.g. run/map/classes.tif.
    #[arg(long)]
    pub map: PathBuf,
    /// Reference labels: polygons/points (.geojson, .json, .shp, .gpkg) in the map's CRS,
    /// or a label raster (.tif) on the map's grid holding class ids.
    #[arg(long)]
    pub reference: PathBuf,
    /// Attribute of the reference features holding the class (vector references).
    #[arg(long)]
    pub class_field: Option<String>,
    /// Class names in id order, comma-separated. Default: manifest.json or classes.json
    /// next to the map (or in its parent directory).
    #[arg(long, value_delimiter = ',')]
    pub classes: Option<Vec<String>>,
    /// The reference attribute holds class ids of the map (integers), not class names.
    #[arg(long)]
    pub class_ids: bool,
    /// Per-class probability GeoTIFF (one band per class) for calibration figures.
    #[arg(long)]
    pub probabilities: Option<PathBuf>,
    /// Bins of the reliability curve.
    #[arg(long, default_value_t = 10)]
    pub bins: usize,
    /// Output directory for assessment.json and the CSV tables (default: next to the map,
    /// `<map dir>/assessment`).
    #[arg(long)]
    pub output: Option<PathBuf>,
}

pub(super) fn run(args: AssessArgs) -> anyhow::Result<()> {
    let out_dir = args
        .output
        .clone()
        .unwrap_or_else(|| args.map.parent().unwrap_or(Path::new(".")).join("assessment"));
    let a = assess(&args)?;
    write_outputs(&out_dir, &a)?;
    print_summary(&a);
    println!("written to {}", out_dir.display());
    Ok(())
}

/// Compute the assessment described by `args`.
pub(super) fn assess(args: &AssessArgs) -> anyhow::Result<MapAssessment> {
    anyhow::ensure!(args.bins > 0, "--bins must be at least 1");
    let map = read_raster(&args.map).with_context(|| format!("reading map {}", args.map.display()))?;
    anyhow::ensure!(map.bands == 1, "{} has {} bands; a class map has one", args.map.display(), map.bands);
    let names = class_names(&args.map, args.classes.as_deref(), &map)?;
    let k = names.len();
    let reference = reference_labels(args, &map, &names)?;
    let pixels = sample_pixels(&map, &reference, k, &args.map)?;
    let ref_labels: Vec<u32> = pixels.iter().map(|&p| reference[p]).collect();
    let map_labels: Vec<u32> = pixels.iter().map(|&p| map.data[p] as u32).collect();
    let (area, unit) = mapped_area(&map, k);

    let probs = match &args.probabilities {
        Some(path) => Some(read_probabilities(path, &map, k, &pixels)?),
        None => None,
    };
    let mut uncertainty = Vec::new();
    if let Some(p) = &probs {
        uncertainty.push(("entropy".to_string(), p.chunks_exact(k).map(entropy).collect()));
        uncertainty.push((
            "one_minus_margin".to_string(),
            p.chunks_exact(k)
                .map(|row| {
                    let mut s = row.to_vec();
                    s.sort_by(|a, b| b.total_cmp(a));
                    1.0 - (s[0] - s.get(1).copied().unwrap_or(0.0))
                })
                .collect(),
        ));
    }
    let a = MapAssessment::compute(&MapAssessmentInput {
        class_names: &names,
        reference: &ref_labels,
        map: &map_labels,
        mapped_area: &area,
        area_unit: unit,
        probabilities: probs.as_deref(),
        uncertainty: &uncertainty,
        n_bins: args.bins,
    })?;
    Ok(a)
}

/// Write `assessment.json`, `confusion.csv`, `classes.csv` and (with probabilities)
/// `reliability.csv` + `reliability.png` into `dir`, each atomically.
pub(super) fn write_outputs(dir: &Path, a: &MapAssessment) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let write = |name: &str, bytes: &[u8]| {
        terradl_report::write_atomic(&dir.join(name), bytes).with_context(|| format!("writing {name}"))
    };
    write("assessment.json", &serde_json::to_vec_pretty(a)?)?;
    write("confusion.csv", a.confusion_csv().as_bytes())?;
    write("classes.csv", a.classes_csv().as_bytes())?;
    if let Some(r) = a.reliability_csv() {
        write("reliability.csv", r.as_bytes())?;
        super::design_figures::write_reliability(&dir.join("reliability.png"), a)?;
    }
    Ok(())
}

fn fmt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.4}")).unwrap_or_else(|| "-".into())
}

fn print_summary(a: &MapAssessment) {
    println!("samples: {}", a.n_samples);
    println!("overall accuracy: {}   kappa: {}   macro F1: {}", fmt(a.overall_accuracy), fmt(a.kappa), fmt(a.macro_f1));
    if let Some(ad) = &a.area_adjusted {
        println!(
            "area-adjusted overall accuracy: {:.4} ± {:.4} (95% CI)",
            ad.overall_accuracy.value,
            ad.overall_accuracy.ci95_half_width()
        );
    } else if let Some(e) = &a.area_adjusted_error {
        println!("no area-adjusted estimate: {e}");
    }
    println!("{:<20} {:>8} {:>8} {:>8} {:>8} {:>14} {:>14}", "class", "support", "PA", "UA", "F1", "mapped", "adjusted ±95%");
    for (i, c) in a.classes.iter().enumerate() {
        let adj = a.area_adjusted.as_ref().map(|ad| &ad.classes[i]);
        println!(
            "{:<20} {:>8} {:>8} {:>8} {:>8} {:>14} {:>14}",
            c.class,
            c.support,
            fmt(c.producers_accuracy),
            fmt(c.users_accuracy),
            fmt(c.f1),
            adj.map(|x| format!("{:.1}", x.mapped_area)).unwrap_or_default(),
            adj.map(|x| format!("{:.1}±{:.1}", x.area.value, x.area.ci95_half_width())).unwrap_or_default(),
        );
    }
    println!("areas in {}", a.area_unit);
    if let Some(c) = &a.calibration {
        println!("ECE ({} bins): {:.4}  mean confidence {:.4}  accuracy {:.4}", c.n_bins, c.ece, c.mean_confidence, c.accuracy);
    }
    for u in &a.uncertainty_vs_error {
        println!(
            "{}: mean {:.4} on correct ({}) vs {:.4} on wrong ({}) pixels; AUROC {}",
            u.measure,
            u.mean_correct,
            u.n_correct,
            u.mean_wrong,
            u.n_wrong,
            fmt(u.auroc)
        );
    }
}
