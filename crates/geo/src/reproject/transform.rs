//! [`CrsTransform`]: one source CRS, one target CRS, both from EPSG codes.

use super::proj_definition;
use crate::vector::coords::try_map_coords;
use crate::Crs;
use geo_types::{Coord, Geometry};
use proj4rs::Proj;

/// Why coordinates cannot be transformed between two CRSs. Wrapped in
/// [`crate::GeoError::Reproject`], which names the data and both CRSs.
#[derive(Debug, thiserror::Error)]
pub enum ReprojectError {
    /// The CRS has no EPSG code, so terradl cannot tell which CRS it is.
    #[error(
        "{crs} has no EPSG code, so terradl cannot tell which CRS it is; \
         give the file an EPSG CRS (e.g. `ogr2ogr -a_srs EPSG:<code>`)"
    )]
    NoEpsg {
        /// The CRS's label (its WKT name or `unknown`).
        crs: String,
    },
    /// The EPSG code is not in the definition table.
    #[error(
        "EPSG:{code} is not a CRS terradl can transform: it has no definition in terradl's EPSG table \
         (crs-definitions, about 6,200 codes; see docs/LANDCOVER.md); reproject the file to the raster's \
         CRS first, e.g. `ogr2ogr -t_srs EPSG:<raster's code> out.gpkg in.gpkg`"
    )]
    UnknownEpsg {
        /// The code.
        code: u32,
    },
    /// proj4rs cannot use the code's definition (a grid file it needs, a
    /// projection it lacks).
    #[error("EPSG:{code} is not a CRS terradl can transform: its definition `{definition}` is not usable")]
    Unusable {
        /// The code.
        code: u32,
        /// Its proj string.
        definition: &'static str,
        /// proj4rs's error.
        #[source]
        source: proj4rs::errors::Error,
    },
    /// A coordinate lies outside the transformation's domain (a latitude
    /// beyond 90 degrees, a projected value no inverse maps back) or the
    /// result is not finite.
    #[error("coordinate ({x}, {y}){} cannot be transformed", feature.map(|i| format!(" of feature {i}")).unwrap_or_default())]
    Coordinate {
        /// 0-based index of the feature holding it, when known.
        feature: Option<usize>,
        /// Its x (longitude in degrees for a geographic CRS).
        x: f64,
        /// Its y (latitude in degrees for a geographic CRS).
        y: f64,
        /// proj4rs's error; `None` when the result was not finite.
        #[source]
        source: Option<proj4rs::errors::Error>,
    },
}

impl ReprojectError {
    /// The same error, naming the feature that holds the coordinate.
    pub fn in_feature(self, index: usize) -> Self {
        match self {
            ReprojectError::Coordinate { x, y, source, .. } => {
                ReprojectError::Coordinate { feature: Some(index), x, y, source }
            }
            other => other,
        }
    }
}

/// A transformation from one CRS to another, both given by EPSG code.
/// Geographic coordinates are (longitude, latitude) in degrees; projected
/// ones in the CRS's units (metres for every projected code terradl meets).
#[derive(Debug, Clone)]
pub struct CrsTransform {
    from: Crs,
    to: Crs,
    src: Proj,
    dst: Proj,
}

impl CrsTransform {
    /// The transformation from `from` to `to`; errors name a CRS without an
    /// EPSG code, a code with no definition, or a definition proj4rs cannot use.
    pub fn new(from: &Crs, to: &Crs) -> Result<Self, ReprojectError> {
        Ok(CrsTransform { from: from.clone(), to: to.clone(), src: proj_of(from)?, dst: proj_of(to)? })
    }

    /// The source CRS.
    pub fn source(&self) -> &Crs {
        &self.from
    }

    /// The target CRS.
    pub fn target(&self) -> &Crs {
        &self.to
    }

    /// Transform one coordinate pair.
    pub fn transform_xy(&self, x: f64, y: f64) -> Result<(f64, f64), ReprojectError> {
        let fail = |source| ReprojectError::Coordinate { feature: None, x, y, source };
        let (ix, iy) = if self.src.is_latlong() { (x.to_radians(), y.to_radians()) } else { (x, y) };
        let (ox, oy) = proj4rs::adaptors::transform_xy(&self.src, &self.dst, ix, iy).map_err(|e| fail(Some(e)))?;
        let out = if self.dst.is_latlong() { (ox.to_degrees(), oy.to_degrees()) } else { (ox, oy) };
        if out.0.is_finite() && out.1.is_finite() { Ok(out) } else { Err(fail(None)) }
    }

