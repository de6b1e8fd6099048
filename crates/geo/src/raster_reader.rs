//! One entry point for raster input: [`RasterReader`] opens a GeoTIFF or a
//! JPEG 2000 file, chosen from the file's first bytes (the extension only
//! decides for files too short or unrecognised), so a `.jp2` band works
//! wherever a GeoTIFF path is accepted for reading.

use crate::geotiff::{GeoTiffReader, RasterInfo};
use crate::jp2::{is_jpeg2000, Jp2Reader};
use crate::{GeoError, Raster, Result, Window};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::Path;

/// The raster file formats terradl reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RasterFormat {
    /// TIFF / GeoTIFF / BigTIFF / COG.
    GeoTiff,
    /// JPEG 2000: JP2 container or raw codestream.
    Jpeg2000,
}

impl RasterFormat {
    /// GDAL's short name of the matching driver (`GTiff`, `JP2OpenJPEG`).
    pub fn gdal_name(self) -> &'static str {
        match self {
            RasterFormat::GeoTiff => "GTiff",
            RasterFormat::Jpeg2000 => "JP2OpenJPEG",
        }
    }

    /// The format of the file at `path`: from its first bytes (TIFF or
    /// BigTIFF header, JP2 signature box, codestream SOC + SIZ markers), else
    /// from the extension (`.tif`, `.tiff`, `.jp2`, `.j2k`, `.j2c`, `.jpx`).
    pub fn detect(path: &Path) -> Result<RasterFormat> {
        let mut head = [0u8; 12];
        let mut file = std::fs::File::open(path).map_err(|e| GeoError::io(path, e))?;
        let mut n = 0;
        while n < head.len() {
            match file.read(&mut head[n..]).map_err(|e| GeoError::io(path, e))? {
                0 => break,
                k => n += k,
            }
        }
        let head = &head[..n];
        if [b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"].iter().any(|m| head.starts_with(&m[..])) {
            return Ok(RasterFormat::GeoTiff);
        }
        if is_jpeg2000(head) {
            return Ok(RasterFormat::Jpeg2000);
        }
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("tif" | "tiff") => Ok(RasterFormat::GeoTiff),
            Some("jp2" | "j2k" | "j2c" | "jpx") => Ok(RasterFormat::Jpeg2000),
            _ => Err(GeoError::UnknownRasterFormat {
                path: path.to_path_buf(),
                reason: format!(
                    "neither a TIFF nor a JPEG 2000 file (first bytes {head:02x?}); terradl reads GeoTIFF and JPEG 2000 rasters"
                ),
            }),
        }
    }
}

/// A raster file open for reading: a GeoTIFF ([`GeoTiffReader`]: windowed
/// reads decode only the chunks they touch) or a JPEG 2000 image
/// ([`Jp2Reader`]: decoded whole on the first read, then kept).
///
/// ```no_run
/// use terradl_geo::{RasterReader, Window};
/// let reader = RasterReader::open("T33UUU_20170216T102101_B02.jp2")?;
/// println!("{:?}: {} x {} in {}", reader.format(), reader.info().cols, reader.info().rows, reader.info().crs);
/// let block = reader.read_window(Window::new(0, 0, 256, 256))?;
/// # Ok::<(), terradl_geo::GeoError>(())
/// ```
#[derive(Debug)]
pub enum RasterReader {
    /// A TIFF file.
    GeoTiff(GeoTiffReader),
    /// A JPEG 2000 file.
    Jpeg2000(Jp2Reader),
}

impl RasterReader {
    /// Open a raster file, picking the reader with [`RasterFormat::detect`].
    pub fn open(path: impl AsRef<Path>) -> Result<RasterReader> {
        let path = path.as_ref();
        Ok(match RasterFormat::detect(path)? {
            RasterFormat::GeoTiff => RasterReader::GeoTiff(GeoTiffReader::open(path)?),
            RasterFormat::Jpeg2000 => RasterReader::Jpeg2000(Jp2Reader::open(path)?),
        })
    }

    /// The file's format.
    pub fn format(&self) -> RasterFormat {
        match self {
            RasterReader::GeoTiff(_) => RasterFormat::GeoTiff,
            RasterReader::Jpeg2000(_) => RasterFormat::Jpeg2000,
        }
    }

