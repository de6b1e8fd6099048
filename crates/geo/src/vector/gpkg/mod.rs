//! Read one feature layer of a GeoPackage into a [`VectorLayer`], through
//! `rusqlite` (SQLite compiled in, opened read-only) and the `wkb` crate.
//!
//! Every column other than the geometry becomes a feature attribute
//! (integers and reals as numbers, text as text, NULL and blobs as null);
//! rows with a NULL or empty geometry are skipped; the CRS comes from the
//! layer's `srs_id` in `gpkg_spatial_ref_sys`.
//!
//! ```no_run
//! let layer = terradl_geo::vector::read_gpkg("labels.gpkg", Some("fields"))?;
//! println!("{} features", layer.len());
//! # Ok::<(), terradl_geo::GeoError>(())
//! ```

mod blob;
mod catalog;

pub use blob::GpkgGeometryError;

use super::feature::{AttrValue, Feature, VectorLayer};
use super::validate::validate_geometry;
use crate::{GeoError, Result};
use catalog::{choose_layer, feature_layers, layer_crs, FeatureLayer, LayerCrs};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// Read the feature layer named `layer` (case-insensitive), or the first
/// one listed in `gpkg_geometry_columns` when `layer` is `None`.
///
/// A missing file is an I/O error; a file that is not SQLite, lacks the
/// GeoPackage tables or has corrupt pages is [`GeoError::GeoPackage`]; an
/// unknown layer name is [`GeoError::InvalidVector`] listing the layers.
pub fn read_gpkg(path: impl AsRef<Path>, layer: Option<&str>) -> Result<VectorLayer> {
    let path = path.as_ref();
    if !path.is_file() {
        return Err(GeoError::io(path, std::io::Error::new(std::io::ErrorKind::NotFound, "GeoPackage not found")));
    }
    let sql = |what: &str| {
        let what = what.to_owned();
        move |source| GeoError::GeoPackage { path: path.to_owned(), what, source }
    };
    let db = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(sql("opening the database"))?;
    let layers = feature_layers(&db).map_err(sql("listing feature layers in gpkg_geometry_columns"))?;
    let chosen = choose_layer(&layers, layer).ok_or_else(|| {
        let names: Vec<&str> = layers.iter().map(|l| l.table.as_str()).collect();
        let reason = match layer {
            Some(name) => format!("no feature layer named {name:?}; layers: {}", names.join(", ")),
            None => "no feature layer (gpkg_geometry_columns is empty)".to_owned(),
        };
        GeoError::InvalidVector { path: path.to_owned(), reason }
    })?;
    let crs = match layer_crs(&db, chosen.srs_id).map_err(sql("reading gpkg_spatial_ref_sys"))? {
        LayerCrs::Known(crs) => crs,
        LayerCrs::Missing => {
            return Err(GeoError::InvalidVector {
                path: path.to_owned(),
                reason: format!("srs_id {} of layer {:?} is not in gpkg_spatial_ref_sys", chosen.srs_id, chosen.table),
            });
        }
    };
    let features = read_features(&db, chosen, path)?;
    tracing::debug!(path = %path.display(), layer = %chosen.table, features = features.len(), "read GeoPackage layer");
    Ok(VectorLayer { features, crs })
}

/// Names of `table`'s columns in definition order (invalid UTF-8 decoded lossily).
fn column_names(db: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = db.prepare(&format!("PRAGMA table_info({})", quote(table)))?;
    let mut rows = stmt.query([])?;
    let mut names = Vec::new();
    while let Some(row) = rows.next()? {
        names.push(match row.get_ref(1)? {
            ValueRef::Text(b) | ValueRef::Blob(b) => String::from_utf8_lossy(b).into_owned(),
            other => format!("{other:?}"),
        });
    }
    Ok(names)
}

/// Every row of the layer's table with a non-empty geometry, in table order.
fn read_features(db: &Connection, layer: &FeatureLayer, path: &Path) -> Result<Vec<Feature>> {
    let sql_err = |source| GeoError::GeoPackage {
        path: path.to_owned(),
        what: format!("reading layer {:?}", layer.table),
        source,
    };
    // Column names from the table's definition, read as values: rusqlite's own column names
    // panic on invalid UTF-8 (found by fuzzing); these are decoded lossily.
    let columns = column_names(db, &layer.table).map_err(sql_err)?;
    let mut stmt = db.prepare(&format!("SELECT * FROM {}", quote(&layer.table))).map_err(sql_err)?;
    if stmt.column_count() != columns.len() {
        return Err(GeoError::InvalidVector {
            path: path.to_owned(),
            reason: format!("layer {:?}: {} columns selected but {} defined", layer.table, stmt.column_count(), columns.len()),
        });
    }
    let geom = columns.iter().position(|c| c.eq_ignore_ascii_case(&layer.geometry_column)).ok_or_else(|| {
        GeoError::InvalidVector {
            path: path.to_owned(),
            reason: format!("layer {:?} has no geometry column {:?}", layer.table, layer.geometry_column),
        }
    })?;
    let mut rows = stmt.query([]).map_err(sql_err)?;
    let mut features = Vec::new();
    let mut row_index = 0usize;
    while let Some(row) = rows.next().map_err(sql_err)? {
        let this_row = row_index;
        row_index += 1;
        let ValueRef::Blob(bytes) = row.get_ref(geom).map_err(sql_err)? else { continue };
        let geometry = blob::decode_blob(bytes).map_err(|source| GeoError::GeoPackageGeometry {
            path: path.to_owned(),
            layer: layer.table.clone(),
            row: this_row,
            source,
        })?;
        let Some(geometry) = geometry else { continue };
        validate_geometry(features.len(), &geometry)?;
        let mut feature = Feature::new(geometry);
        for (i, name) in columns.iter().enumerate().filter(|&(i, _)| i != geom) {
            feature.properties.insert(name.clone(), attribute(row.get_ref(i).map_err(sql_err)?));
        }
        features.push(feature);
    }
    Ok(features)
}

/// An SQLite value as a feature attribute.
fn attribute(v: ValueRef<'_>) -> AttrValue {
    match v {
        ValueRef::Null | ValueRef::Blob(_) => AttrValue::Null,
        ValueRef::Integer(x) => AttrValue::Number(x as f64),
        ValueRef::Real(x) => AttrValue::Number(x),
        ValueRef::Text(t) => AttrValue::Text(String::from_utf8_lossy(t).into_owned()),
    }
}

/// An SQL identifier in double quotes.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests;
