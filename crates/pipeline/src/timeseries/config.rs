//! The time-series (crop-type) pipeline's TOML configuration (`kind = "time_series"`).
//!
//! ```toml
//! kind = "time_series"
//! name = "crops"
//! band_names = ["blue", "green", "red", "nir"]      # bands of each date
//! labels = "fields.geojson"                         # labelled field polygons, raster CRS
//! class_attribute = "crop"
//! output = "runs/crops"
//!
//! # either one GeoTIFF per date (each with band_names.len() bands) ...
//! [[rasters]]
//! date = "2018-04-29"
//! path = "s2_20180429.tif"
//! cloud_mask = "clouds_20180429.tif"                # optional; non-zero = cloudy
//! # ... or one date-major stack (all bands of date 0 first) with its dates:
//! # stack = "stack.tif"
//! # dates = ["2018-04-29", "2018-05-13"]
//!
//! [split]                   # by field: no field has pixels on both sides
//! test_fraction = 0.3
//! val_fraction = 0.2        # of the remaining fields, to choose the fusion threshold
//! max_pixels_per_field = 50
//!
//! [[models]]
//! kind = "tempcnn"          # or "lstm", "ltae", "random_forest"
//!
//! [importance]
//! repeats = 3
//!
//! [fusion]                  # OSVM-OCNN: deep model `deep`, object-based classifier `object`
//! deep = 0
//! [fusion.object]
//! kind = "random_forest"
//! ```

use crate::error::{PipelineError, Result, bail, ensure};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use terradl_data::sample_table::{TableLayout, TimeAxis};
use terradl_data::Date;
use terradl_train::PixelModelConfig;
use terradl_train::distill::DistillSettings;
use terradl_train::temporal::TemporalModelConfig;

/// A crop-type pipeline on a satellite image time series.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimeSeriesPipeline {
    /// Run name.
    pub name: String,
    /// One GeoTIFF per date.
    #[serde(default)]
    pub rasters: Vec<DatedRaster>,
    /// A date-major multi-band stack (alternative to `rasters`).
    #[serde(default)]
    pub stack: Option<PathBuf>,
    /// Dates of `stack`'s blocks of bands, `YYYY-MM-DD`.
    #[serde(default)]
    pub dates: Vec<String>,
    /// Evenly spaced time steps of unknown dates, in place of `dates` (sample tables only).
    #[serde(default)]
    pub steps: Option<usize>,
    /// Band names of one date.
    pub band_names: Vec<String>,
    /// Labelled field polygons (GeoJSON, Shapefile or GeoPackage) in the rasters' CRS.
    #[serde(default)]
    pub labels: Option<PathBuf>,
    /// Attribute holding the class.
    #[serde(default)]
    pub class_attribute: Option<String>,
    /// Labelled series as a sample table (CSV / TSV), in place of imagery + polygons.
    #[serde(default)]
    pub samples: Option<PathBuf>,
    /// Test series as a second table with the same layout (a benchmark's standard split);
    /// without it `[split]` draws the test samples (by field when the table has a field column).
    #[serde(default)]
    pub test_samples: Option<PathBuf>,
    /// Columns of the sample tables.
    #[serde(default)]
    pub table: TableLayout,
    /// Extra missing-value code besides the rasters' own nodata.
    #[serde(default)]
    pub nodata: Option<f32>,
    /// Values outside `[lo, hi]` are treated as missing (e.g. `[1, 10000]` for reflectance x 1e4).
    #[serde(default)]
    pub valid_range: Option<[f32; 2]>,
    /// Run directory (created).
    pub output: PathBuf,
    /// Hold-out of whole fields for testing and validation.
    #[serde(default)]
    pub split: FieldSplit,
    /// Classifiers to train and compare on the same held-out fields.
    pub models: Vec<TemporalModelConfig>,
    /// Per-date permutation importance.
    #[serde(default)]
    pub importance: ImportanceConfig,
    /// OSVM-OCNN fusion of a deep model with an object-based classifier; `None` skips it.
    #[serde(default)]
    pub fusion: Option<FusionConfig>,
    /// Also score the mean of the deep models' probabilities (a deep ensemble).
    #[serde(default)]
    pub ensemble: bool,
    /// Distil the deep models' mean probabilities into one more network; `None` skips it.
    #[serde(default)]
    pub distill: Option<DistillConfig>,
    /// Cross-fitted temperature scaling when there are no validation series; `None` skips it.
    #[serde(default)]
    pub calibration: Option<CalibrationConfig>,
}

