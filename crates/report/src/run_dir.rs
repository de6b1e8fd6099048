//! Building a [`ReportData`] from a run directory: read the JSON files listed
//! in [`crate::run_files`], render the figures, and collect notes about what
//! was missing. `terradl report <run-dir>` calls [`write_run_report`].

use crate::color::ColorTable;
use crate::error::{ReportError, Result};
use crate::html::{Figure, ReportData, write_html_report};
use crate::plot::{BarChart, confusion_heatmap, reliability_diagram, training_curves};
use crate::quicklook::{ContinuousStyle, QuicklookOptions, Stretch, class_map, continuous_map, rgb_composite};
use crate::run_files::*;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};
use terradl_geo::Raster;

/// Reads a raster file (e.g. the GeoTIFF reader of `terradl-geo`), keeping its error as the cause.
pub type RasterReader<'a> = &'a dyn Fn(&Path) -> std::result::Result<Raster, Box<dyn std::error::Error + Send + Sync>>;

/// Sub-directory whose `*.png` files are appended to the report as figures.
pub(crate) const EXTRA_FIGURES_DIR: &str = "figures";

/// Options of [`load_run_dir_with`].
#[derive(Clone, Copy)]
pub struct LoadOptions<'a> {
    /// Reader for the rasters named in `run.json`; without one, map quick-looks
    /// are skipped (with a note).
    pub raster_reader: Option<RasterReader<'a>>,
    /// Width of plots in pixels.
    pub plot_width: usize,
    /// Longest side of map quick-looks in pixels.
    pub map_max_dim: usize,
}

impl Default for LoadOptions<'_> {
    fn default() -> Self {
        LoadOptions { raster_reader: None, plot_width: 960, map_max_dim: 1024 }
    }
}

/// Read `dir/name` as JSON if it exists.
fn read_json<T: DeserializeOwned>(dir: &Path, name: &str) -> Result<Option<T>> {
    let path = dir.join(name);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ReportError::io(path, e)),
    };
    serde_json::from_str(&text).map(Some).map_err(|source| ReportError::Json { path, source })
}

/// [`load_run_dir_with`] with default options (no raster reader).
pub fn load_run_dir(dir: &Path) -> Result<ReportData> {
    load_run_dir_with(dir, &LoadOptions::default())
}

