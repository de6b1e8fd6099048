//! The land-cover pipeline (`kind = "landcover"`, the default): labelled pixels from
//! polygons/points, a spatially blocked hold-out, several classifiers compared on it, a
//! streaming full-raster map with uncertainty, accuracy and area estimates.

mod config;
mod run;

pub use config::{LandCoverPipeline, MapConfig, SplitConfig};
pub use run::{index_features, indices, labelled_image};