/// Temperature scaling without validation series (`split.val_fraction = 0`, so every
/// training series teaches the models): one model is trained `folds` more times, each time
/// without one class-stratified fold of the training series, and its temperature is fitted on
/// those out-of-fold probabilities; the reliability diagrams before and after scaling are
/// then of that model (trained on every series).
///
/// ```toml
/// [calibration]
/// model = 0    # index into `models`
/// folds = 5
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationConfig {
    /// Index into `models` of the model whose temperature is fitted.
    pub model: usize,
    /// Number of folds (at least 2; each class needs at least this many series).
    #[serde(default = "default_calibration_folds")]
    pub folds: usize,
    /// Seed of the fold assignment.
    #[serde(default)]
    pub seed: u64,
}

fn default_calibration_folds() -> usize {
    5
}

/// Knowledge distillation: a student network trained on the training series with the mean
/// of the deep models' probabilities as soft targets beside the labels (Hinton et al. 2015).
/// It is scored and saved as one more single model.
///
/// ```toml
/// [distill]
/// teachers = [0, 1]         # indices into `models` (default: every deep model)
/// temperature = 2.0         # softening of the teacher's probabilities
/// weight = 0.7              # share of the teacher's term in the loss
/// include_validation = false  # also learn from the validation series
/// transfer_copies = 0       # synthetic blends of the series per series, labelled by the teachers
/// generations = 1           # born-again students, each taught by the one before
/// [distill.student]
/// kind = "tempcnn"
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistillConfig {
    /// The student network (`tempcnn`, `lstm` or `ltae`).
    pub student: TemporalModelConfig,
    /// Indices into `models` of the teachers, whose probabilities are averaged; every deep
    /// model when absent.
    #[serde(default)]
    pub teachers: Option<Vec<usize>>,
    /// Softening temperature of the teacher's probabilities.
    #[serde(default = "default_distill_temperature")]
    pub temperature: f32,
    /// Share of the teacher's term in the loss, in `[0, 1]`.
    #[serde(default = "default_distill_weight")]
    pub weight: f32,
    /// Also teach the student on the validation series (`split.val_fraction`), with the
    /// teachers' out-of-sample probabilities as its soft targets. The student then has no
    /// held-out series of its own: it is scored on the test series like every model, but gets
    /// no validation probabilities (no temperature scaling).
    #[serde(default)]
    pub include_validation: bool,
    /// Synthetic transfer set: this many blends of every series with a random partner
    /// ([`terradl_train::distill::transfer_set`]), labelled by the teachers, added to the
    /// student's series (0: none).
    #[serde(default)]
    pub transfer_copies: usize,
    /// Beta concentration of the blends' weights (small: mostly near one of the two series).
    #[serde(default = "default_transfer_alpha")]
    pub transfer_alpha: f32,
    /// Seed of the blends.
    #[serde(default)]
    pub transfer_seed: u64,
    /// Students trained in sequence (born-again networks, Furlanello et al. 2018): the first
    /// is taught by `teachers`, each later one by the student before it, on the same series
    /// and blends. Every student is scored and saved as a single model.
    #[serde(default = "default_generations")]
    pub generations: usize,
}

fn default_generations() -> usize {
    1
}

fn default_transfer_alpha() -> f32 {
    0.4
}

fn default_distill_temperature() -> f32 {
    DistillSettings::default().temperature
}

fn default_distill_weight() -> f32 {
    DistillSettings::default().weight
}

