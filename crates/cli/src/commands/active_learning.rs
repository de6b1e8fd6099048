//! `terradl active-learning`: propose the N most uncertain, spatially spread
//! unlabelled locations of a mapped scene as GeoJSON points (pixel centres, in
//! the raster's CRS) for labelling.
//!
//! The score is a band of an uncertainty raster (e.g. `map/uncertainty.tif`,
//! band 1 = predictive entropy) or is computed from a class-probability raster
//! (entropy, or 1 - margin). Pixels already labelled (inside `--labels`
//! polygons/points) and nodata pixels are never proposed.

use anyhow::Context;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use terradl_data::select_spread;
use terradl_data::LabelledImage;
use terradl_geo::read_raster;
use terradl_geo::vector::{read_vector_in, write_geojson, Feature, VectorLayer};
use terradl_geo::{DType, Raster};
use terradl_predict::uncertainty::entropy;

/// Score computed from class probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Measure {
    /// Predictive entropy (nats).
    Entropy,
    /// 1 - (top-1 minus top-2 probability).
    Margin,
}

#[derive(Debug, Args)]
pub(crate) struct ActiveLearningArgs {
    /// Uncertainty GeoTIFF (higher = more uncertain); see --band.
    #[arg(long, conflicts_with = "probabilities")]
    pub uncertainty: Option<PathBuf>,
    /// 1-based band of --uncertainty to rank by.
    #[arg(long, default_value_t = 1)]
    pub band: usize,
    /// Class-probability GeoTIFF (one band per class); the score is --measure.
    #[arg(long)]
    pub probabilities: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "entropy")]
    pub measure: Measure,
    /// Labelled polygons/points already available (excluded), in the raster's CRS.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Class attribute of --labels (any attribute present on every feature works).
    #[arg(long, default_value = "name")]
    pub class_field: String,
    /// Number of locations to propose.
    #[arg(long, short = 'n', default_value_t = 50)]
    pub count: usize,
    /// Minimum distance between proposals, in pixels.
    #[arg(long, default_value_t = 10.0)]
    pub min_distance: f64,
    /// Output GeoJSON.
    #[arg(long, default_value = "proposals.geojson")]
    pub output: PathBuf,
}

/// Per-pixel score of the chosen input, and the raster it came from.
fn scores(args: &ActiveLearningArgs) -> anyhow::Result<(Vec<f32>, Raster, &'static str)> {
    match (&args.uncertainty, &args.probabilities) {
        (Some(path), None) => {
            let r = read_raster(path).with_context(|| format!("reading {}", path.display()))?;
            anyhow::ensure!(
                args.band >= 1 && args.band <= r.bands,
                "--band {} but {} has {} band(s)",
                args.band,
                path.display(),
                r.bands
            );
            let s = r.band(args.band - 1).iter().map(|&v| if r.is_nodata(v) { f32::NAN } else { v }).collect();
            Ok((s, r, "uncertainty_band"))
        }
        (None, Some(path)) => {
            let r = read_raster(path).with_context(|| format!("reading {}", path.display()))?;
            anyhow::ensure!(r.bands >= 2, "{} has {} band(s); class probabilities need 2 or more", path.display(), r.bands);
            let n = r.pixels();
            let mut row = vec![0f64; r.bands];
            let s = (0..n)
                .map(|p| {
                    for (k, v) in row.iter_mut().enumerate() {
                        *v = r.data[k * n + p] as f64;
                    }
                    if row.iter().any(|v| !v.is_finite() || r.is_nodata(*v as f32)) {
                        return f32::NAN;
                    }
                    match args.measure {
                        Measure::Entropy => entropy(&row) as f32,
                        Measure::Margin => {
                            let mut s = row.clone();
                            s.sort_by(|a, b| b.total_cmp(a));
                            (1.0 - (s[0] - s[1])) as f32
                        }
                    }
                })
                .collect();
            Ok((s, r, if args.measure == Measure::Entropy { "entropy" } else { "one_minus_margin" }))
        }
        _ => anyhow::bail!("give exactly one of --uncertainty or --probabilities"),
    }
}

pub(super) fn run(args: ActiveLearningArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.count > 0, "--count must be at least 1");
    let (score, raster, what) = scores(&args)?;
    let mut eligible = vec![true; raster.pixels()];
    if let Some(path) = &args.labels {
        let layer = read_vector_in(path, &raster.crs).with_context(|| format!("reading {}", path.display()))?;
        let grid = Raster::new(1, raster.rows, raster.cols, DType::U8).with_georef_of(&raster);
        let burnt = LabelledImage::from_layer(grid, &layer, &args.class_field, vec!["b".into()])
            .with_context(|| format!("burning {} onto the raster grid", path.display()))?;
        let labelled = burnt.labelled_pixels();
        tracing::info!(excluded = labelled.len(), "labelled pixels excluded");
        for p in labelled {
            eligible[p] = false;
        }
    }
    let picks = select_spread(&score, raster.rows, raster.cols, &eligible, args.count, args.min_distance)?;
    anyhow::ensure!(!picks.is_empty(), "no eligible pixel with a finite score");
    let features = picks
        .iter()
        .enumerate()
        .map(|(rank, p)| {
            let (x, y) = raster.transform.pixel_to_world(p.col as f64 + 0.5, p.row as f64 + 0.5);
            Feature::new(geo_types::Point::new(x, y))
                .with("rank", (rank + 1) as i64)
                .with("score", p.score as f64)
                .with("measure", what)
                .with("row", p.row as i64)
                .with("col", p.col as i64)
        })
        .collect();
    let layer = VectorLayer { features, crs: Some(raster.crs.clone()) };
    write_geojson(&args.output, &layer).with_context(|| format!("writing {}", args.output.display()))?;
    println!(
        "{} locations (of {} requested), {what} from {:.4} down to {:.4}, at least {} px apart -> {}",
        picks.len(),
        args.count,
        picks[0].score,
        picks[picks.len() - 1].score,
        args.min_distance,
        args.output.display()
    );
    Ok(())
}
