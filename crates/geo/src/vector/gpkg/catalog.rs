//! The GeoPackage catalogue: which feature layers a file holds
//! (`gpkg_geometry_columns`) and the CRS of a layer's `srs_id`
//! (`gpkg_spatial_ref_sys`).

use crate::vector::crs_text::{crs_from_epsg, crs_from_wkt};
use crate::Crs;
use rusqlite::{Connection, OptionalExtension};

/// One feature layer: its table, geometry column and spatial reference id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FeatureLayer {
    /// Name of the feature table (the layer name).
    pub(crate) table: String,
    /// Name of the table's geometry column.
    pub(crate) geometry_column: String,
    /// Key into `gpkg_spatial_ref_sys`.
    pub(crate) srs_id: i64,
}

/// Every feature layer, in the order `gpkg_geometry_columns` lists them.
pub(crate) fn feature_layers(db: &Connection) -> rusqlite::Result<Vec<FeatureLayer>> {
    let mut stmt = db.prepare("SELECT table_name, column_name, srs_id FROM gpkg_geometry_columns")?;
    let rows = stmt.query_map([], |r| {
        Ok(FeatureLayer { table: r.get(0)?, geometry_column: r.get(1)?, srs_id: r.get(2)? })
    })?;
    rows.collect()
}

/// The layer named `name` (case-insensitively, as SQLite compares table
/// names), or the first one when `name` is `None`.
pub(crate) fn choose_layer<'a>(layers: &'a [FeatureLayer], name: Option<&str>) -> Option<&'a FeatureLayer> {
    match name {
        Some(n) => layers.iter().find(|l| l.table.eq_ignore_ascii_case(n)),
        None => layers.first(),
    }
}

/// What `gpkg_spatial_ref_sys` says about an `srs_id`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LayerCrs {
    /// The CRS (`None` for the undefined systems `srs_id` -1 and 0, or a
    /// definition that is not WKT).
    Known(Option<Crs>),
    /// The table has no row for this `srs_id`.
    Missing,
}

/// Resolve an `srs_id`: an `EPSG` organisation code when the row has one,
/// else the row's WKT definition.
pub(crate) fn layer_crs(db: &Connection, srs_id: i64) -> rusqlite::Result<LayerCrs> {
    if srs_id <= 0 {
        return Ok(LayerCrs::Known(None));
    }
    let row: Option<(Option<String>, Option<i64>, Option<String>)> = db
        .query_row(
            "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?1",
            [srs_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((organization, code, definition)) = row else { return Ok(LayerCrs::Missing) };
    let epsg = organization
        .filter(|o| o.eq_ignore_ascii_case("EPSG"))
        .and(code)
        .and_then(|c| u32::try_from(c).ok())
        .filter(|&c| c > 0);
    Ok(LayerCrs::Known(match epsg {
        Some(code) => Some(crs_from_epsg(code)),
        None => definition.as_deref().and_then(crs_from_wkt),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Connection {
        let db = Connection::open_in_memory().unwrap();
        db.execute_batch(
            "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT,
                 organization_coordsys_id INTEGER, definition TEXT, description TEXT);
             INSERT INTO gpkg_spatial_ref_sys VALUES
                 ('WGS 84', 4326, 'EPSG', 4326, 'GEOGCS[\"WGS 84\"]', NULL),
                 ('custom', 100, 'NONE', 100, 'PROJCS[\"x\",AUTHORITY[\"EPSG\",\"32613\"]]', NULL),
                 ('odd', 101, 'NONE', 101, 'undefined', NULL);
             CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT,
                 srs_id INTEGER, z TINYINT, m TINYINT);
             INSERT INTO gpkg_geometry_columns VALUES ('roads', 'geom', 'LINESTRING', 4326, 0, 0),
                 ('Fields', 'shape', 'POLYGON', 100, 0, 0);",
        )
        .unwrap();
        db
    }

    #[test]
    fn layers_are_listed_in_order_and_chosen_by_name() {
        let db = catalogue();
        let layers = feature_layers(&db).unwrap();
        assert_eq!(layers.iter().map(|l| l.table.as_str()).collect::<Vec<_>>(), ["roads", "Fields"]);
        assert_eq!(choose_layer(&layers, None).unwrap().table, "roads");
        let fields = choose_layer(&layers, Some("fields")).unwrap();
        assert_eq!((fields.geometry_column.as_str(), fields.srs_id), ("shape", 100));
        assert!(choose_layer(&layers, Some("rivers")).is_none());
        assert!(choose_layer(&[], None).is_none());
    }

    #[test]
    fn srs_ids_resolve_through_the_organisation_or_the_wkt() {
        let db = catalogue();
        assert_eq!(layer_crs(&db, 4326).unwrap(), LayerCrs::Known(Some(Crs::geographic(4326))));
        let LayerCrs::Known(Some(custom)) = layer_crs(&db, 100).unwrap() else { panic!("no CRS") };
        assert_eq!(custom.epsg, Some(32613));
        assert_eq!(layer_crs(&db, 101).unwrap(), LayerCrs::Known(None));
        assert_eq!(layer_crs(&db, 0).unwrap(), LayerCrs::Known(None));
        assert_eq!(layer_crs(&db, -1).unwrap(), LayerCrs::Known(None));
        assert_eq!(layer_crs(&db, 999).unwrap(), LayerCrs::Missing);
    }
}