    /// Size, sample type and georeferencing read at open.
    pub fn info(&self) -> &RasterInfo {
        match self {
            RasterReader::GeoTiff(r) => r.info(),
            RasterReader::Jpeg2000(r) => r.info(),
        }
    }

    /// Path the reader was opened on.
    pub fn path(&self) -> &Path {
        match self {
            RasterReader::GeoTiff(r) => r.path(),
            RasterReader::Jpeg2000(r) => r.path(),
        }
    }

    /// Read the whole raster, all bands.
    pub fn read(&self) -> Result<Raster> {
        match self {
            RasterReader::GeoTiff(r) => r.read(),
            RasterReader::Jpeg2000(r) => r.read(),
        }
    }

    /// Read the whole raster, decoding GeoTIFF chunks in parallel.
    pub fn read_parallel(&self) -> Result<Raster> {
        match self {
            RasterReader::GeoTiff(r) => r.read_parallel(),
            RasterReader::Jpeg2000(r) => r.read(),
        }
    }

    /// Read a window, all bands.
    pub fn read_window(&self, window: Window) -> Result<Raster> {
        match self {
            RasterReader::GeoTiff(r) => r.read_window(window),
            RasterReader::Jpeg2000(r) => r.read_window(window),
        }
    }

    /// Read a window, all bands, decoding GeoTIFF chunks in parallel.
    pub fn read_window_parallel(&self, window: Window) -> Result<Raster> {
        match self {
            RasterReader::GeoTiff(r) => r.read_window_parallel(window),
            RasterReader::Jpeg2000(r) => r.read_window(window),
        }
    }

    /// Read one band (0-based) of the whole raster.
    pub fn read_band(&self, band: usize) -> Result<Raster> {
        let info = self.info();
        self.read_window_bands(Window::new(0, 0, info.cols, info.rows), &[band], false)
    }

    /// Read selected bands (0-based, any order) of a window.
    pub fn read_window_bands(&self, window: Window, bands: &[usize], parallel: bool) -> Result<Raster> {
        match self {
            RasterReader::GeoTiff(r) => r.read_window_bands(window, bands, parallel),
            RasterReader::Jpeg2000(r) => r.read_window_bands(window, bands),
        }
    }
}

/// Read a whole raster file (GeoTIFF or JPEG 2000) into memory.
///
/// ```no_run
/// let r = terradl_geo::read_raster("T33UUU_20170216T102101_B05.jp2")?;
/// println!("{} x {} pixels of {} m", r.cols, r.rows, r.transform.0[1]);
/// # Ok::<(), terradl_geo::GeoError>(())
/// ```
pub fn read_raster(path: impl AsRef<Path>) -> Result<Raster> {
    RasterReader::open(path)?.read()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geotiff::{write_geotiff, WriteOptions};
    use crate::{DType, Raster};

    #[test]
    fn detects_by_magic_then_extension() {
        let dir = tempfile::tempdir().unwrap();
        let tif_named_jp2 = dir.path().join("really_a_tiff.jp2");
        write_geotiff(&tif_named_jp2, &Raster::new(1, 2, 3, DType::U8), &WriteOptions::default()).unwrap();
        assert_eq!(RasterFormat::detect(&tif_named_jp2).unwrap(), RasterFormat::GeoTiff);
        let r = read_raster(&tif_named_jp2).unwrap();
        assert_eq!((r.cols, r.rows), (3, 2));

        let text_jp2 = dir.path().join("notes.jp2");
        std::fs::write(&text_jp2, "not an image at all").unwrap();
        assert_eq!(RasterFormat::detect(&text_jp2).unwrap(), RasterFormat::Jpeg2000);
        let e = RasterReader::open(&text_jp2).unwrap_err().to_string();
        assert!(e.contains("notes.jp2") && e.contains("not a JPEG 2000 file"), "{e}");

        let empty_tif = dir.path().join("empty.tif");
        std::fs::write(&empty_tif, b"").unwrap();
        assert_eq!(RasterFormat::detect(&empty_tif).unwrap(), RasterFormat::GeoTiff);

        let csv = dir.path().join("table.csv");
        std::fs::write(&csv, "a,b\n1,2\n").unwrap();
        let e = RasterReader::open(&csv).unwrap_err().to_string();
        assert!(e.contains("table.csv") && e.contains("neither a TIFF nor a JPEG 2000"), "{e}");
        assert!(matches!(RasterReader::open(dir.path().join("missing.tif")), Err(GeoError::Io { .. })));
    }
}
