//! Georeferencing of a TIFF held in memory, such as the degenerate (1 x 1)
//! GeoTIFF that a GeoJP2 box of a JPEG 2000 file embeds.

use super::georef::ifd_georef;
use super::ifd::Ifd;
use crate::{Crs, GeoTransform, Result};
use std::path::Path;

/// Transform and CRS of the TIFF in `bytes`, read as the GeoTIFF reader reads a
/// file's (PixelIsPoint shifted by half a pixel, as GDAL does). `None` when the
/// TIFF has no transform tags. `path` names the file holding the bytes in errors.
pub(crate) fn georef_from_tiff_bytes(bytes: &[u8], path: &Path) -> Result<Option<(GeoTransform, Crs)>> {
    let (transform, crs) = ifd_georef(&Ifd::read(bytes, path)?);
    Ok(transform.map(|t| (t, crs)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geotiff::{write_geotiff, WriteOptions};
    use crate::{DType, Raster};

    #[test]
    fn reads_georeferencing_of_a_tiff_in_memory() {
        let mut r = Raster::new(1, 1, 1, DType::U8);
        r.transform = GeoTransform::north_up(330_000.0, 5_822_040.0, 10.0, 10.0);
        r.crs = Crs::projected(32633);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("one.tif");
        write_geotiff(&p, &r, &WriteOptions::default()).unwrap();
        let bytes = std::fs::read(&p).unwrap();
        let (gt, crs) = georef_from_tiff_bytes(&bytes, &p).unwrap().unwrap();
        assert_eq!(gt, r.transform);
        assert_eq!(crs.epsg, Some(32633));
        // Truncated bytes: an error, no panic.
        assert!(georef_from_tiff_bytes(&bytes[..bytes.len() / 3], &p).is_err());
        assert!(georef_from_tiff_bytes(b"II*\0", &p).is_err());
    }
}
