//! JPEG 2000 input: Sentinel-2 bands and other `.jp2` / `.j2k` images, read
//! into a [`Raster`](crate::Raster) with their georeferencing.
//!
//! - Pixels: the pure-Rust `hayro-jpeg2000` decoder (16-bit Sentinel-2 L1C
//!   bands decode to the same values as GDAL's JP2OpenJPEG driver). Every
//!   codestream component is a band; palette images give the palette's
//!   columns; sub-sampled components are refused.
//! - Georeferencing: the GMLJP2 XML box (`gml:RectifiedGrid`: EPSG code from
//!   `srsName`, origin, offset vectors; GML's pixel-centre origin is moved to
//!   the pixel corner as GDAL does), else the GeoJP2 UUID box (a degenerate
//!   GeoTIFF read with the GeoTIFF reader's GeoKey decoding); neither gives
//!   the identity transform and an unknown CRS, with a warning.
//! - Safety: box lengths and the codestream's SIZ header are checked before
//!   decoding, images above [`MAX_SAMPLES`] are refused before any
//!   allocation, and a decoder panic on hostile input becomes
//!   [`GeoError::Jp2Decode`](crate::GeoError::Jp2Decode).
//!
//! [`RasterReader`](crate::RasterReader) and [`read_raster`](crate::read_raster)
//! pick this reader or the GeoTIFF one from the file's first bytes.

mod boxes;
mod decode;
mod georef;
mod gml;
mod reader;
mod siz;

pub(crate) use boxes::is_jpeg2000;
pub use georef::GeorefSource;
pub use reader::{read_jp2, Jp2Reader, MAX_SAMPLES};
