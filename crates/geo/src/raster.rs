//! In-memory raster: band-sequential `f32` samples plus georeferencing.
//!
//! All sample types terradl reads (u8, u16, i16, f32) are represented exactly
//! in `f32`; `dtype` records the on-disk type so a write can restore it.

use crate::{Crs, GeoError, GeoTransform, Result};
use serde::{Deserialize, Serialize};

/// On-disk sample type of a raster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DType {
    /// Unsigned 8-bit.
    U8,
    /// Unsigned 16-bit.
    U16,
    /// Signed 16-bit.
    I16,
    /// 32-bit float.
    F32,
}

impl DType {
    /// Bytes per sample.
    pub fn size(self) -> usize {
        match self {
            DType::U8 => 1,
            DType::U16 | DType::I16 => 2,
            DType::F32 => 4,
        }
    }
    /// Lower-case name, as GDAL prints it (`Byte`, `UInt16`, ...).
    pub fn gdal_name(self) -> &'static str {
        match self {
            DType::U8 => "Byte",
            DType::U16 => "UInt16",
            DType::I16 => "Int16",
            DType::F32 => "Float32",
        }
    }
}

/// A pixel window: column/row offset and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// First column.
    pub col: usize,
    /// First row.
    pub row: usize,
    /// Width in pixels.
    pub cols: usize,
    /// Height in pixels.
    pub rows: usize,
}

impl Window {
    /// A window of `cols x rows` pixels starting at (`col`, `row`).
    pub fn new(col: usize, row: usize, cols: usize, rows: usize) -> Self {
        Window { col, row, cols, rows }
    }
    /// Whether the window lies inside a `cols` x `rows` raster.
    pub fn fits(&self, cols: usize, rows: usize) -> bool {
        self.col + self.cols <= cols && self.row + self.rows <= rows
    }
    /// Check a read of `bands` (0-based) through this window of a raster of
    /// `cols` x `rows` pixels and `n_bands` bands: every band exists, the
    /// read is not empty, the window fits.
    pub(crate) fn check_read(&self, bands: &[usize], cols: usize, rows: usize, n_bands: usize) -> Result<()> {
        if let Some(&band) = bands.iter().find(|&&b| b >= n_bands) {
            return Err(GeoError::MissingBand { band, bands: n_bands });
        }
        if self.cols == 0 || self.rows == 0 || bands.is_empty() {
            return Err(GeoError::EmptyRaster { cols: self.cols, rows: self.rows, bands: bands.len() });
        }
        if !self.fits(cols, rows) {
            return Err(GeoError::WindowOutOfBounds { window: *self, cols, rows });
        }
        let samples = bands.len() as u64 * self.cols as u64 * self.rows as u64;
        let limit = max_read_samples();
        if samples > limit {
            return Err(GeoError::ReadTooLarge { cols: self.cols, rows: self.rows, bands: bands.len(), limit });
        }
        Ok(())
    }
}

/// Most samples one read may bring into memory (2^31, 8 GiB as `f32`), so that a hostile or
/// mistaken header claiming a huge raster fails with an error instead of an allocation that
/// aborts the process. `TERRADL_MAX_READ_SAMPLES` overrides it. Larger rasters are read by
/// window (prediction streams tiles).
pub fn max_read_samples() -> u64 {
    std::env::var("TERRADL_MAX_READ_SAMPLES").ok().and_then(|v| v.parse().ok()).unwrap_or(1 << 31)
}

/// A raster held in memory: `bands x rows x cols` samples, band-sequential.
///
/// ```
/// use terradl_geo::{Raster, DType};
/// let mut r = Raster::new(2, 3, 4, DType::U16);
/// r.set(1, 2, 3, 7.0);
/// assert_eq!(r.get(1, 2, 3), 7.0);
/// assert_eq!(r.band(1).len(), 12);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Raster {
    /// Number of bands.
    pub bands: usize,
    /// Height in pixels.
    pub rows: usize,
    /// Width in pixels.
    pub cols: usize,
    /// Sample type the data came from or will be written as.
    pub dtype: DType,
    /// Samples, `data[(band * rows + row) * cols + col]`.
    pub data: Vec<f32>,
    /// Nodata value, if any (NaN samples are nodata too).
    pub nodata: Option<f64>,
    /// Pixel-to-world affine transform.
    pub transform: GeoTransform,
    /// Coordinate reference system.
    pub crs: Crs,
}

