//! GeoPackage feature tables read into [`terradl_geo::vector::VectorLayer`]s,
//! with our own small SQLite reader (no C library, read-only).
//!
//! ```no_run
//! let layer = terradl_data::sources::gpkg::read_gpkg("labels.gpkg", None).unwrap();
//! println!("{} features", layer.len());
//! ```

pub mod sqlite;
pub mod wkb;

use crate::error::{DataError, Result};
use sqlite::{SqlValue, SqliteFile};
use std::path::Path;
use terradl_geo::vector::{crs_text::crs_from_epsg, AttrValue, Feature, VectorLayer};

/// Read one feature table of a GeoPackage (the first one listed in
/// `gpkg_geometry_columns` when `table` is `None`). Attributes other than the
/// geometry become feature properties; the CRS comes from the table's `srs_id`.
pub fn read_gpkg(path: impl AsRef<Path>, table: Option<&str>) -> Result<VectorLayer> {
    let path = path.as_ref();
    let db = SqliteFile::open(path)?;
    read_from(&db, table).map_err(|e| e.in_file(path))
}

fn read_from(db: &SqliteFile, table: Option<&str>) -> Result<VectorLayer> {
    let geo_cols = db.table("gpkg_geometry_columns")?;
    let (tn, cn, sn) = (
        geo_cols.column("table_name").ok_or_else(|| DataError::format("GeoPackage", "no table_name"))?,
        geo_cols.column("column_name").ok_or_else(|| DataError::format("GeoPackage", "no column_name"))?,
        geo_cols.column("srs_id").ok_or_else(|| DataError::format("GeoPackage", "no srs_id"))?,
    );
    let text = |v: &SqlValue| if let SqlValue::Text(s) = v { s.clone() } else { String::new() };
    let row = geo_cols
        .rows
        .iter()
        .find(|r| table.is_none_or(|t| text(&r[tn]).eq_ignore_ascii_case(t)))
        .ok_or_else(|| DataError::format("GeoPackage", format!("no feature table {}", table.unwrap_or("at all"))))?;
    let (name, geom_col) = (text(&row[tn]), text(&row[cn]));
    let srs_id = match row[sn] {
        SqlValue::Integer(s) => s,
        _ => 0,
    };
    let t = db.table(&name)?;
    let gi = t.column(&geom_col).ok_or_else(|| DataError::format("GeoPackage", format!("{name} lacks {geom_col}")))?;
    let mut features = Vec::with_capacity(t.rows.len());
    for r in &t.rows {
        let SqlValue::Blob(b) = &r[gi] else { continue };
        let Some((_, geometry)) = wkb::parse_gpkg_blob(b)? else { continue };
        let mut f = Feature::new(geometry);
        for (i, c) in t.columns.iter().enumerate() {
            if i == gi {
                continue;
            }
            let v = match &r[i] {
                SqlValue::Null | SqlValue::Blob(_) => AttrValue::Null,
                SqlValue::Integer(x) => AttrValue::Number(*x as f64),
                SqlValue::Real(x) => AttrValue::Number(*x),
                SqlValue::Text(s) => AttrValue::Text(s.clone()),
            };
            f.properties.insert(c.clone(), v);
        }
        features.push(f);
    }
    let crs = (srs_id > 0).then(|| crs_from_epsg(srs_id as u32));
    Ok(VectorLayer { features, crs })
}
