//! Metadata of a GeoTIFF: size, sample type, layout and georeferencing.

use super::ColorMap;
use crate::{Crs, DType, GeoTransform, Raster};
use serde::{Deserialize, Serialize};

/// Compression of the image data in a TIFF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Compression {
    /// Uncompressed (TIFF code 1).
    #[default]
    None,
    /// LZW (code 5).
    Lzw,
    /// Deflate / zlib (codes 8 and 32946).
    Deflate,
    /// Zstandard (code 50000).
    Zstd,
    /// PackBits run-length encoding (code 32773).
    PackBits,
}

impl Compression {
    /// The TIFF Compression tag value written for this method.
    pub fn code(self) -> u16 {
        match self {
            Compression::None => 1,
            Compression::Lzw => 5,
            Compression::Deflate => 8,
            Compression::Zstd => 50000,
            Compression::PackBits => 32773,
        }
    }

    /// Map a TIFF Compression tag value to a supported method, or the name
    /// of the unsupported one.
    pub fn from_code(code: u16) -> std::result::Result<Self, String> {
        Ok(match code {
            1 => Compression::None,
            5 => Compression::Lzw,
            8 | 32946 => Compression::Deflate,
            50000 => Compression::Zstd,
            32773 => Compression::PackBits,
            other => return Err(compression_name(other)),
        })
    }
}

/// Human-readable name of a TIFF compression code (for error messages).
pub fn compression_name(code: u16) -> String {
    let name = match code {
        1 => "none",
        2 => "CCITT RLE",
        3 => "CCITT Group 3 fax",
        4 => "CCITT Group 4 fax",
        5 => "LZW",
        6 => "old-style JPEG",
        7 => "JPEG",
        8 | 32946 => "Deflate",
        32773 => "PackBits",
        34676 => "SGI LogLuv",
        34887 => "LERC",
        34925 => "LZMA",
        50000 => "ZSTD",
        50001 => "WebP",
        50002 => "JPEG-XL",
        _ => "unknown",
    };
    format!("{name} compression (TIFF code {code})")
}

/// TIFF predictor applied before compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Predictor {
    /// No prediction (code 1).
    #[default]
    None,
    /// Horizontal differencing of integer samples (code 2).
    Horizontal,
    /// Floating-point byte-plane differencing (code 3), for `f32` samples.
    FloatingPoint,
}

impl Predictor {
    /// TIFF Predictor tag value.
    pub fn code(self) -> u16 {
        match self {
            Predictor::None => 1,
            Predictor::Horizontal => 2,
            Predictor::FloatingPoint => 3,
        }
    }
}

/// Everything [`GeoTiffReader::open`](super::GeoTiffReader::open) learns
/// from a file's header, without decoding any pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RasterInfo {
    /// Width in pixels.
    pub cols: usize,
    /// Height in pixels.
    pub rows: usize,
    /// Number of bands.
    pub bands: usize,
    /// Sample type on disk.
    pub dtype: DType,
    /// Pixel-to-world affine transform.
    pub transform: GeoTransform,
    /// Coordinate reference system.
    pub crs: Crs,
    /// Nodata value (GDAL_NODATA tag), if any.
    pub nodata: Option<f64>,
    /// Compression of the pixel data.
    pub compression: Compression,
    /// Predictor applied before compression.
    pub predictor: Predictor,
    /// `Some((tile_width, tile_height))` for tiled files, `None` for strips.
    pub tiled: Option<(u32, u32)>,
    /// True for BigTIFF (64-bit offsets).
    pub bigtiff: bool,
    /// Band-interleaved (PlanarConfiguration = 2) rather than pixel-interleaved.
    pub planar: bool,
    /// Palette of a single-band `u8` file with a colour table.
    pub colormap: Option<ColorMap>,
    /// Band names (GDAL band descriptions), one per band (empty where a band
    /// has none); empty when the file names no band.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub band_names: Vec<String>,
}

impl RasterInfo {
    /// Size and georeferencing as a [`RasterSpec`] (e.g. to create a writer
    /// for an output on the same grid).
    pub fn spec(&self) -> RasterSpec {
        RasterSpec {
            cols: self.cols,
            rows: self.rows,
            bands: self.bands,
            dtype: self.dtype,
            transform: self.transform,
            crs: self.crs.clone(),
            nodata: self.nodata,
        }
    }
}

/// Shape, sample type and georeferencing of a raster to be written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RasterSpec {
    /// Width in pixels.
    pub cols: usize,
    /// Height in pixels.
    pub rows: usize,
    /// Number of bands.
    pub bands: usize,
    /// Sample type on disk.
    pub dtype: DType,
    /// Pixel-to-world affine transform.
    pub transform: GeoTransform,
    /// Coordinate reference system.
    pub crs: Crs,
    /// Nodata value to record, if any.
    pub nodata: Option<f64>,
}

impl RasterSpec {
    /// Spec of an in-memory raster.
    pub fn of(r: &Raster) -> RasterSpec {
        RasterSpec {
            cols: r.cols,
            rows: r.rows,
            bands: r.bands,
            dtype: r.dtype,
            transform: r.transform,
            crs: r.crs.clone(),
            nodata: r.nodata,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_codes_round_trip_and_name_unsupported() {
        for c in [Compression::None, Compression::Lzw, Compression::Deflate, Compression::Zstd, Compression::PackBits] {
            assert_eq!(Compression::from_code(c.code()), Ok(c));
        }
        assert_eq!(Compression::from_code(32946), Ok(Compression::Deflate));
        let e = Compression::from_code(7).unwrap_err();
        assert!(e.contains("JPEG") && e.contains('7'), "{e}");
        assert!(Compression::from_code(34887).unwrap_err().contains("LERC"));
    }
}