impl DistillConfig {
    /// Temperature and weight.
    pub fn settings(&self) -> DistillSettings {
        DistillSettings { temperature: self.temperature, weight: self.weight }
    }
}

/// One date's raster.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatedRaster {
    /// Acquisition date, `YYYY-MM-DD`.
    pub date: String,
    /// The raster file.
    pub path: PathBuf,
    /// Single-band cloud mask on the same grid; non-zero marks a cloudy pixel.
    #[serde(default)]
    pub cloud_mask: Option<PathBuf>,
}

/// Hold-out by field.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FieldSplit {
    /// Share of each class's fields held out for testing.
    pub test_fraction: f64,
    /// Share of each class's remaining fields held out for validation (fusion threshold).
    pub val_fraction: f64,
    /// At most this many pixels drawn from each field (0: all).
    pub max_pixels_per_field: usize,
    /// Seed of the field split and pixel subsampling.
    pub seed: u64,
}

impl Default for FieldSplit {
    fn default() -> Self {
        FieldSplit { test_fraction: 0.3, val_fraction: 0.2, max_pixels_per_field: 50, seed: 7 }
    }
}

/// Per-date permutation importance on the test pixels.
///
/// ```toml
/// [importance]
/// repeats = 3       # permutations per date (0 disables)
/// models = "best"   # the most accurate single model ("best") or every model ("all")
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportanceConfig {
    /// Permutations per date (0 disables).
    pub repeats: usize,
    /// Seed of the permutations.
    pub seed: u64,
    /// Which trained models get an importance (each costs `repeats x dates` test predictions).
    pub models: ImportanceModels,
}

impl Default for ImportanceConfig {
    fn default() -> Self {
        ImportanceConfig { repeats: 3, seed: 11, models: ImportanceModels::Best }
    }
}

/// The models whose per-date importance is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportanceModels {
    /// The single model with the best test accuracy (the one the report shows).
    Best,
    /// Every single model (the deep ensemble has no importance of its own).
    All,
}

/// OSVM-OCNN fusion settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FusionConfig {
    /// Index into `models` of the deep model whose field probabilities are trusted above the threshold.
    pub deep: usize,
    /// Object-based classifier on per-field mean series (`random_forest` or `svm`).
    pub object: PixelModelConfig,
}

/// Parse `YYYY-MM-DD` (or `YYYYMMDD`, see [`Date::parse`]).
pub fn parse_date(s: &str) -> Result<Date> {
    Date::parse(s).ok_or_else(|| PipelineError::Invalid(format!("invalid date {s:?} (want YYYY-MM-DD)")))
}

impl TimeSeriesPipeline {
    /// The `kind` selecting this pipeline.
    pub const KIND: &'static str = "time_series";

    /// Every path field.
    pub(crate) fn paths_mut(&mut self) -> Vec<&mut PathBuf> {
        let mut paths = vec![&mut self.output];
        paths.extend(self.labels.as_mut());
        paths.extend(self.samples.as_mut());
        paths.extend(self.test_samples.as_mut());
        paths.extend(self.stack.as_mut());
        for r in &mut self.rasters {
            paths.push(&mut r.path);
            paths.extend(r.cloud_mask.as_mut());
        }
        paths
    }

    /// The time axis of the sample tables: the pipeline's `dates`, its `steps`, or the
    /// dates in the tables' header.
    pub fn table_axis(&self) -> Result<TimeAxis> {
        Ok(match (self.steps, self.dates.is_empty()) {
            (Some(n), _) => TimeAxis::Steps(n),
            (None, false) => TimeAxis::Dates(self.parsed_dates()?),
            (None, true) => TimeAxis::FromHeader,
        })
    }