impl Raster {
    /// A zero-filled raster with identity georeferencing.
    pub fn new(bands: usize, rows: usize, cols: usize, dtype: DType) -> Self {
        Raster {
            bands,
            rows,
            cols,
            dtype,
            data: vec![0.0; bands * rows * cols],
            nodata: None,
            transform: GeoTransform::default(),
            crs: Crs::default(),
        }
    }
    /// Build from band-sequential samples, checking the length.
    pub fn from_vec(bands: usize, rows: usize, cols: usize, dtype: DType, data: Vec<f32>) -> Result<Self> {
        if bands * rows * cols == 0 {
            return Err(GeoError::EmptyRaster { cols, rows, bands });
        }
        if data.len() != bands * rows * cols {
            return Err(GeoError::Invalid(format!(
                "raster data has {} samples, expected {bands}x{rows}x{cols}",
                data.len()
            )));
        }
        Ok(Raster { data, ..Raster::new(0, 0, 0, dtype) }.with_shape(bands, rows, cols))
    }
    fn with_shape(mut self, bands: usize, rows: usize, cols: usize) -> Self {
        self.bands = bands;
        self.rows = rows;
        self.cols = cols;
        self
    }
    /// Copy georeferencing (transform, CRS, nodata) from another raster.
    pub fn with_georef_of(mut self, other: &Raster) -> Self {
        self.transform = other.transform;
        self.crs = other.crs.clone();
        self
    }
    /// Pixels per band.
    pub fn pixels(&self) -> usize {
        self.rows * self.cols
    }
    /// Index of a sample in `data`.
    #[inline]
    pub fn index(&self, band: usize, row: usize, col: usize) -> usize {
        (band * self.rows + row) * self.cols + col
    }
    /// One sample.
    #[inline]
    pub fn get(&self, band: usize, row: usize, col: usize) -> f32 {
        self.data[self.index(band, row, col)]
    }
    /// Set one sample.
    #[inline]
    pub fn set(&mut self, band: usize, row: usize, col: usize, v: f32) {
        let i = self.index(band, row, col);
        self.data[i] = v;
    }
    /// Samples of one band (row-major).
    pub fn band(&self, band: usize) -> &[f32] {
        let n = self.pixels();
        &self.data[band * n..(band + 1) * n]
    }
    /// Samples of one band (row-major), mutable.
    pub fn band_mut(&mut self, band: usize) -> &mut [f32] {
        let n = self.pixels();
        &mut self.data[band * n..(band + 1) * n]
    }
    /// Checked band access: a clear error when the band does not exist.
    pub fn try_band(&self, band: usize) -> Result<&[f32]> {
        if band >= self.bands {
            return Err(GeoError::MissingBand { band, bands: self.bands });
        }
        Ok(self.band(band))
    }
    /// Whether a sample is nodata (equal to the nodata value, or NaN).
    #[inline]
    pub fn is_nodata(&self, v: f32) -> bool {
        v.is_nan() || self.nodata.is_some_and(|nd| v as f64 == nd)
    }
    /// Per pixel (row-major): true when every band holds a value (not nodata, not NaN).
    pub fn valid_mask(&self) -> Vec<bool> {
        let n = self.pixels();
        (0..n).map(|p| (0..self.bands).all(|b| !self.is_nodata(self.data[b * n + p]))).collect()
    }
    /// Copy a window out as a new raster whose transform is shifted accordingly.
    pub fn window(&self, w: Window) -> Result<Raster> {
        if !w.fits(self.cols, self.rows) {
            return Err(GeoError::WindowOutOfBounds { window: w, cols: self.cols, rows: self.rows });
        }
        Ok(self.copy_window(w, &(0..self.bands).collect::<Vec<_>>()))
    }
    /// Copy selected bands (0-based, any order) of a window out as a new
    /// raster whose transform is shifted accordingly.
    pub fn window_bands(&self, w: Window, bands: &[usize]) -> Result<Raster> {
        w.check_read(bands, self.cols, self.rows, self.bands)?;
        Ok(self.copy_window(w, bands))
    }
    fn copy_window(&self, w: Window, bands: &[usize]) -> Raster {
        let mut out = Raster::new(bands.len(), w.rows, w.cols, self.dtype);
        for (ob, &b) in bands.iter().enumerate() {
            for r in 0..w.rows {
                let src = self.index(b, w.row + r, w.col);
                let dst = out.index(ob, r, 0);
                out.data[dst..dst + w.cols].copy_from_slice(&self.data[src..src + w.cols]);
            }
        }
        out.nodata = self.nodata;
        out.crs = self.crs.clone();
        out.transform = self.transform.window(w.col, w.row);
        out
    }
}

