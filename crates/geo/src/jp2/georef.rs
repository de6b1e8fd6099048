//! Where a JPEG 2000 file's georeferencing comes from: the GMLJP2 XML box
//! first, then the GeoJP2 UUID box (a degenerate GeoTIFF, read with the
//! GeoTIFF reader's GeoKey and transform-tag decoding). A file with neither
//! gets the identity transform and an unknown CRS, as a TIFF without GeoKeys
//! does, with a warning in the log.

use super::boxes::Jp2Boxes;
use super::gml;
use crate::geotiff::georef_from_tiff_bytes;
use crate::{Crs, GeoError, GeoTransform, Result};
use std::path::Path;

/// Which box the georeferencing was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum GeorefSource {
    /// A GMLJP2 `gml:RectifiedGrid` in an XML box.
    Gmljp2,
    /// The GeoTIFF tags of a GeoJP2 UUID box.
    GeoJp2,
    /// Neither box: identity transform, unknown CRS.
    None,
}

/// Transform and CRS of a JPEG 2000 file, and the box they came from. A box
/// that is present but unusable is an error naming the file, unless the other
/// box georeferences the file.
pub(super) fn georeference(boxes: &Jp2Boxes<'_>, path: &Path) -> Result<(GeoTransform, Crs, GeorefSource)> {
    let mut gml_error = None;
    for xml in &boxes.xml {
        match gml::parse(xml) {
            Ok(Some((gt, crs))) => return Ok((gt, crs, GeorefSource::Gmljp2)),
            Ok(None) => {}
            Err(reason) => {
                gml_error.get_or_insert(reason);
            }
        }
    }
    if let Some(tiff) = boxes.geojp2 {
        match georef_from_tiff_bytes(tiff, path) {
            Ok(Some((gt, crs))) => {
                if let Some(reason) = &gml_error {
                    tracing::warn!(path = %path.display(), %reason, "unusable GMLJP2 box, georeferencing from the GeoJP2 box");
                }
                return Ok((gt, crs, GeorefSource::GeoJp2));
            }
            Ok(None) if gml_error.is_none() => {
                return Err(GeoError::Jp2Georef {
                    path: path.to_path_buf(),
                    kind: "GeoJP2",
                    reason: "the embedded GeoTIFF has no transform tags".into(),
                });
            }
            Ok(None) => {}
            Err(e) if gml_error.is_none() => {
                return Err(GeoError::Jp2Georef { path: path.to_path_buf(), kind: "GeoJP2", reason: e.to_string() });
            }
            Err(_) => {}
        }
    }
    if let Some(reason) = gml_error {
        return Err(GeoError::Jp2Georef { path: path.to_path_buf(), kind: "GMLJP2", reason });
    }
    tracing::warn!(path = %path.display(), "JPEG 2000 file has no GMLJP2 or GeoJP2 box: identity transform, unknown CRS");
    Ok((GeoTransform::default(), Crs::default(), GeorefSource::None))
}
