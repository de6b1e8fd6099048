//! Trained models stored in a run directory, for `terradl predict`.
//!
//! Layout (written by `terradl train` / `terradl demo`):
//! ```text
//! <run>/model/manifest.json        ModelManifest: the run's kind, bands, indices, classes,
//!                                  colours, CRS, the saved models and their test accuracy,
//!                                  the pipeline TOML
//! <run>/model/<i>-<kind>/...       one directory per model (terradl_train::pixel store layout,
//!                                  or the lulc layouts of `crate::lulc`)
//! ```
//! The whole `model/` directory is written under a temporary name and renamed into place,
//! so a reader sees either the previous complete set or the new one.

use crate::error::{Context, Result, bail, ensure};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use terradl_geo::Crs;
use terradl_geo::geotiff::RasterInfo;
use terradl_predict::ClassLegend;
use crate::run_files::class_legend;
use terradl_train::pixel::{PixelClassifier, SavedPixelModel};

/// Sub-directory of a run holding the saved models.
pub const MODEL_DIR: &str = "model";
/// Manifest file inside [`MODEL_DIR`].
pub const MANIFEST_FILE: &str = "manifest.json";
/// Version of the manifest layout (2: the run's [`RunKind`] is stored).
pub const FORMAT: u32 = 2;

/// Which pipeline trained a run's models, i.e. how `terradl predict` applies them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// Pixel classifiers on band values (+ indices) of one raster.
    LandCover,
    /// Pixel classifiers on the series of dated imagery.
    TimeSeries,
    /// The lulc methods, on standardised bands (see `lulc.json`).
    Lulc,
}

/// One saved model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedModelEntry {
    /// Name in reports, e.g. `mlp#1` (kind `#` position in the pipeline).
    pub name: String,
    /// Kind: `random_forest`, `svm` or `mlp`.
    pub kind: String,
    /// Directory under `model/`.
    pub dir: String,
    /// Overall accuracy on the pipeline's blocked test fold.
    pub overall_accuracy: f64,
}

/// What `terradl predict` needs to apply the saved models to a raster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelManifest {
    /// Manifest format version ([`FORMAT`] when written).
    pub format: u32,
    /// The pipeline that trained the models.
    pub kind: RunKind,
    /// One name per input band, in order (the raster must have exactly these bands).
    pub band_names: Vec<String>,
    /// Spectral indices appended to the band values ("ndvi", "ndwi").
    pub indices: Vec<String>,
    /// Class names, index = class id.
    pub class_names: Vec<String>,
    /// Colour `[r, g, b]` of each class.
    pub colors: Vec<[u8; 3]>,
    /// CRS of the training image.
    pub crs: Crs,
    /// Index into `models` of the model the run mapped with.
    pub best: usize,
    /// The saved models.
    pub models: Vec<SavedModelEntry>,
    /// The pipeline TOML the models were trained with.
    pub config_toml: String,
    /// Nodata value the pipeline declared for an image whose file declares none (its
    /// `nodata`); `terradl predict` applies it the same way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodata: Option<f64>,
}

/// Save pixel classifiers `models` (name, model, test accuracy) into the model directory
/// `dir` (`<i>-<kind>` each); returns their manifest entries.
pub fn save_pixel_models(dir: &Path, models: &[(String, &dyn PixelClassifier, f64)]) -> Result<Vec<SavedModelEntry>> {
    let mut entries = Vec::new();
    for (i, (name, model, oa)) in models.iter().enumerate() {
        let sub = format!("{i}-{}", model.name());
        model.save(&dir.join(&sub)).with_context(|| format!("saving model {name}"))?;
        entries.push(SavedModelEntry { name: name.clone(), kind: model.name().to_string(), dir: sub, overall_accuracy: *oa });
    }
    Ok(entries)
}

