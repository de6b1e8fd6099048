//! Writing a whole in-memory raster as a GeoTIFF (striped or tiled).

use super::gdal_metadata::encode_band_names;
use super::geokeys::GeoKeys;
use super::georef::TransformTags;
use super::ifd::tag;
use super::tiff_file::Value;
use super::{ColorMap, Compression, Predictor, RasterSpec, TiledGeoTiffWriter};
use crate::{DType, GeoError, Raster, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// When to write BigTIFF (64-bit offsets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum BigTiff {
    /// BigTIFF when the uncompressed data approaches 4 GiB.
    #[default]
    Auto,
    /// Always BigTIFF.
    Always,
    /// Never BigTIFF (fails past 4 GiB).
    Never,
}

/// How to write a GeoTIFF.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WriteOptions {
    /// Compression of the pixel data.
    pub compression: Compression,
    /// Horizontal for integer data, FloatingPoint for `f32` compress better.
    pub predictor: Predictor,
    /// Square tile size (multiple of 16); `None` writes strips.
    pub tile_size: Option<u32>,
    /// Colour table for a single-band `u8` class map.
    pub colormap: Option<ColorMap>,
    /// When to write BigTIFF.
    pub bigtiff: BigTiff,
    /// Band names, written as GDAL band descriptions (GDAL_METADATA tag);
    /// empty: none, else exactly one per band.
    pub band_names: Vec<String>,
}

impl Default for WriteOptions {
    /// Deflate, no predictor, strips, no palette, BigTIFF when needed, no band names.
    fn default() -> Self {
        WriteOptions {
            compression: Compression::Deflate,
            predictor: Predictor::None,
            tile_size: None,
            colormap: None,
            bigtiff: BigTiff::Auto,
            band_names: Vec::new(),
        }
    }
}

impl WriteOptions {
    /// Check the options against what will be written.
    pub fn validate(&self, spec: &RasterSpec) -> Result<()> {
        if spec.cols == 0 || spec.rows == 0 || spec.bands == 0 {
            return Err(GeoError::EmptyRaster { cols: spec.cols, rows: spec.rows, bands: spec.bands });
        }
        if spec.cols > u32::MAX as usize || spec.rows > u32::MAX as usize || spec.bands > u16::MAX as usize {
            return Err(GeoError::Invalid(format!("raster {}x{}x{} is too large for TIFF", spec.cols, spec.rows, spec.bands)));
        }
        if self.colormap.is_some() && (spec.bands != 1 || spec.dtype != DType::U8) {
            return Err(GeoError::Invalid(format!(
                "a colour table needs a single-band u8 raster, not {} band(s) of {}",
                spec.bands,
                spec.dtype.gdal_name()
            )));
        }
        if !self.band_names.is_empty() && self.band_names.len() != spec.bands {
            return Err(GeoError::Invalid(format!(
                "{} band names for {} band(s)",
                self.band_names.len(),
                spec.bands
            )));
        }
        if self.predictor == Predictor::FloatingPoint && spec.dtype != DType::F32 {
            return Err(GeoError::Invalid(format!(
                "the floating-point predictor needs f32 data, not {}",
                spec.dtype.gdal_name()
            )));
        }
        Ok(())
    }
}

/// Every tag except the chunk layout ones.
pub(crate) fn image_tags(spec: &RasterSpec, options: &WriteOptions) -> Vec<(u16, Value)> {
    let bands = spec.bands;
    let (bits, format) = match spec.dtype {
        DType::U8 => (8, 1),
        DType::U16 => (16, 1),
        DType::I16 => (16, 2),
        DType::F32 => (32, 3),
    };
    let mut tags = vec![
        (tag::IMAGE_WIDTH, Value::Long(vec![spec.cols as u32])),
        (tag::IMAGE_LENGTH, Value::Long(vec![spec.rows as u32])),
        (tag::BITS_PER_SAMPLE, Value::Short(vec![bits; bands])),
        (tag::COMPRESSION, Value::Short(vec![options.compression.code()])),
        (tag::PHOTOMETRIC, Value::Short(vec![if options.colormap.is_some() { 3 } else { 1 }])),
        (tag::SAMPLES_PER_PIXEL, Value::Short(vec![bands as u16])),
        (tag::PLANAR_CONFIGURATION, Value::Short(vec![1])),
        (tag::SAMPLE_FORMAT, Value::Short(vec![format; bands])),
    ];
    if bands > 1 {
        tags.push((tag::EXTRA_SAMPLES, Value::Short(vec![0; bands - 1])));
    }
    if options.predictor != Predictor::None {
        tags.push((tag::PREDICTOR, Value::Short(vec![options.predictor.code()])));
    }
    if let Some(cm) = &options.colormap {
        tags.push((tag::COLOR_MAP, Value::Short(cm.to_tiff_tag())));
    }
    let t = TransformTags::from_geotransform(&spec.transform);
    if let Some(v) = t.pixel_scale {
        tags.push((tag::MODEL_PIXEL_SCALE, Value::Double(v)));
    }
    if let Some(v) = t.tiepoint {
        tags.push((tag::MODEL_TIEPOINT, Value::Double(v)));
    }
    if let Some(v) = t.transformation {
        tags.push((tag::MODEL_TRANSFORMATION, Value::Double(v)));
    }
    if let Some((dir, ascii)) = GeoKeys::encode(&spec.crs) {
        tags.push((tag::GEO_KEY_DIRECTORY, Value::Short(dir)));
        if let Some(a) = ascii {
            tags.push((tag::GEO_ASCII_PARAMS, Value::Ascii(a)));
        }
    }
    if let Some(nd) = spec.nodata {
        tags.push((tag::GDAL_NODATA, Value::Ascii(format_nodata(nd))));
    }
    if !options.band_names.is_empty() {
        tags.push((tag::GDAL_METADATA, Value::Ascii(encode_band_names(&options.band_names))));
    }
    tags
}

