//! Where the tiled engine reads its input blocks from.

use crate::Result;
use terradl_geo::geotiff::{GeoTiffReader, RasterInfo};
use terradl_geo::{Raster, RasterReader, Window};

/// An input raster read window by window: one GeoTIFF ([`GeoTiffReader`]) or any raster file
/// terradl reads ([`RasterReader`]: GeoTIFF or JPEG 2000), or several files
/// presented as one raster (e.g. a time series of dated GeoTIFFs with cloud masks, gap-filled
/// per window). The engine asks it for each tile's core + halo; values that are nodata or NaN
/// in any band make the pixel invalid (class nodata in the outputs).
pub trait TileSource: Sync {
    /// Size, band count and georeferencing of the (possibly virtual) raster.
    fn info(&self) -> &RasterInfo;
    /// Read `window`, all bands.
    fn read_window(&self, window: Window) -> Result<Raster>;
}

impl TileSource for RasterReader {
    fn info(&self) -> &RasterInfo {
        RasterReader::info(self)
    }
    fn read_window(&self, window: Window) -> Result<Raster> {
        Ok(RasterReader::read_window(self, window)?)
    }
}

impl TileSource for GeoTiffReader {
    fn info(&self) -> &RasterInfo {
        GeoTiffReader::info(self)
    }
    fn read_window(&self, window: Window) -> Result<Raster> {
        Ok(GeoTiffReader::read_window(self, window)?)
    }
}

/// A tile source whose file declares no nodata value, read with `nodata` declared (e.g. a
/// scene's zero fill): every window carries it, so those pixels are masked like declared
/// nodata. A source that declares its own value keeps it.
pub struct WithNodata<'a> {
    inner: &'a dyn TileSource,
    info: RasterInfo,
}

impl<'a> WithNodata<'a> {
    /// `inner` with `nodata` declared when it declares none.
    pub fn new(inner: &'a dyn TileSource, nodata: f64) -> Self {
        let mut info = inner.info().clone();
        info.nodata = info.nodata.or(Some(nodata));
        WithNodata { inner, info }
    }
}

impl TileSource for WithNodata<'_> {
    fn info(&self) -> &RasterInfo {
        &self.info
    }
    fn read_window(&self, window: Window) -> Result<Raster> {
        let mut r = self.inner.read_window(window)?;
        r.nodata = self.info.nodata;
        Ok(r)
    }
}