/// Read a run directory into report data with rendered figures. Missing files
/// are fine (noted in the report); malformed JSON is an error.
pub fn load_run_dir_with(dir: &Path, opts: &LoadOptions) -> Result<ReportData> {
    if !dir.is_dir() {
        return Err(ReportError::Invalid(format!("{} is not a directory", dir.display())));
    }
    let info: RunInfo = read_json(dir, RUN_FILE)?.unwrap_or_default();
    let metrics: Option<AccuracyMetrics> = read_json(dir, METRICS_FILE)?;
    let confusion: Option<ConfusionData> = read_json(dir, CONFUSION_FILE)?;
    let reliability: Option<ReliabilityCurve> = read_json(dir, RELIABILITY_FILE)?;
    let calibrated: Option<ReliabilityCurve> = read_json(dir, RELIABILITY_CALIBRATED_FILE)?;
    let history: Option<TrainingHistory> = read_json(dir, HISTORY_FILE)?;
    let classes: Option<ColorTable> = read_json(dir, CLASSES_FILE)?;
    let importance: Option<BarChartData> = read_json(dir, FEATURE_IMPORTANCE_FILE)?;

    let mut notes = info.notes.clone();
    let mut figures = Vec::new();
    let w = opts.plot_width.max(200);
    let h = (w * 9 / 20).max(200);

    // Map quick-looks.
    let table = classes.clone().or_else(|| {
        let names: Vec<String> = match (&confusion, &metrics) {
            (Some(c), _) => c.classes.clone(),
            (None, Some(m)) => m.per_class.iter().map(|r| r.class.clone()).collect(),
            _ => Vec::new(),
        };
        (!names.is_empty()).then(|| ColorTable::from_names(&names))
    });
    let ql = |title: &str| QuicklookOptions { max_dim: opts.map_max_dim, title: Some(title.to_string()), ..Default::default() };
    let read = |name: &str| -> Result<Option<Raster>> {
        let path = resolve(dir, name);
        match opts.raster_reader {
            Some(reader) => reader(&path).map(Some).map_err(|source| ReportError::Raster { path, source }),
            None => Ok(None),
        }
    };
    if let Some(name) = &info.class_map {
        match read(name)? {
            Some(r) => {
                let t = table.clone().unwrap_or_default();
                if classes.is_none() {
                    notes.push(format!("{CLASSES_FILE} missing: class colours assigned in class-value order 0, 1, ..."));
                }
                let q = class_map(&r, 0, &t, &ql("Class map"))?;
                figures.push(Figure::png("Class map", q.to_png()?).with_caption(format!("{name}, {} x {} pixels", r.cols, r.rows)));
            }
            None => notes.push(format!("Class map {name} not rendered: no raster reader available.")),
        }
    }
    if let Some(name) = &info.uncertainty {
        match read(name)? {
            Some(r) => {
                let label = info.uncertainty_label.clone().unwrap_or_else(|| "uncertainty".into());
                let style = ContinuousStyle { label: Some(label.clone()), ..Default::default() };
                let q = continuous_map(&r, 0, &style, &ql("Uncertainty"))?;
                figures.push(Figure::png("Uncertainty map", q.to_png()?).with_caption(format!("{name}: {label}")));
            }
            None => notes.push(format!("Uncertainty map {name} not rendered: no raster reader available.")),
        }
    }
    if let Some(name) = &info.rgb_image {
        match read(name)? {
            Some(r) => {
                let bands = info.rgb_bands.unwrap_or(if r.bands >= 3 { [0, 1, 2] } else { [0, 0, 0] });
                let q = rgb_composite(&r, bands, Stretch::default(), &ql("Image"))?;
                figures.push(Figure::png("Image", q.to_png()?).with_caption(format!("{name}, bands {bands:?}, 2-98% stretch")));
            }
            None => notes.push(format!("Image {name} not rendered: no raster reader available.")),
        }
    }

    // Plots.
    match &history {
        Some(hist) if !hist.epochs.is_empty() => {
            figures.push(Figure::png("Training curves", training_curves(hist, w, h)?.to_png()?));
        }
        _ => notes.push(format!("No training history ({HISTORY_FILE}).")),
    }
    match &confusion {
        Some(cm) => {
            let (canvas, _) = confusion_heatmap(cm, "Confusion matrix")?;
            figures.push(Figure::png("Confusion matrix", canvas.to_png()?).with_caption("Counts; colour is the share of the row."));
        }
        None => notes.push(format!("No confusion matrix ({CONFUSION_FILE}).")),
    }
    if let Some(m) = &metrics {
        let rows: Vec<&ClassAccuracy> = m.per_class.iter().filter(|r| r.f1.is_some()).collect();
        if !rows.is_empty() {
            let chart = BarChart {
                y_range: Some((0.0, 1.0)),
                ..BarChart::new(
                    "F1 per class",
                    rows.iter().map(|r| r.class.clone()).collect(),
                    rows.iter().map(|r| r.f1.unwrap_or(f64::NAN)).collect(),
                    "F1",
                )
            };
            figures.push(Figure::png("F1 per class", chart.render(w, h)?.0.to_png()?));
        }
    } else {
        notes.push(format!("No accuracy metrics ({METRICS_FILE})."));
    }
    match &reliability {
        Some(rc) if !rc.bins.is_empty() => {
            let side = (w * 3 / 5).max(300);
            figures.push(
                Figure::png("Reliability diagram", reliability_diagram(rc, side, side * 4 / 5)?.0.to_png()?)
                    .with_caption("Observed accuracy per confidence bin; the dashed diagonal is perfect calibration."),
            );
        }
        _ => notes.push(format!("No calibration curve ({RELIABILITY_FILE}).")),
    }
    if let Some(rc) = calibrated.as_ref().filter(|rc| !rc.bins.is_empty()) {
        let side = (w * 3 / 5).max(300);
        figures.push(
            Figure::png("Reliability after temperature scaling", reliability_diagram(rc, side, side * 4 / 5)?.0.to_png()?)
                .with_caption("The same test predictions, logits divided by a temperature fitted on held-out probabilities (validation samples or out-of-fold predictions; see the notes)."),
        );
    }
    if let Some(b) = &importance {
        let title = if b.title.is_empty() { "Feature importance".to_string() } else { b.title.clone() };
        let y = if b.y_label.is_empty() { "importance".to_string() } else { b.y_label.clone() };
        let chart = BarChart::new(title.clone(), b.labels.clone(), b.values.clone(), y);
        figures.push(Figure::png(title, chart.render(w, h)?.0.to_png()?));
    }
    for path in extra_figures(dir)? {
        let title = path.file_stem().map(|s| s.to_string_lossy().replace(['_', '-'], " ")).unwrap_or_default();
        figures.push(Figure::path(title, path));
    }

    Ok(ReportData {
        title: info.title.clone().unwrap_or_default(),
        run: info.meta,
        accuracy: metrics.unwrap_or_default(),
        figures,
        notes,
    })
}

/// `name` relative to `dir` unless absolute.
fn resolve(dir: &Path, name: &str) -> PathBuf {
    let p = Path::new(name);
    if p.is_absolute() { p.to_path_buf() } else { dir.join(p) }
}

/// Sorted `*.png` files of `dir/figures/`.
fn extra_figures(dir: &Path) -> Result<Vec<PathBuf>> {
    let fig_dir = dir.join(EXTRA_FIGURES_DIR);
    if !fig_dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(&fig_dir)
        .map_err(|e| ReportError::io(&fig_dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("png")))
        .collect();
    out.sort();
    Ok(out)
}

/// Load a run directory and write `dir/report.html`; returns the report path.
pub fn write_run_report(dir: &Path, opts: &LoadOptions) -> Result<PathBuf> {
    let data = load_run_dir_with(dir, opts)?;
    write_html_report(dir, &data)
}

/// [`write_run_report`] with the map quick-looks read by the GeoTIFF reader of `terradl-geo`:
/// what `terradl report` and the pipelines write at the end of a run.
pub fn write_run_report_with_maps(dir: &Path) -> Result<PathBuf> {
    if !dir.is_dir() {
        return Err(ReportError::Invalid(format!("run directory {} does not exist", dir.display())));
    }
    let reader = |p: &Path| terradl_geo::geotiff::read_geotiff(p).map_err(Into::into);
    let opts = LoadOptions { raster_reader: Some(&reader), ..LoadOptions::default() };
    write_run_report(dir, &opts)
}
