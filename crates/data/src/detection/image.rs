//! Loading RGB imagery for detection into a [`Raster`] (3 bands, values 0–255).

use super::error::{DetectionDataError, Result};
use std::io::BufReader;
use std::path::Path;
use terradl_geo::{DType, Raster};

/// Read an 8- or 16-bit PNG into a 3-band raster (grey is replicated, alpha dropped;
/// 16-bit samples are reduced to 8 bits). PNGs carry no georeferencing, so the
/// raster's transform is the identity (world = pixel coordinates).
pub fn read_png_rgb(path: impl AsRef<Path>) -> Result<Raster> {
    let path = path.as_ref();
    let bad = |e: Box<dyn std::error::Error + Send + Sync>| DetectionDataError::Image { path: path.to_path_buf(), source: e };
    let file = std::fs::File::open(path).map_err(|e| DetectionDataError::io(path, e))?;
    let mut decoder = png::Decoder::new(BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| bad(e.into()))?;
    let size = reader.output_buffer_size().ok_or_else(|| bad("image too large".into()))?;
    let mut buf = vec![0u8; size];
    let info = reader.next_frame(&mut buf).map_err(|e| bad(e.into()))?;
    let (w, h) = (info.width as usize, info.height as usize);
    let channels = match info.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err(bad("indexed colour was not expanded".into())),
    };
    let mut data = vec![0f32; 3 * w * h];
    let plane = w * h;
    for (p, px) in buf[..info.buffer_size()].chunks_exact(channels).enumerate().take(plane) {
        for b in 0..3 {
            let c = if channels >= 3 { b } else { 0 };
            data[b * plane + p] = px[c] as f32;
        }
    }
    Raster::from_vec(3, h, w, DType::U8, data).map_err(|e| bad(e.into()))
}

/// Read an RGB image for detection: PNG, or GeoTIFF (keeping its georeferencing)
/// via terradl-geo. Rasters with more than 3 bands keep the first three; 1-band
/// rasters are replicated to three.
pub fn read_rgb_image(path: impl AsRef<Path>) -> Result<Raster> {
    let path = path.as_ref();
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "png" => read_png_rgb(path),
        "tif" | "tiff" => {
            let bad = |e: Box<dyn std::error::Error + Send + Sync>| DetectionDataError::Image { path: path.to_path_buf(), source: e };
            let r = terradl_geo::geotiff::GeoTiffReader::open(path)
                .and_then(|reader| reader.read())
                .map_err(|e| bad(e.into()))?;
            to_rgb(r).map_err(|e| bad(e.into()))
        }
        other => Err(DetectionDataError::Image {
            path: path.to_path_buf(),
            source: format!("unsupported image format {other:?} (use PNG or GeoTIFF)").into(),
        }),
    }
}

/// Reduce or expand a raster to exactly three bands.
pub(crate) fn to_rgb(r: Raster) -> std::result::Result<Raster, String> {
    match r.bands {
        3 => Ok(r),
        0 => Err("raster has no bands".into()),
        1 | 2 => {
            let band = r.band(0).to_vec();
            let mut data = Vec::with_capacity(3 * band.len());
            for _ in 0..3 {
                data.extend_from_slice(&band);
            }
            Ok(Raster { bands: 3, data, ..r })
        }
        _ => {
            let n = r.pixels();
            let data = r.data[..3 * n].to_vec();
            Ok(Raster { bands: 3, data, ..r })
        }
    }
}
