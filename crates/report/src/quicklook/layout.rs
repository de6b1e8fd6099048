//! Placement of a map inside a quick-look image and shared drawing helpers.

use crate::canvas::{Align, Canvas};
use crate::color::Rgba;
use crate::error::{ReportError, Result};
use terradl_geo::Raster;

/// Margin around the map, in pixels.
pub(crate) const MARGIN: usize = 12;
/// Text scale used for titles and legends.
pub(crate) const TEXT_SCALE: usize = 2;

/// Where a map raster sits inside a quick-look image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapPlacement {
    /// Left edge of the map in image pixels.
    pub x: usize,
    /// Top edge of the map in image pixels.
    pub y: usize,
    /// Map width in image pixels.
    pub width: usize,
    /// Map height in image pixels.
    pub height: usize,
    /// Columns of the source raster.
    pub src_cols: usize,
    /// Rows of the source raster.
    pub src_rows: usize,
}

impl MapPlacement {
    /// Image coordinates of a raster pixel position (`col`, `row` may be fractional;
    /// (0, 0) is the top-left corner of the first pixel).
    pub fn to_image(&self, col: f64, row: f64) -> (f64, f64) {
        (
            self.x as f64 + col * self.width as f64 / self.src_cols as f64,
            self.y as f64 + row * self.height as f64 / self.src_rows as f64,
        )
    }
}

/// One legend entry: a colour swatch and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendItem {
    /// Class name.
    pub label: String,
    /// Swatch colour.
    pub color: Rgba,
    /// Left edge of the swatch in image pixels.
    pub x: usize,
    /// Top edge of the swatch.
    pub y: usize,
    /// Side of the square swatch.
    pub size: usize,
}

/// A vertical colour bar: `max` at the top row, `min` at the bottom row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColorBar {
    /// Left edge of the bar in image pixels.
    pub x: usize,
    /// Top edge of the bar in image pixels.
    pub y: usize,
    /// Bar width in pixels.
    pub width: usize,
    /// Bar height in pixels.
    pub height: usize,
    /// Value at the bottom row.
    pub min: f64,
    /// Value at the top row.
    pub max: f64,
}

/// Check that `band` exists and the raster is not empty.
pub(crate) fn check_band(raster: &Raster, band: usize) -> Result<()> {
    if raster.rows == 0 || raster.cols == 0 {
        return Err(ReportError::Invalid("raster is empty".into()));
    }
    if band >= raster.bands {
        return Err(ReportError::Invalid(format!("band {band} requested, raster has {} band(s)", raster.bands)));
    }
    if raster.data.len() < raster.bands * raster.rows * raster.cols {
        return Err(ReportError::Invalid("raster data shorter than bands x rows x cols".into()));
    }
    Ok(())
}

/// Height taken by an optional title (including its gap below).
pub(crate) fn title_height(title: &Option<String>) -> usize {
    if title.is_some() { crate::font::text_height(TEXT_SCALE) + MARGIN } else { 0 }
}

/// Draw the title at the top-left margin.
pub(crate) fn draw_title(c: &mut Canvas, title: &Option<String>) {
    if let Some(t) = title {
        c.text(MARGIN as i64, MARGIN as i64, t, TEXT_SCALE, Align::Left, Rgba::INK);
    }
}

/// Paint display-resolution map colours into the canvas at the placement.
pub(crate) fn paint_map(c: &mut Canvas, p: &MapPlacement, colors: impl Iterator<Item = Rgba>) {
    for (i, col) in colors.enumerate() {
        let (x, y) = (i % p.width, i / p.width);
        c.put((p.x + x) as i64, (p.y + y) as i64, col);
    }
}
