//! Affine transform <-> ModelPixelScale / ModelTiepoint / ModelTransformation.

use super::geokeys::GeoKeys;
use super::ifd::{tag, Ifd};
use crate::{Crs, GeoTransform};

/// Transform (`None` without transform tags) and CRS (unknown without a
/// GeoKeyDirectory) of a TIFF directory, as GDAL reads them: PixelIsPoint
/// shifts the origin by half a pixel.
pub(super) fn ifd_georef(ifd: &Ifd) -> (Option<GeoTransform>, Crs) {
    let keys = ifd
        .uints(tag::GEO_KEY_DIRECTORY)
        .map(|d| GeoKeys::decode(&d, ifd.ascii(tag::GEO_ASCII_PARAMS)))
        .unwrap_or_default();
    let transform = TransformTags {
        pixel_scale: ifd.floats(tag::MODEL_PIXEL_SCALE),
        tiepoint: ifd.floats(tag::MODEL_TIEPOINT),
        transformation: ifd.floats(tag::MODEL_TRANSFORMATION),
    }
    .to_geotransform(keys.pixel_is_point);
    let crs = if ifd.has(tag::GEO_KEY_DIRECTORY) { keys.crs() } else { Crs::default() };
    (transform, crs)
}

/// The transform tags of a GeoTIFF.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TransformTags {
    /// ModelPixelScaleTag `(sx, sy, sz)`.
    pub pixel_scale: Option<Vec<f64>>,
    /// ModelTiepointTag `(i, j, k, x, y, z)`, one or more points.
    pub tiepoint: Option<Vec<f64>>,
    /// ModelTransformationTag, a row-major 4x4 matrix.
    pub transformation: Option<Vec<f64>>,
}

impl TransformTags {
    /// GDAL-convention geotransform, `None` if the tags do not define one
    /// (absent, or ground control points without a scale). `pixel_is_point`
    /// shifts the origin by half a pixel as GDAL does by default.
    pub fn to_geotransform(&self, pixel_is_point: bool) -> Option<GeoTransform> {
        let mut gt = if let Some(m) = self.transformation.as_ref().filter(|m| m.len() >= 16) {
            [m[3], m[0], m[1], m[7], m[4], m[5]]
        } else {
            let s = self.pixel_scale.as_ref().filter(|s| s.len() >= 2)?;
            let t = self.tiepoint.as_ref().filter(|t| t.len() >= 6)?;
            [t[3] - t[0] * s[0], s[0], 0.0, t[4] + t[1] * s[1], 0.0, -s[1]]
        };
        if pixel_is_point {
            gt[0] -= 0.5 * (gt[1] + gt[2]);
            gt[3] -= 0.5 * (gt[4] + gt[5]);
        }
        gt.iter().all(|v| v.is_finite()).then_some(GeoTransform(gt))
    }

    /// Tags for a transform: scale + tiepoint when north-up (with negative
    /// y pixel size, as GDAL writes), a 4x4 ModelTransformation otherwise.
    pub fn from_geotransform(gt: &GeoTransform) -> TransformTags {
        let c = gt.0;
        if gt.is_north_up() && c[5] < 0.0 {
            TransformTags {
                pixel_scale: Some(vec![c[1], -c[5], 0.0]),
                tiepoint: Some(vec![0.0, 0.0, 0.0, c[0], c[3], 0.0]),
                transformation: None,
            }
        } else {
            TransformTags {
                transformation: Some(vec![
                    c[1], c[2], 0.0, c[0], c[4], c[5], 0.0, c[3], 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0,
                ]),
                ..TransformTags::default()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn north_up_and_rotated_round_trip() {
        for gt in [
            GeoTransform::north_up(500_000.0, 4_200_000.0, 10.0, 10.0),
            GeoTransform([100.0, 2.0, 0.5, 200.0, 0.3, -2.0]),
            GeoTransform([0.0, 1.0, 0.0, 0.0, 0.0, 1.0]),
        ] {
            let tags = TransformTags::from_geotransform(&gt);
            assert_eq!(tags.to_geotransform(false), Some(gt));
        }
        assert!(TransformTags::from_geotransform(&GeoTransform([1.0, 2.0, 0.5, 3.0, 0.1, -2.0]))
            .transformation
            .is_some());
    }

    #[test]
    fn tiepoint_not_at_origin_and_pixel_is_point() {
        let tags = TransformTags {
            pixel_scale: Some(vec![2.0, 3.0, 0.0]),
            tiepoint: Some(vec![10.0, 20.0, 0.0, 1000.0, 5000.0, 0.0]),
            transformation: None,
        };
        let gt = tags.to_geotransform(false).unwrap();
        assert_eq!(gt.pixel_to_world(10.0, 20.0), (1000.0, 5000.0));
        let pt = tags.to_geotransform(true).unwrap();
        assert_eq!(pt.pixel_to_world(10.5, 20.5), (1000.0, 5000.0));
        assert_eq!(TransformTags::default().to_geotransform(false), None);
    }
}
