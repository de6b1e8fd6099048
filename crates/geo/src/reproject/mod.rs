//! Coordinate transformations between CRSs given by EPSG code, in pure Rust:
//! [`CrsTransform`] wraps `proj4rs` (a transcription of PROJ's projections,
//! within 1e-6 m of PROJ) and takes each CRS's proj string from the EPSG
//! table of `crs-definitions` ([`proj_definition`]).
//!
//! ```
//! use terradl_geo::{Crs, CrsTransform};
//! let t = CrsTransform::new(&Crs::geographic(4326), &Crs::projected(32633))?;
//! let (e, n) = t.transform_xy(15.0, 52.0)?; // lon, lat in degrees
//! assert!((e - 500_000.0).abs() < 1e-6 && (n - 5_761_038.2126).abs() < 1e-3);
//! # Ok::<(), terradl_geo::ReprojectError>(())
//! ```
//!
//! What is covered: every EPSG code in the table (about 6,200: geographic
//! CRSs, every WGS 84 / ETRS89 / NAD83 UTM zone, Web Mercator, national grids
//! such as EPSG:27700, 2154, 3035, 5070) whose definition proj4rs can use.
//! Datum shifts use the definition's `+towgs84` Helmert parameters, as PROJ
//! does without grid files; definitions that need a grid file (`+nadgrids`,
//! e.g. EPSG:4267 NAD27) are refused with an error naming the CRS. Geographic
//! coordinates are (longitude, latitude) in degrees, the order GeoJSON,
//! GeoPackage and shapefiles store. Only vertices are transformed: edges are
//! not densified (as `ogr2ogr` without `-segmentize`).

mod definitions;
mod transform;

pub use definitions::proj_definition;
pub use transform::{CrsTransform, ReprojectError};

#[cfg(test)]
mod pyproj_reference;