/// Write `<run_dir>/model` atomically: `write` fills a temporary directory with the models
/// (and any extra files) and returns their entries; the manifest is written last and the
/// directory renamed into place, replacing an earlier set.
pub fn save_model_dir(
    run_dir: &Path,
    mut manifest: ModelManifest,
    write: impl FnOnce(&Path) -> Result<Vec<SavedModelEntry>>,
) -> Result<PathBuf> {
    let target = run_dir.join(MODEL_DIR);
    let tmp = run_dir.join(format!(".{MODEL_DIR}.tmp{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).with_context(|| format!("removing {}", tmp.display()))?;
    }
    std::fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    manifest.models = write(&tmp)?;
    manifest.format = FORMAT;
    crate::run_files::write_json(&tmp, MANIFEST_FILE, &manifest)?;
    if target.exists() {
        let old = run_dir.join(format!(".{MODEL_DIR}.old{}", std::process::id()));
        std::fs::rename(&target, &old).with_context(|| format!("replacing {}", target.display()))?;
        std::fs::rename(&tmp, &target).with_context(|| format!("writing {}", target.display()))?;
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(&tmp, &target).with_context(|| format!("writing {}", target.display()))?;
    }
    Ok(target)
}

/// Read `<run_dir>/model/manifest.json`.
pub fn read_manifest(run_dir: &Path) -> Result<ModelManifest> {
    ensure!(run_dir.is_dir(), "model run directory {} does not exist", run_dir.display());
    let path = run_dir.join(MODEL_DIR).join(MANIFEST_FILE);
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "{} holds no saved model ({}); train one with `terradl train <pipeline.toml>` or `terradl demo`",
            run_dir.display(),
            path.display()
        )
    })?;
    #[derive(Deserialize)]
    struct Format {
        format: u32,
    }
    // the version first, so that an older layout gets a clear error rather than a missing field
    let v: Format = serde_json::from_slice(&bytes).with_context(|| format!("corrupt model manifest {}", path.display()))?;
    ensure!(
        v.format == FORMAT,
        "{} has model format {}, this terradl reads format {FORMAT}{}",
        path.display(),
        v.format,
        if v.format < FORMAT { ": train the run again with this terradl" } else { ": use a newer terradl" }
    );
    let m: ModelManifest =
        serde_json::from_slice(&bytes).with_context(|| format!("corrupt model manifest {}", path.display()))?;
    ensure!(!m.models.is_empty(), "{} lists no models", path.display());
    ensure!(m.class_names.len() == m.colors.len(), "{}: class names and colours differ in number", path.display());
    Ok(m)
}

/// Load the saved model `entry` of the run in `run_dir`.
pub fn load_model(run_dir: &Path, entry: &SavedModelEntry) -> Result<SavedPixelModel> {
    let dir = run_dir.join(MODEL_DIR).join(&entry.dir);
    SavedPixelModel::load(&dir).with_context(|| format!("loading model {} from {}", entry.name, dir.display()))
}

/// Split `<run-dir>[:method]`.
pub fn split_model_arg(arg: &str) -> (PathBuf, Option<String>) {
    match arg.rsplit_once(':') {
        Some((dir, method)) if !method.is_empty() && !method.contains('/') && !dir.is_empty() => {
            (PathBuf::from(dir), Some(method.to_string()))
        }
        _ => (PathBuf::from(arg), None),
    }
}

impl ModelManifest {
    /// The manifest of a `kind` run trained on `band_names` with `class_names` (coloured by
    /// [`terradl_report::ColorTable::from_names`]) in `crs`: no indices, the first model as the default, no
    /// models yet (the [`crate::RunWriter`] adds them and the pipeline TOML).
    pub fn new(kind: RunKind, band_names: Vec<String>, class_names: Vec<String>, crs: Crs) -> Self {
        let colors = class_legend(&class_names).colors;
        ModelManifest {
            format: FORMAT,
            kind,
            band_names,
            indices: Vec::new(),
            class_names,
            colors,
            crs,
            best: 0,
            models: Vec::new(),
            config_toml: String::new(),
            nodata: None,
        }
    }

    /// With spectral indices appended to the band values.
    pub fn with_indices(mut self, indices: Vec<String>) -> Self {
        self.indices = indices;
        self
    }

