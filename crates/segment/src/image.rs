//! A borrowed multi-band image: the input of every segmentation algorithm.

use crate::error::{check_shape, Result};

/// A read-only view of a band-sequential `f32` image (`bands x rows x cols`).
///
/// A pixel is *invalid* (nodata) when any of its bands is NaN or equals the
/// optional nodata value; segmenters put invalid pixels in objects of their own.
///
/// ```
/// use terradl_segment::ImageView;
/// let data = [1.0, 2.0, 3.0, f32::NAN]; // one band, 2 x 2
/// let img = ImageView::new(&data, 1, 2, 2).unwrap();
/// assert!(img.is_valid(0) && !img.is_valid(3));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ImageView<'a> {
    data: &'a [f32],
    bands: usize,
    rows: usize,
    cols: usize,
    nodata: Option<f32>,
}

impl<'a> ImageView<'a> {
    /// Wrap band-sequential samples, checking the length.
    pub fn new(data: &'a [f32], bands: usize, rows: usize, cols: usize) -> Result<Self> {
        check_shape("image data", data.len(), bands, rows, cols)?;
        Ok(ImageView { data, bands, rows, cols, nodata: None })
    }

    /// Treat samples equal to `nodata` as invalid (NaN always is).
    pub fn with_nodata(mut self, nodata: Option<f64>) -> Self {
        self.nodata = nodata.map(|v| v as f32);
        self
    }

    /// View a geo [`terradl_geo::Raster`], honouring its nodata value.
        pub fn from_raster(raster: &'a terradl_geo::Raster) -> Result<Self> {
        Ok(Self::new(&raster.data, raster.bands, raster.rows, raster.cols)?.with_nodata(raster.nodata))
    }

    /// Number of bands.
    pub fn bands(&self) -> usize {
        self.bands
    }
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// Pixels per band.
    pub fn pixels(&self) -> usize {
        self.rows * self.cols
    }
    /// The band-sequential samples.
    pub fn data(&self) -> &'a [f32] {
        self.data
    }
    /// Nodata value, if any.
    pub fn nodata(&self) -> Option<f32> {
        self.nodata
    }
    /// Sample of `band` at row-major pixel index `pixel`.
    #[inline]
    pub fn value(&self, band: usize, pixel: usize) -> f32 {
        self.data[band * self.rows * self.cols + pixel]
    }
    /// Whether every band of pixel `pixel` holds data.
    #[inline]
    pub fn is_valid(&self, pixel: usize) -> bool {
        (0..self.bands).all(|b| {
            let v = self.value(b, pixel);
            !v.is_nan() && self.nodata != Some(v)
        })
    }
    /// Validity of every pixel, row-major.
    pub fn valid_mask(&self) -> Vec<bool> {
        (0..self.pixels()).map(|p| self.is_valid(p)).collect()
    }
}
