//! [`LabelledImage`]: a multi-band raster with per-pixel class labels and the
//! id of the labelled object (polygon or point) each pixel came from.

use crate::error::{DataError, Result};
use geo_types::{Geometry, MultiPolygon};
use terradl_geo::{rasterize_polygons, RasterizeOptions};
use terradl_geo::vector::VectorLayer;
use terradl_geo::Raster;

/// Marks a pixel with no label / no object.
pub const UNLABELLED: u32 = u32::MAX;

/// Imagery plus labels on the same grid.
#[derive(Debug, Clone)]
pub struct LabelledImage {
    /// The imagery (bands x rows x cols).
    pub image: Raster,
    /// Class id per pixel (row-major, `rows * cols`), [`UNLABELLED`] where none.
    pub labels: Vec<u32>,
    /// Index of the source feature (polygon/point) per pixel, [`UNLABELLED`] where none.
    /// Pixels of one object are never split between training and test by
    /// [`crate::sampling::per_object`].
    pub objects: Vec<u32>,
    /// Class names; class id `k` is `class_names[k]`.
    pub class_names: Vec<String>,
    /// Band names (e.g. `blue`, `green`, `red`, `nir`), one per image band.
    pub band_names: Vec<String>,
}

impl LabelledImage {
    /// Burn a vector layer's class attribute onto `image`'s grid: polygons by
    /// pixel centre (GDAL's default rule), points into the pixel holding them.
    /// Later features overwrite earlier ones. The layer must be in the image's CRS
    /// (read it with [`terradl_geo::vector::read_vector_in`] to reproject it).
    pub fn from_layer(image: Raster, layer: &VectorLayer, attribute: &str, band_names: Vec<String>) -> Result<Self> {
        if band_names.len() != image.bands {
            return Err(DataError::Invalid(format!(
                "{} band names for a {}-band image",
                band_names.len(),
                image.bands
            )));
        }
        layer.ensure_crs(&image.crs)?;
        let assignment = layer.attribute_as_class(attribute)?;
        let (rows, cols) = (image.rows, image.cols);
        let mut labels = vec![UNLABELLED; rows * cols];
        let mut objects = vec![UNLABELLED; rows * cols];
        for (i, (feature, &class)) in layer.features.iter().zip(&assignment.ids).enumerate() {
            let mut burn = |idx: usize| {
                labels[idx] = class;
                objects[idx] = i as u32;
            };
            match &feature.geometry {
                Geometry::Point(p) => {
                    if let Some((c, r)) = image.transform.world_to_pixel(p.x(), p.y()) {
                        if c >= 0.0 && r >= 0.0 && (c as usize) < cols && (r as usize) < rows {
                            burn(r as usize * cols + c as usize);
                        }
                    }
                }
                Geometry::Polygon(p) => burn_polygon(&MultiPolygon(vec![p.clone()]), &image, &mut burn)?,
                Geometry::MultiPolygon(mp) => burn_polygon(mp, &image, &mut burn)?,
                other => {
                    return Err(DataError::Invalid(format!(
                        "feature {i}: {} labels are not supported (points and polygons are)",
                        terradl_geo::vector::geometry_type_name(other)
                    )))
                }
            }
        }
        Ok(LabelledImage { image, labels, objects, class_names: assignment.classes.labels, band_names })
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.class_names.len()
    }

    /// Row-major indices of the labelled pixels.
    pub fn labelled_pixels(&self) -> Vec<usize> {
        (0..self.labels.len()).filter(|&i| self.labels[i] != UNLABELLED).collect()
    }

    /// Unlabel every pixel with nodata (or NaN) in any band of the image: such pixels are
    /// neither trained on nor tested. Returns how many labelled pixels were dropped.
    pub fn drop_nodata_labels(&mut self) -> usize {
        let mut dropped = 0;
        for (p, valid) in self.image.valid_mask().into_iter().enumerate() {
            if !valid && self.labels[p] != UNLABELLED {
                self.labels[p] = UNLABELLED;
                self.objects[p] = UNLABELLED;
                dropped += 1;
            }
        }
        dropped
    }

    /// Labelled pixels per class.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut c = vec![0; self.n_classes()];
        for &l in &self.labels {
            if let Some(x) = c.get_mut(l as usize) {
                *x += 1;
            }
        }
        c
    }

    /// Index of a band by name (case-insensitive).
    pub fn band(&self, name: &str) -> Option<usize> {
        self.band_names.iter().position(|b| b.eq_ignore_ascii_case(name))
    }
}

fn burn_polygon(mp: &MultiPolygon<f64>, image: &Raster, burn: &mut impl FnMut(usize)) -> Result<()> {
    let mask = rasterize_polygons(
        &[(mp.clone(), 1.0)],
        &image.transform,
        image.cols,
        image.rows,
        RasterizeOptions { all_touched: false, fill: 0.0 },
    )?;
    for (i, v) in mask.iter().enumerate() {
        if *v == 1.0 {
            burn(i);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{point, polygon};
    use terradl_geo::vector::Feature;
    use terradl_geo::{Crs, DType, GeoTransform};

    #[test]
    fn polygons_and_points_burn_class_and_object() {
        let mut image = Raster::new(1, 4, 4, DType::F32);
        image.transform = GeoTransform::north_up(0.0, 4.0, 1.0, 1.0);
        image.crs = Crs::projected(32631);
        let layer = VectorLayer {
            features: vec![
                Feature::new(polygon![(x: 0.0, y: 4.0), (x: 2.0, y: 4.0), (x: 2.0, y: 2.0), (x: 0.0, y: 2.0)]).with("c", "water"),
                Feature::new(point!(x: 3.5, y: 0.5)).with("c", "crop"),
            ],
            crs: Some(Crs::projected(32631)),
        };
        let li = LabelledImage::from_layer(image, &layer, "c", vec!["b".into()]).unwrap();
        assert_eq!(li.class_names, vec!["crop", "water"]);
        assert_eq!(li.class_counts(), vec![1, 4]);
        assert_eq!(li.labels[0], 1);
        assert_eq!(li.objects[5], 0);
        assert_eq!(li.labels[15], 0);
        assert_eq!(li.objects[15], 1);
        assert_eq!(li.labels[2], UNLABELLED);
        assert_eq!(li.labelled_pixels(), vec![0, 1, 4, 5, 15]);
    }

    #[test]
    fn band_name_count_must_match() {
        let image = Raster::new(2, 2, 2, DType::F32);
        let layer = VectorLayer::default();
        assert!(LabelledImage::from_layer(image, &layer, "c", vec!["one".into()]).is_err());
    }
}
