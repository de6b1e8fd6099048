//! Geospatial foundations for terradl: rasters, georeferencing, GeoTIFF I/O,
//! JPEG 2000 input ([`read_raster`] reads either),
//! vector labels and their reprojection, rasterisation, tiling, and the pixel / world boxes
//! ([`BBox`], [`Scored`]) every detection result is expressed in.
//!
//! ```
//! use terradl_geo::GeoTransform;
//! let gt = GeoTransform::north_up(500_000.0, 4_200_000.0, 10.0, 10.0);
//! let (x, y) = gt.pixel_to_world(1.0, 2.0);
//! assert_eq!((x, y), (500_010.0, 4_199_980.0));
//! ```

mod boxes;
mod crs;
mod error;
pub mod geotiff;
pub mod jp2;
mod raster;
mod raster_reader;
mod rasterize;
mod reproject;
pub mod stack;
mod tile_grid;
mod transform;
pub mod vector;

pub use boxes::{BBox, Pixel, PixelBox, Scored, World, WorldBox};
pub use crs::Crs;
pub use error::{GeoError, Result};
pub use raster::{max_read_samples, BandStats, BandStatsAccumulator, DType, Raster, Window};
pub use raster_reader::{read_raster, RasterFormat, RasterReader};
pub use rasterize::{
    for_each_span, point_pixel, points_to_pixels, rasterize_layer_classes, rasterize_like, rasterize_polygons, PixelIndex,
    Polygonal, RasterizeOptions,
};
pub use reproject::{proj_definition, CrsTransform, ReprojectError};
pub use tile_grid::{Padding, Shard, Tile, TileGrid};
pub use transform::GeoTransform;
