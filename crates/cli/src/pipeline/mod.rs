//! Pipelines run by `terradl train <pipeline.toml>`: typed TOML configs and
//! the steps from labelled imagery to a map, accuracy figures and a report.

pub mod config;
pub mod landcover;
pub mod lulc;
pub mod lulc_config;
pub mod lulc_data;
pub mod lulc_predict;
pub mod model_store;
pub mod patch_block;
pub mod pixel_block;
pub mod run_dir;
pub mod timeseries;
pub mod timeseries_config;
pub mod timeseries_predict;
pub mod uncertain_block;
