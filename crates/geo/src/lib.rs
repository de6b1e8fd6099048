//! Geospatial foundations for terradl: rasters, georeferencing, GeoTIFF I/O,
//! vector labels, rasterisation, tiling, and the pixel / world boxes
//! ([`BBox`], [`Scored`]) every detection result is expressed in.
//!
//! ```
//! use terradl_geo::GeoTransform;
//! let gt = GeoTransform::north_up(500_000.0, 4_200_000.0, 10.0, 10.0);
//! let (x, y) = gt.pixel_to_world(1.0, 2.0);
//! assert_eq!((x, y), (500_010.0, 4_199_980.0));
//! ```

mod boxes;
pub mod crs;
pub mod error;
pub mod geotiff;
pub mod raster;
pub mod rasterize;
pub mod tile_grid;
pub mod transform;
pub mod vector;

pub use boxes::{BBox, Pixel, PixelBox, Scored, World, WorldBox};
pub use crs::Crs;
pub use error::{GeoError, Result};
pub use raster::{BandStats, DType, Raster, Window};
pub use transform::GeoTransform;
