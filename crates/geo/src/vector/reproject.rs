//! Vector layers in another CRS: [`VectorLayer::into_crs`] and
//! [`read_vector_in`], which pipelines use to bring labels onto a raster's CRS.

use super::{read_vector, VectorLayer};
use crate::{Crs, CrsTransform, GeoError, Result};
use std::path::Path;

impl VectorLayer {
    /// This layer with its geometries in `target`'s CRS. `what` names the
    /// data in errors and logs (e.g. the file).
    ///
    /// - Same EPSG code: returned as is.
    /// - Different codes: every vertex is transformed ([`CrsTransform`]) and
    ///   the layer takes `target` as its CRS; logged at info level. A CRS
    ///   terradl cannot transform, or a coordinate outside the
    ///   transformation's domain, is a [`GeoError::Reproject`] naming `what`,
    ///   both CRSs and (for a coordinate) the feature.
    /// - Either CRS unknown (a layer without CRS, a raster without EPSG
    ///   code): nothing to transform with; returned as is with a warning,
    ///   as [`VectorLayer::ensure_crs`] does.
    ///
    /// ```
    /// use terradl_geo::vector::{Feature, VectorLayer};
    /// use terradl_geo::Crs;
    /// use geo_types::point;
    /// let lonlat = VectorLayer { features: vec![Feature::new(point!(x: 15.0, y: 52.0))], crs: Some(Crs::geographic(4326)) };
    /// let utm = lonlat.into_crs(&Crs::projected(32633), "labels.geojson")?;
    /// assert_eq!(utm.crs, Some(Crs::projected(32633)));
    /// let p = utm.points()?[0];
    /// assert!((p.x() - 500_000.0).abs() < 1e-6 && (p.y() - 5_761_038.2126).abs() < 1e-3);
    /// # Ok::<(), terradl_geo::GeoError>(())
    /// ```
    pub fn into_crs(self, target: &Crs, what: &str) -> Result<VectorLayer> {
        let source = match &self.crs {
            Some(crs) if crs.epsg.is_some() && target.epsg.is_some() => crs.clone(),
            _ => {
                self.ensure_crs(target)?;
                return Ok(self);
            }
        };
        if !source.conflicts_with(target) {
            return Ok(self);
        }
        let wrap = |e| GeoError::Reproject { what: what.to_owned(), from: source.label(), to: target.label(), source: e };
        let t = CrsTransform::new(&source, target).map_err(wrap)?;
        let mut features = self.features;
        for (i, f) in features.iter_mut().enumerate() {
            f.geometry = t.transform_geometry(&f.geometry).map_err(|e| wrap(e.in_feature(i)))?;
        }
        tracing::info!(what, features = features.len(), from = %source, to = %target, "reprojected vector layer");
        Ok(VectorLayer { features, crs: Some(target.clone()) })
    }
}

/// [`read_vector`], then [`VectorLayer::into_crs`] to `target` (typically the
/// CRS of the raster the labels go onto): labels in any CRS terradl can
/// transform come back in `target`'s; errors name the file.
pub fn read_vector_in(path: impl AsRef<Path>, target: &Crs) -> Result<VectorLayer> {
    let path = path.as_ref();
    read_vector(path)?.into_crs(target, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::Feature;
    use geo_types::{point, polygon, Geometry};

    fn layer(crs: Option<Crs>) -> VectorLayer {
        let hole = polygon!(
            exterior: [(x: 13.0, y: 48.0), (x: 13.1, y: 48.0), (x: 13.1, y: 48.1), (x: 13.0, y: 48.1)],
            interiors: [[(x: 13.02, y: 48.02), (x: 13.05, y: 48.02), (x: 13.05, y: 48.05)]],
        );
        VectorLayer { features: vec![Feature::new(hole).with("c", "a"), Feature::new(point!(x: 13.5, y: 48.5)).with("c", "b")], crs }
    }

    #[test]
    fn reprojects_geometries_and_keeps_attributes() {
        let utm = layer(Some(Crs::geographic(4326))).into_crs(&Crs::projected(32633), "t").unwrap();
        assert_eq!(utm.crs, Some(Crs::projected(32633)));
        assert_eq!(utm.features[1].properties["c"].as_text(), Some("b"));
        let Geometry::Polygon(p) = &utm.features[0].geometry else { panic!("not a polygon") };
        assert_eq!((p.exterior().0.len(), p.interiors().len(), p.interiors()[0].0.len()), (5, 1, 4));
        // 13 E, 48 N in UTM 33N (pyproj: 350812.125, 5318235.614).
        let c = p.exterior().0[0];
        assert!((c.x - 350_812.125).abs() < 1e-3 && (c.y - 5_318_235.614).abs() < 1e-3, "{c:?}");
        utm.ensure_crs(&Crs::projected(32633)).unwrap();
    }

    #[test]
    fn same_or_unknown_crs_is_returned_unchanged() {
        let same = layer(Some(Crs::projected(32633)));
        assert_eq!(same.clone().into_crs(&Crs::projected(32633), "t").unwrap(), same);
        let none = layer(None);
        assert_eq!(none.clone().into_crs(&Crs::projected(32633), "t").unwrap(), none);
        let target_unknown = layer(Some(Crs::geographic(4326)));
        assert_eq!(target_unknown.clone().into_crs(&Crs::default(), "t").unwrap(), target_unknown);
    }

    #[test]
    fn errors_name_the_data_the_crs_and_the_feature() {
        let err = layer(Some(Crs::projected(9999))).into_crs(&Crs::projected(32633), "labels.gpkg").unwrap_err();
        let chain = format!("{err}: {}", std::error::Error::source(&err).unwrap());
        assert!(chain.contains("labels.gpkg") && chain.contains("EPSG:9999") && chain.contains("EPSG:32633"), "{chain}");
        let mut bad = layer(Some(Crs::geographic(4326)));
        bad.features[1].geometry = point!(x: 13.5, y: 95.0).into();
        let err = bad.into_crs(&Crs::projected(32633), "labels.gpkg").unwrap_err();
        let chain = format!("{err}: {}", std::error::Error::source(&err).unwrap());
        assert!(chain.contains("feature 1") && chain.contains("labels.gpkg"), "{chain}");
    }
}