    /// With model `best` as the default of `terradl predict`.
    pub fn with_best(mut self, best: usize) -> Self {
        self.best = best;
        self
    }

    /// The land-cover classes and their colours.
    pub fn legend(&self) -> ClassLegend {
        ClassLegend { names: self.class_names.clone(), colors: self.colors.clone() }
    }

    /// Index of the model named by `method`: an exact name (`mlp#1`), a kind (`mlp`, the
    /// most accurate of that kind), or a position (`1`); `None` is the run's map model.
    pub fn select(&self, method: Option<&str>) -> Result<usize> {
        let Some(m) = method else { return Ok(self.best.min(self.models.len() - 1)) };
        if let Some(i) = self.models.iter().position(|e| e.name == m) {
            return Ok(i);
        }
        if let Ok(i) = m.parse::<usize>() {
            ensure!(i < self.models.len(), "model index {i} but the run saved {} model(s)", self.models.len());
            return Ok(i);
        }
        let of_kind = self.of_kind(m);
        match of_kind.iter().max_by(|&&a, &&b| self.models[a].overall_accuracy.total_cmp(&self.models[b].overall_accuracy)) {
            Some(&i) => Ok(i),
            None => bail!("the run has no model {m:?}; saved: {}", self.names().join(", ")),
        }
    }

    /// Indices of the saved models of `kind`.
    pub fn of_kind(&self, kind: &str) -> Vec<usize> {
        (0..self.models.len()).filter(|&i| self.models[i].kind == kind).collect()
    }

    /// Names of the saved models.
    pub fn names(&self) -> Vec<String> {
        self.models.iter().map(|e| e.name.clone()).collect()
    }

    /// Check that `info` (the raster to predict) matches the training image: band count
    /// and, where both are known, CRS.
    pub fn check_raster(&self, path: &Path, info: &RasterInfo) -> Result<()> {
        ensure!(
            info.bands == self.band_names.len(),
            "{} has {} band(s) but the model was trained on {} ({})",
            path.display(),
            info.bands,
            self.band_names.len(),
            self.band_names.join(", ")
        );
        ensure!(
            !info.crs.conflicts_with(&self.crs),
            "{} is in {} but the model was trained on imagery in {}; reproject it first",
            path.display(),
            info.crs,
            self.crs
        );
        if info.crs.epsg.is_none() && self.crs.epsg.is_some() {
            tracing::warn!(raster = %path.display(), model_crs = %self.crs, "raster has no CRS; assuming the model's");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> ModelManifest {
        let e = |name: &str, kind: &str, oa| SavedModelEntry { name: name.into(), kind: kind.into(), dir: name.into(), overall_accuracy: oa };
        ModelManifest {
            format: FORMAT,
            kind: RunKind::LandCover,
            band_names: vec!["b".into(), "g".into(), "r".into()],
            indices: vec![],
            class_names: vec!["a".into(), "b".into()],
            colors: vec![[0, 0, 0], [1, 1, 1]],
            crs: Crs::projected(32622),
            best: 1,
            models: vec![e("random_forest#0", "random_forest", 0.8), e("mlp#1", "mlp", 0.7), e("mlp#2", "mlp", 0.75)],
            config_toml: String::new(),
            nodata: None,
        }
    }

    #[test]
    fn model_argument_and_selection() {
        assert_eq!(split_model_arg("runs/demo:mlp"), (PathBuf::from("runs/demo"), Some("mlp".into())));
        assert_eq!(split_model_arg("runs/demo"), (PathBuf::from("runs/demo"), None));
        let m = manifest();
        assert_eq!(m.select(None).unwrap(), 1);
        assert_eq!(m.select(Some("mlp")).unwrap(), 2);
        assert_eq!(m.select(Some("mlp#1")).unwrap(), 1);
        assert_eq!(m.select(Some("0")).unwrap(), 0);
        assert!(m.select(Some("svm")).unwrap_err().to_string().contains("saved: random_forest#0"));
        assert!(m.select(Some("7")).is_err());
    }
}