/// Summary statistics of one band, ignoring nodata.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BandStats {
    /// Smallest valid value.
    pub min: f64,
    /// Largest valid value.
    pub max: f64,
    /// Mean of the valid values.
    pub mean: f64,
    /// Population standard deviation of the valid values.
    pub std: f64,
    /// Number of valid samples.
    pub valid: usize,
    /// Number of nodata (or NaN) samples.
    pub nodata: usize,
}

impl Raster {
    /// Min/max/mean/std of a band, skipping nodata and NaN.
    pub fn band_stats(&self, band: usize) -> Result<BandStats> {
        let mut acc = BandStatsAccumulator::default();
        acc.add(self.try_band(band)?, self.nodata);
        Ok(acc.finish())
    }
}

/// Streaming band statistics: feed blocks of samples one at a time (e.g.
/// window by window over a raster larger than memory), then [`finish`](Self::finish).
///
/// ```
/// use terradl_geo::BandStatsAccumulator;
/// let mut acc = BandStatsAccumulator::default();
/// acc.add(&[1.0, 2.0], None);
/// acc.add(&[3.0, -9.0], Some(-9.0));
/// let s = acc.finish();
/// assert_eq!((s.min, s.max, s.mean, s.valid, s.nodata), (1.0, 3.0, 2.0, 3, 1));
/// ```
#[derive(Debug, Clone, Default)]
pub struct BandStatsAccumulator {
    min: f64,
    max: f64,
    sum: f64,
    sum2: f64,
    valid: usize,
    nodata: usize,
}

impl BandStatsAccumulator {
    /// Add samples; NaN and samples equal to `nodata` are counted as nodata.
    pub fn add(&mut self, values: &[f32], nodata: Option<f64>) {
        if self.valid == 0 {
            self.min = f64::INFINITY;
            self.max = f64::NEG_INFINITY;
        }
        for &v in values {
            if v.is_nan() || nodata.is_some_and(|nd| v as f64 == nd) {
                self.nodata += 1;
                continue;
            }
            let v = v as f64;
            self.min = self.min.min(v);
            self.max = self.max.max(v);
            self.sum += v;
            self.sum2 += v * v;
            self.valid += 1;
        }
    }
    /// The statistics so far (min/max are NaN when no valid sample was seen).
    pub fn finish(&self) -> BandStats {
        let n = self.valid.max(1) as f64;
        let mean = self.sum / n;
        let (min, max) = if self.valid == 0 { (f64::NAN, f64::NAN) } else { (self.min, self.max) };
        BandStats {
            min,
            max,
            mean,
            std: (self.sum2 / n - mean * mean).max(0.0).sqrt(),
            valid: self.valid,
            nodata: self.nodata,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_copies_and_shifts() {
        let mut r = Raster::new(1, 4, 4, DType::F32);
        for i in 0..16 {
            r.data[i] = i as f32;
        }
        r.transform = GeoTransform::north_up(0.0, 40.0, 10.0, 10.0);
        let w = r.window(Window::new(1, 2, 2, 2)).unwrap();
        assert_eq!(w.data, vec![9.0, 10.0, 13.0, 14.0]);
        assert_eq!(w.transform.pixel_to_world(0.0, 0.0), (10.0, 20.0));
        assert!(r.window(Window::new(3, 3, 2, 2)).is_err());
    }

    #[test]
    fn window_bands_picks_and_orders_bands() {
        let r = Raster::from_vec(3, 2, 2, DType::U8, (0..12).map(|v| v as f32).collect()).unwrap();
        let w = r.window_bands(Window::new(1, 0, 1, 2), &[2, 0]).unwrap();
        assert_eq!((w.bands, w.data.clone()), (2, vec![9.0, 11.0, 1.0, 3.0]));
        assert!(matches!(r.window_bands(Window::new(0, 0, 1, 1), &[3]), Err(GeoError::MissingBand { band: 3, bands: 3 })));
        assert!(matches!(r.window_bands(Window::new(0, 0, 0, 1), &[0]), Err(GeoError::EmptyRaster { .. })));
        assert!(matches!(r.window_bands(Window::new(1, 1, 2, 1), &[0]), Err(GeoError::WindowOutOfBounds { .. })));
    }

    #[test]
    fn stats_skip_nodata() {
        let mut r = Raster::from_vec(1, 1, 4, DType::F32, vec![1.0, 3.0, -9.0, f32::NAN]).unwrap();
        r.nodata = Some(-9.0);
        let s = r.band_stats(0).unwrap();
        assert_eq!((s.min, s.max, s.mean, s.valid, s.nodata), (1.0, 3.0, 2.0, 2, 2));
        assert!(r.band_stats(1).is_err());
        assert!(Raster::from_vec(0, 1, 1, DType::U8, vec![]).is_err());
    }
}