    /// The acquisition dates, checked to increase.
    pub fn parsed_dates(&self) -> Result<Vec<Date>> {
        let texts: Vec<&str> = if self.stack.is_some() || self.samples.is_some() {
            self.dates.iter().map(String::as_str).collect()
        } else {
            self.rasters.iter().map(|r| r.date.as_str()).collect()
        };
        let dates = texts.iter().map(|s| parse_date(s)).collect::<Result<Vec<_>>>()?;
        ensure!(dates.windows(2).all(|w| w[0] < w[1]), "dates must be strictly increasing");
        Ok(dates)
    }

    /// Check the values together.
    pub(crate) fn validate(&self) -> Result<()> {
        ensure!(!self.models.is_empty(), "pipeline {}: `models` is empty", self.name);
        ensure!(!self.band_names.is_empty(), "band_names is empty");
        if self.samples.is_some() {
            self.validate_tables()?;
        } else {
            self.validate_imagery()?;
        }
        let s = &self.split;
        ensure!((0.0..1.0).contains(&s.test_fraction) && s.test_fraction > 0.0, "split.test_fraction must be in (0, 1)");
        ensure!((0.0..1.0).contains(&s.val_fraction), "split.val_fraction must be in [0, 1)");
        if let Some([lo, hi]) = self.valid_range {
            ensure!(lo < hi, "valid_range [{lo}, {hi}] is empty");
        }
        if let Some(f) = &self.fusion {
            ensure!(f.deep < self.models.len(), "fusion.deep = {} but only {} models", f.deep, self.models.len());
            ensure!(
                !matches!(self.models[f.deep], TemporalModelConfig::RandomForest(_)),
                "fusion.deep must name a deep model (tempcnn, lstm or ltae)"
            );
            ensure!(s.val_fraction > 0.0, "fusion needs validation fields: set split.val_fraction > 0");
            ensure!(
                self.samples.is_none() || self.table.field.is_some(),
                "fusion works on fields: the sample table layout needs a `field` column"
            );
        }
        let deep = self.models.iter().filter(|m| m.is_network()).count();
        if self.ensemble {
            ensure!(deep >= 2, "ensemble = true needs at least two deep models (tempcnn, lstm, ltae); the pipeline has {deep}");
        }
        if let Some(d) = &self.distill {
            ensure!(deep >= 1, "distill needs a deep model (tempcnn, lstm, ltae) in `models` as its teacher");
            ensure!(d.student.is_network(), "distill.student must be a network (tempcnn, lstm or ltae), not a random forest");
            d.settings().validate().map_err(|e| PipelineError::Invalid(format!("distill: {e}")))?;
            for &t in d.teachers.iter().flatten() {
                ensure!(t < self.models.len(), "distill.teachers names model {t}, but there are {} models", self.models.len());
                ensure!(self.models[t].is_network(), "distill.teachers: model {t} is a random forest, not a network");
            }
            ensure!(d.teachers.as_ref().is_none_or(|t| !t.is_empty()), "distill.teachers is empty");
            ensure!(d.transfer_alpha > 0.0 && d.transfer_alpha.is_finite(), "distill.transfer_alpha must be > 0");
            ensure!((1..=8).contains(&d.generations), "distill.generations must be 1 to 8, not {}", d.generations);
        }
        if let Some(c) = &self.calibration {
            ensure!(c.model < self.models.len(), "calibration.model = {} but only {} models", c.model, self.models.len());
            ensure!(c.folds >= 2, "calibration.folds must be at least 2");
            ensure!(
                s.val_fraction == 0.0,
                "calibration cross-fits a temperature when there are no validation series; with split.val_fraction > 0 the temperature is fitted on those: remove [calibration] or set split.val_fraction = 0"
            );
            ensure!(
                self.samples.is_some() && self.table.field.is_none(),
                "calibration folds series one by one: it needs a sample table without a `field` column (with fields, use split.val_fraction)"
            );
        }
        Ok(())
    }

