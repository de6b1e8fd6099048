//! A georeferenced scan of a 19th-century French "carte d'état-major"
//! (RGB, EPSG:4326) with 17 labelled polygons in 5 classes
//! (Agriculture, Buildings, Forest, Soil, Water) from the `museotoolbox`
//! 0.13.6 sdist (GPL-3.0). Real labels on real (historical) imagery; useful
//! for per-object sampling, segmentation and OCNN tests.

use crate::error::Result;
use crate::labelled_image::LabelledImage;
use terradl_geo::geotiff::read_geotiff;
use terradl_geo::vector::read_gpkg;

/// The map scan in the cache.
pub const MAP: &str = "map_compress.tif";
/// The label polygons (attribute `Type` = class name, `Class` = code 1..5).
pub const POLYGONS: &str = "train.gpkg";

/// The map with its polygons burnt in (class names sorted alphabetically).
pub fn etat_major_map() -> Result<LabelledImage> {
    let layer = read_gpkg(super::sample("museotoolbox", POLYGONS)?, None)?;
    let image = read_geotiff(super::sample("museotoolbox", MAP)?)?;
    LabelledImage::from_layer(image, &layer, "Type", vec!["red".into(), "green".into(), "blue".into()])
}
