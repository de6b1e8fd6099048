//! [`Jp2Reader`]: a JPEG 2000 band (or multi-component image) as a
//! [`Raster`] with its georeferencing.

use super::georef::{georeference, GeorefSource};
use super::{boxes, decode, siz};
use crate::geotiff::{Compression, Predictor, RasterInfo};
use crate::{DType, GeoError, Raster, Result, Window};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Largest image the reader decodes, in samples (width x height x
/// components): 2^28, 1 GiB of `f32`. A full Sentinel-2 10 m band (10980^2)
/// is 1.2 x 10^8 samples. Larger headers are refused before any allocation,
/// so a corrupt size field cannot exhaust memory.
pub const MAX_SAMPLES: u64 = 1 << 28;

/// Reads a JPEG 2000 file: a JP2 container (`.jp2`) or a raw codestream
/// (`.j2k`, `.j2c`). Opening reads the header and the georeferencing;
/// pixels are decoded on the first `read*` call (JPEG 2000 is decoded whole:
/// windowed reads decode the image once and keep it).
///
/// ```no_run
/// use terradl_geo::jp2::Jp2Reader;
/// let reader = Jp2Reader::open("T33UUU_20170216T102101_B02.jp2")?;
/// let info = reader.info();
/// println!("{} x {} {} {:?}", info.cols, info.rows, info.crs, info.transform);
/// let band = reader.read()?;
/// # Ok::<(), terradl_geo::GeoError>(())
/// ```
pub struct Jp2Reader {
    path: PathBuf,
    data: Vec<u8>,
    /// Bit depth and sign of each band's stored samples; `None` for palette
    /// images, whose decoded values are the palette's.
    stored: Option<Vec<(u8, bool)>>,
    info: RasterInfo,
    georef: GeorefSource,
    decoded: OnceLock<Raster>,
}

impl std::fmt::Debug for Jp2Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jp2Reader")
            .field("path", &self.path)
            .field("bytes", &self.data.len())
            .field("info", &self.info)
            .field("georef", &self.georef)
            .finish_non_exhaustive()
    }
}

fn invalid(path: &Path, reason: impl Into<String>) -> GeoError {
    GeoError::InvalidJp2 { path: path.to_path_buf(), reason: reason.into() }
}

fn unsupported(path: &Path, what: impl Into<String>) -> GeoError {
    GeoError::UnsupportedJp2 { path: path.to_path_buf(), what: what.into() }
}

impl Jp2Reader {
    /// Open a JPEG 2000 file and read its header and georeferencing (GMLJP2,
    /// else GeoJP2; see [`GeorefSource`]). Fails with a clear error naming the
    /// file when it is not JPEG 2000, is truncated, has sub-sampled
    /// components, or is larger than [`MAX_SAMPLES`].
    pub fn open(path: impl AsRef<Path>) -> Result<Jp2Reader> {
        let path = path.as_ref();
        let data = std::fs::read(path).map_err(|e| GeoError::io(path, e))?;
        let parsed = boxes::parse(&data).map_err(|r| invalid(path, r))?;
        let header = siz::parse(parsed.codestream).map_err(|r| invalid(path, r))?;
        if let Some(c) = header.components.iter().find(|c| c.dx != 1 || c.dy != 1) {
            return Err(unsupported(path, format!(
                "sub-sampled components ({}x{}); terradl reads components at full resolution",
                c.dx, c.dy
            )));
        }
        let (cols, rows) = (header.width as usize, header.height as usize);
        let stored = parsed.palette.is_none().then(|| header.components.iter().map(|c| (c.bits, c.signed)).collect());
        let (bands, bits, signed) = match parsed.palette {
            Some(p) => (p.columns, p.bits, p.signed),
            None => (
                header.components.len(),
                header.components.iter().map(|c| c.bits).max().unwrap_or(8),
                header.components.iter().any(|c| c.signed),
            ),
        };
        let samples = cols as u64 * rows as u64 * bands as u64;
        if samples > MAX_SAMPLES {
            return Err(unsupported(path, format!(
                "{cols} x {rows} pixels x {bands} component(s) = {samples} samples, more than the reader's limit of {MAX_SAMPLES}"
            )));
        }
        let dtype = dtype_for(bits, signed).ok_or_else(|| {
            unsupported(path, format!("{bits}-bit {} samples; terradl reads up to 24 bits", sign(signed)))
        })?;
        let (transform, crs, georef) = georeference(&parsed, path)?;
        let info = RasterInfo {
            cols,
            rows,
            bands,
            dtype,
            transform,
            crs,
            nodata: None,
            compression: Compression::None,
            predictor: Predictor::None,
            tiled: Some(header.tile),
            bigtiff: false,
            planar: true,
            colormap: None,
            band_names: Vec::new(),
        };
        tracing::debug!(path = %path.display(), cols, rows, bands, ?georef, "opened JPEG 2000");
        Ok(Jp2Reader { path: path.to_path_buf(), data, stored, info, georef, decoded: OnceLock::new() })
    }