    /// Transform every vertex of a geometry (points, lines, polygons with
    /// their holes, multi-geometries, collections); edges are not densified.
    pub fn transform_geometry(&self, g: &Geometry<f64>) -> Result<Geometry<f64>, ReprojectError> {
        try_map_coords(g, &mut |c: Coord<f64>| self.transform_xy(c.x, c.y).map(|(x, y)| Coord { x, y }))
    }
}

fn proj_of(crs: &Crs) -> Result<Proj, ReprojectError> {
    let code = crs.epsg.ok_or_else(|| ReprojectError::NoEpsg { crs: crs.label() })?;
    let definition = proj_definition(code).ok_or(ReprojectError::UnknownEpsg { code })?;
    Proj::from_proj_string(definition).map_err(|source| ReprojectError::Unusable { code, definition, source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{line_string, point, polygon, MultiPolygon};

    fn t(from: u32, to: u32) -> CrsTransform {
        let crs = |c| crate::vector::crs_text::crs_from_epsg(c);
        CrsTransform::new(&crs(from), &crs(to)).unwrap()
    }

    #[test]
    fn geometries_keep_their_structure_and_round_trip() {
        let utm = polygon!(
            exterior: [(x: 400_000.0, y: 5_500_000.0), (x: 401_000.0, y: 5_500_000.0), (x: 401_000.0, y: 5_501_000.0), (x: 400_000.0, y: 5_501_000.0)],
            interiors: [[(x: 400_200.0, y: 5_500_200.0), (x: 400_400.0, y: 5_500_200.0), (x: 400_400.0, y: 5_500_400.0)]],
        );
        let shapes: Vec<Geometry<f64>> = vec![
            point!(x: 400_000.0, y: 5_500_000.0).into(),
            line_string![(x: 400_000.0, y: 5_500_000.0), (x: 410_000.0, y: 5_510_000.0)].into(),
            utm.clone().into(),
            MultiPolygon(vec![utm.clone(), utm]).into(),
        ];
        let (fwd, back) = (t(32633, 4326), t(4326, 32633));
        for g in &shapes {
            let ll = fwd.transform_geometry(g).unwrap();
            assert_eq!(crate::vector::geometry_type_name(&ll), crate::vector::geometry_type_name(g));
            let mut n = 0;
            crate::vector::coords::for_each_coord(&ll, &mut |c| {
                n += 1;
                assert!((13.0..14.0).contains(&c.x) && (49.0..50.0).contains(&c.y), "{c:?}");
            });
            let again = back.transform_geometry(&ll).unwrap();
            let (mut a, mut b) = (Vec::new(), Vec::new());
            crate::vector::coords::for_each_coord(g, &mut |c| a.push(c));
            crate::vector::coords::for_each_coord(&again, &mut |c| b.push(c));
            assert_eq!(a.len(), n);
            assert_eq!(a.len(), b.len());
            for (p, q) in a.iter().zip(&b) {
                assert!((p.x - q.x).abs() < 1e-6 && (p.y - q.y).abs() < 1e-6, "{p:?} -> {q:?}");
            }
        }
    }

    #[test]
    fn unknown_and_unusable_crss_are_named() {
        let err = CrsTransform::new(&Crs::projected(9999), &Crs::projected(32633)).unwrap_err();
        assert!(matches!(err, ReprojectError::UnknownEpsg { code: 9999 }), "{err}");
        assert!(err.to_string().contains("EPSG:9999"), "{err}");
        let custom = Crs { epsg: None, geographic: false, citation: Some("My_Custom_Lambert".into()) };
        let err = CrsTransform::new(&custom, &Crs::projected(32633)).unwrap_err().to_string();
        assert!(err.contains("My_Custom_Lambert") && err.contains("no EPSG code"), "{err}");
        // NAD27 needs the `conus` grid file: refused, not silently shifted.
        let err = CrsTransform::new(&Crs::geographic(4267), &Crs::projected(32633)).unwrap_err();
        assert!(matches!(err, ReprojectError::Unusable { code: 4267, .. }), "{err}");
        assert!(t(4326, 3857).source().epsg == Some(4326) && t(102_100, 4326).source().epsg == Some(102_100));
    }

    #[test]
    fn coordinates_outside_the_domain_are_errors() {
        let err = t(4326, 32633).transform_xy(15.0, 95.0).unwrap_err().in_feature(7);
        assert!(err.to_string().contains("(15, 95) of feature 7"), "{err}");
        assert!(t(4326, 32633).transform_xy(f64::NAN, 1.0).is_err());
    }
}
