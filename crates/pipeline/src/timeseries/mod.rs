//! The crop-type time-series pipeline (`kind = "time_series"`) and the dated imagery that
//! `terradl predict` feeds its saved models.

mod calibration;
mod config;
mod diagnostics;
mod predict;
mod run;
mod series;
mod sources;

pub use config::{CalibrationConfig, DatedRaster, FieldSplit, FusionConfig, ImportanceConfig, ImportanceModels, TimeSeriesPipeline, parse_date};
pub use predict::SeriesSource;
pub use run::FusionReport;