    /// Size, sample type and georeferencing read at open. `tiled` holds the
    /// codestream's tile size; `compression` is not meaningful (JPEG 2000).
    pub fn info(&self) -> &RasterInfo {
        &self.info
    }

    /// Path the reader was opened on.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Which box the georeferencing came from.
    pub fn georef_source(&self) -> GeorefSource {
        self.georef
    }

    /// Decode the whole image, all components as bands.
    pub fn read(&self) -> Result<Raster> {
        match self.decoded.get() {
            Some(r) => Ok(r.clone()),
            None => self.decode(),
        }
    }

    /// Read a window of selected bands (0-based, any order). The image is
    /// decoded once, on the first call, and kept for the following ones.
    pub fn read_window_bands(&self, window: Window, bands: &[usize]) -> Result<Raster> {
        let info = &self.info;
        // Checked before decoding, so a bad request costs nothing.
        window.check_read(bands, info.cols, info.rows, info.bands)?;
        let full = match self.decoded.get() {
            Some(r) => r,
            None => {
                let r = self.decode()?;
                self.decoded.get_or_init(|| r)
            }
        };
        full.window_bands(window, bands)
    }

    /// Read a window, all bands.
    pub fn read_window(&self, window: Window) -> Result<Raster> {
        self.read_window_bands(window, &(0..self.info.bands).collect::<Vec<_>>())
    }

    fn decode(&self) -> Result<Raster> {
        let path = &self.path;
        let failed = |reason: String| GeoError::Jp2Decode { path: path.clone(), reason };
        let components = decode::decode(&self.data).map_err(failed)?;
        let info = &self.info;
        if components.len() != info.bands {
            return Err(failed(format!(
                "the decoder returned {} component(s), the header announces {}",
                components.len(),
                info.bands
            )));
        }
        let pixels = info.cols * info.rows;
        let mut data = Vec::with_capacity(pixels * info.bands);
        for (i, mut c) in components.into_iter().enumerate() {
            if c.samples.len() != pixels {
                return Err(failed(format!(
                    "component {i} ({} bits) has {} samples, expected {} x {}",
                    c.bits,
                    c.samples.len(),
                    info.cols,
                    info.rows
                )));
            }
            if let Some(&(bits, signed)) = self.stored.as_ref().and_then(|s| s.get(i)) {
                decode::to_stored_range(&mut c.samples, bits, signed);
            }
            data.extend_from_slice(&c.samples);
        }
        let mut r = Raster::from_vec(info.bands, info.rows, info.cols, info.dtype, data)?;
        r.transform = info.transform;
        r.crs = info.crs.clone();
        r.nodata = info.nodata;
        Ok(r)
    }
}

/// The [`DType`] that holds `bits`-bit samples exactly.
fn dtype_for(bits: u8, signed: bool) -> Option<DType> {
    Some(match (bits, signed) {
        (1..=8, false) => DType::U8,
        (9..=16, false) => DType::U16,
        (1..=16, true) => DType::I16,
        (17..=24, _) => DType::F32,
        _ => return None,
    })
}

fn sign(signed: bool) -> &'static str {
    if signed { "signed" } else { "unsigned" }
}

/// Read a whole JPEG 2000 file into memory.
///
/// ```no_run
/// let b02 = terradl_geo::jp2::read_jp2("T33UUU_20170216T102101_B02.jp2")?;
/// assert_eq!(b02.crs.epsg, Some(32633));
/// # Ok::<(), terradl_geo::GeoError>(())
/// ```
pub fn read_jp2(path: impl AsRef<Path>) -> Result<Raster> {
    Jp2Reader::open(path)?.read()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtypes_hold_the_bit_depths() {
        assert_eq!(dtype_for(8, false), Some(DType::U8));
        assert_eq!(dtype_for(12, false), Some(DType::U16));
        assert_eq!(dtype_for(16, false), Some(DType::U16));
        assert_eq!(dtype_for(16, true), Some(DType::I16));
        assert_eq!(dtype_for(20, false), Some(DType::F32));
        assert_eq!(dtype_for(32, false), None);
    }

    #[test]
    fn reader_can_be_shared_across_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Jp2Reader>();
    }
}
