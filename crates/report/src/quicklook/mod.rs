//! PNG quick-looks of rasters: class maps with a legend, continuous maps with
//! a colour bar, RGB composites with a percentile stretch, and detection-box
//! overlays. Large rasters are downsampled to a maximum display size.

mod boxes;
mod class_map;
mod continuous;
mod layout;
mod rgb;

pub use boxes::BoxStyle;
pub use class_map::class_map;
pub use continuous::{ContinuousStyle, continuous_map};
pub use layout::{ColorBar, LegendItem, MapPlacement};
pub use rgb::{Stretch, rgb_composite};

use crate::canvas::Canvas;

/// Options shared by all quick-looks.
#[derive(Debug, Clone, PartialEq)]
pub struct QuicklookOptions {
    /// Longest side of the map part of the image, in pixels (larger rasters are
    /// downsampled: nearest for classes, mean for continuous data).
    pub max_dim: usize,
    /// Rasters smaller than this are enlarged by pixel replication.
    pub min_dim: usize,
    /// Optional title drawn above the map.
    pub title: Option<String>,
}

impl Default for QuicklookOptions {
    fn default() -> Self {
        QuicklookOptions { max_dim: 1024, min_dim: 256, title: None }
    }
}

impl QuicklookOptions {
    /// Defaults with a title.
    pub fn titled(title: impl Into<String>) -> Self {
        QuicklookOptions { title: Some(title.into()), ..Default::default() }
    }
}

/// A rendered quick-look: the image and where the map sits inside it, so
/// overlays in raster pixel coordinates can be drawn afterwards.
#[derive(Debug, Clone, PartialEq)]
pub struct Quicklook {
    /// The rendered image (map, title, legend or colour bar).
    pub image: Canvas,
    /// Where the map sits inside `image`.
    pub map: MapPlacement,
    /// Legend swatches (class maps), in image pixels.
    pub legend: Vec<LegendItem>,
    /// Colour bar (continuous maps), in image pixels.
    pub color_bar: Option<ColorBar>,
}

impl Quicklook {
    /// Encode the image as PNG.
    pub fn to_png(&self) -> crate::Result<Vec<u8>> {
        self.image.to_png()
    }
}