/// GDAL_NODATA text: integers without a decimal point, NaN as `nan`.
fn format_nodata(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{v}")
    }
}

/// Write a raster as a GeoTIFF with its sample type, all bands (pixel
/// interleaved), georeferencing, EPSG GeoKeys, GDAL_NODATA and an optional
/// palette. Chunks are compressed in parallel. The file appears atomically.
///
/// ```
/// use terradl_geo::geotiff::{read_geotiff, write_geotiff, WriteOptions};
/// use terradl_geo::{Crs, DType, GeoTransform, Raster};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("dem.tif");
/// let mut r = Raster::from_vec(1, 2, 3, DType::I16, vec![1., -2., 3., 4., 5., -6.]).unwrap();
/// r.transform = GeoTransform::north_up(450_000.0, 4_400_000.0, 30.0, 30.0);
/// r.crs = Crs::projected(32613);
/// r.nodata = Some(-9999.0);
/// write_geotiff(&path, &r, &WriteOptions::default()).unwrap();
/// assert_eq!(read_geotiff(&path).unwrap(), r);
/// ```
pub fn write_geotiff(path: impl AsRef<Path>, raster: &Raster, options: &WriteOptions) -> Result<()> {
    let spec = RasterSpec::of(raster);
    if raster.data.len() != raster.bands * raster.rows * raster.cols {
        return Err(GeoError::Invalid(format!(
            "raster data has {} samples, expected {}x{}x{}",
            raster.data.len(),
            raster.bands,
            raster.rows,
            raster.cols
        )));
    }
    let (w, h, tiled) = match options.tile_size {
        Some(t) => (t as usize, t as usize, true),
        None => {
            // Strips of about 256 KiB uncompressed: large enough to compress well.
            let row_bytes = raster.cols.max(1) * raster.bands.max(1) * raster.dtype.size();
            (raster.cols, (262_144 / row_bytes).clamp(1, raster.rows.max(1)), false)
        }
    };
    let mut writer = TiledGeoTiffWriter::create_chunked(path.as_ref(), spec, options, w, h, tiled)?;
    let tiles: Vec<(usize, usize)> = writer.tiles().collect();
    // Compress a batch in parallel, then append in order: bounded memory, deterministic output.
    let batch = 4 * rayon::current_num_threads().max(1);
    for group in tiles.chunks(batch) {
        let encoded = group
            .par_iter()
            .map(|&(tc, tr)| {
                let block = raster.window(writer.tile_window(tc, tr))?;
                writer.encode_tile(tc, tr, &block.data)
            })
            .collect::<Result<Vec<_>>>()?;
        for t in encoded {
            writer.write_encoded(t)?;
        }
    }
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodata_text() {
        assert_eq!(format_nodata(-9999.0), "-9999");
        assert_eq!(format_nodata(0.5), "0.5");
        assert_eq!(format_nodata(f64::NAN), "nan");
    }

    #[test]
    fn options_are_validated() {
        let spec = RasterSpec::of(&Raster::new(2, 4, 4, DType::U8));
        let with_cm = WriteOptions { colormap: ColorMap::new(vec![[1, 2, 3]]), ..WriteOptions::default() };
        assert!(with_cm.validate(&spec).unwrap_err().to_string().contains("single-band u8"));
        let fp = WriteOptions { predictor: Predictor::FloatingPoint, ..WriteOptions::default() };
        assert!(fp.validate(&spec).is_err());
        assert!(WriteOptions::default().validate(&spec).is_ok());
        let empty = RasterSpec::of(&Raster::new(1, 0, 4, DType::U8));
        assert!(matches!(WriteOptions::default().validate(&empty), Err(GeoError::EmptyRaster { .. })));
    }
}