    /// A sample-table pipeline: no imagery keys, a time axis.
    fn validate_tables(&self) -> Result<()> {
        let imagery = [
            ("rasters", !self.rasters.is_empty()),
            ("stack", self.stack.is_some()),
            ("labels", self.labels.is_some()),
            ("class_attribute", self.class_attribute.is_some()),
        ];
        if let Some((key, _)) = imagery.iter().find(|(_, set)| *set) {
            bail!("`samples` (a sample table) and `{key}` (imagery + polygons) are two different inputs: give one");
        }
        ensure!(
            !(self.steps.is_some() && !self.dates.is_empty()),
            "give either `dates` or `steps` (evenly spaced steps of unknown dates), not both"
        );
        ensure!(self.steps != Some(0), "steps must be at least 1");
        self.table_axis()?;
        Ok(())
    }

    /// An imagery pipeline: rasters or a stack, and labelled polygons.
    fn validate_imagery(&self) -> Result<()> {
        ensure!(self.test_samples.is_none(), "`test_samples` belongs with `samples` (a sample table)");
        ensure!(self.steps.is_none(), "`steps` belongs with `samples` (a sample table); imagery has dates");
        ensure!(self.labels.is_some(), "no labels: give `labels` (field polygons) with the imagery, or `samples` (a sample table)");
        ensure!(self.class_attribute.is_some(), "`labels` needs `class_attribute` (the attribute holding the class)");
        match (&self.stack, self.rasters.is_empty()) {
            (Some(_), false) => bail!("give either `stack` + `dates` or `[[rasters]]`, not both"),
            (None, true) => bail!("no imagery: give `[[rasters]]` (one per date) or `stack` + `dates`"),
            (Some(_), true) => ensure!(!self.dates.is_empty(), "`stack` needs `dates`"),
            (None, false) => ensure!(self.dates.is_empty(), "`dates` belongs with `stack`; each raster has its own date"),
        }
        self.parsed_dates()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "kind = \"time_series\"\nname = \"t\"\nband_names = [\"red\", \"nir\"]\nlabels = \"f.geojson\"\n\
                        class_attribute = \"crop\"\noutput = \"out\"\n";

    fn load(extra: &str) -> Result<TimeSeriesPipeline> {
        load_text(&format!("{BASE}{extra}"))
    }

    fn load_text(text: &str) -> Result<TimeSeriesPipeline> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!("terradl-ts-config-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst)));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("p.toml");
        std::fs::write(&p, text).unwrap();
        let out = crate::PipelineSpec::load(&p).and_then(|f| match f.spec {
            crate::PipelineSpec::TimeSeries(p) => Ok(p),
            other => bail!("parsed as {}", other.kind()),
        });
        std::fs::remove_dir_all(&dir).unwrap();
        out
    }

    #[test]
    fn stack_and_rasters_forms_parse() {
        let p = load("stack = \"s.tif\"\ndates = [\"2018-04-29\", \"20180513\"]\n[[models]]\nkind = \"ltae\"\n").unwrap();
        assert_eq!(p.parsed_dates().unwrap()[1].to_string(), "2018-05-13");
        assert!(p.stack.unwrap().starts_with(std::env::temp_dir()));
        let p = load(
            "[[rasters]]\ndate = \"2018-04-29\"\npath = \"a.tif\"\ncloud_mask = \"m.tif\"\n[[rasters]]\ndate = \"2018-05-13\"\npath = \"b.tif\"\n\
             [[models]]\nkind = \"tempcnn\"\n[[models]]\nkind = \"random_forest\"\n[fusion]\ndeep = 0\n[fusion.object]\nkind = \"random_forest\"\n",
        )
        .unwrap();
        assert_eq!(p.rasters.len(), 2);
        assert_eq!(p.split.max_pixels_per_field, 50);
    }

    #[test]
    fn calibration_needs_a_table_and_no_validation_series() {
        let table = |split: &str, extra: &str| {
            format!(
                "kind = \"time_series\"\nname = \"t\"\nband_names = [\"ndvi\"]\nsamples = \"s.tsv\"\nsteps = 4\noutput = \"out\"\n\
                 {extra}\n[split]\n{split}\n[[models]]\nkind = \"ltae\"\n[calibration]\nmodel = 0\n"
            )
        };
        let p = load_text(&table("val_fraction = 0.0", "")).unwrap();
        let c = p.calibration.unwrap();
        assert_eq!((c.model, c.folds), (0, 5), "five folds by default");
        let err = |s: &str| crate::error::chain(&load_text(s).unwrap_err()).join(": ");
        assert!(err(&table("val_fraction = 0.2", "")).contains("split.val_fraction = 0"));
        assert!(err(&table("val_fraction = 0.0", "").replace("model = 0", "model = 1")).contains("only 1 models"));
        assert!(err(&(table("val_fraction = 0.0", "") + "folds = 1\n")).contains("at least 2"));
        let fields = table("val_fraction = 0.0", "[table]\nlabel = \"crop\"\nfield = \"parcel\"");
        assert!(err(&fields).contains("without a `field` column"), "{}", err(&fields));
    }

    #[test]
    fn bad_pipelines_say_why() {
        let m = "[[models]]\nkind = \"lstm\"\n";
        let err = |s: &str| crate::error::chain(&load(s).unwrap_err()).join(": ");
        assert!(err(m).contains("no imagery"));
        assert!(err(&format!("stack = \"s.tif\"\n{m}")).contains("needs `dates`"));
        assert!(err(&format!("stack = \"s.tif\"\ndates = [\"2018-05-13\", \"2018-04-29\"]\n{m}")).contains("increasing"));
        assert!(err(&format!("stack = \"s.tif\"\ndates = [\"2018-02-30\"]\n{m}")).contains("invalid date"));
        assert!(err("stack = \"s.tif\"\ndates = [\"2018-04-29\"]\nmodels = []\n").contains("empty"));
        let rf_fusion = "stack = \"s.tif\"\ndates = [\"2018-04-29\"]\n[[models]]\nkind = \"random_forest\"\n[fusion]\ndeep = 0\n[fusion.object]\nkind = \"svm\"\n";
        assert!(err(rf_fusion).contains("deep model"));
        let stack = "stack = \"s.tif\"\ndates = [\"2018-04-29\"]\n[[models]]\nkind = \"tempcnn\"\n";
        assert!(err(&format!("{stack}[distill]\n[distill.student]\nkind = \"random_forest\"\n")).contains("not a random forest"));
        assert!(err(&format!("{stack}[distill]\nweight = 2.0\n[distill.student]\nkind = \"tempcnn\"\n")).contains("weight"));
        let rf_only = "stack = \"s.tif\"\ndates = [\"2018-04-29\"]\n[[models]]\nkind = \"random_forest\"\n";
        assert!(err(&format!("{rf_only}[distill]\n[distill.student]\nkind = \"tempcnn\"\n")).contains("teacher"));
        assert!(err(&format!("{stack}[distill]\nteachers = [1]\n[distill.student]\nkind = \"tempcnn\"\n")).contains("names model 1"));
        let p = load(&format!("{stack}[distill]\ntemperature = 3.0\n[distill.student]\nkind = \"ltae\"\n")).unwrap();
        let d = p.distill.unwrap();
        assert_eq!(d.settings(), DistillSettings { temperature: 3.0, weight: 0.7 });
        assert!(!d.include_validation, "the validation series stay held out by default");
        let p = load(&format!("{stack}[distill]\ninclude_validation = true\n[distill.student]\nkind = \"ltae\"\n")).unwrap();
        assert!(p.distill.unwrap().include_validation);
        assert!(err(&format!("{stack}[distill]\ngenerations = 0\n[distill.student]\nkind = \"ltae\"\n")).contains("generations"));
        let p = load(&format!("{stack}[distill]\ngenerations = 2\n[distill.student]\nkind = \"ltae\"\n")).unwrap();
        assert_eq!(p.distill.unwrap().generations, 2);
        assert!(err(&format!("{stack}[distill]\ntransfer_copies = 2\ntransfer_alpha = 0.0\n[distill.student]\nkind = \"ltae\"\n")).contains("transfer_alpha"));
    }
}
