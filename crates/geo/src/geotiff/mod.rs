//! GeoTIFF reading and writing in pure Rust.
//!
//! - [`GeoTiffReader`]: metadata at open ([`RasterInfo`]), whole or windowed
//!   reads that decode only the tiles/strips a window touches (optionally in
//!   parallel). u8/u16/i16/f32, 1..N bands, chunky or planar, striped or
//!   tiled, none/LZW/Deflate/ZSTD/PackBits, predictors 2 and 3, BigTIFF.
//! - [`write_geotiff`]: a whole [`Raster`](crate::Raster), striped or tiled,
//!   with georeferencing, EPSG GeoKeys, GDAL_NODATA, band names and an optional palette.
//! - [`TiledGeoTiffWriter`]: streaming tiled output larger than memory.
//! - [`CogWriter`]: Cloud Optimized GeoTIFF (overviews, IFDs before the data).
//!
//! The TIFF structure (IFD parsing and writing) is ours; compression uses
//! `libdeflater`, `flate2`, `weezl` and `zstd`. Writes are atomic (temp file + rename).

mod codec;
mod cog;
mod colormap;
mod embedded;
mod gdal_metadata;
mod geokeys;
mod georef;
mod huge_pages;
mod ifd;
mod info;
mod lzw;
mod reader;
mod sample;
mod tiff_file;
mod tiled_writer;
mod writer;

pub use cog::{overview_count, CogWriter};
pub use colormap::ColorMap;
pub(crate) use embedded::georef_from_tiff_bytes;
pub use geokeys::GeoKeys;
pub use georef::TransformTags;
pub use info::{compression_name, Compression, Predictor, RasterInfo, RasterSpec};
pub use reader::{read_geotiff, GeoTiffReader};
pub use sample::Sample;
pub use tiled_writer::{EncodedTile, TiledGeoTiffWriter};
pub use writer::{write_geotiff, BigTiff, WriteOptions};
