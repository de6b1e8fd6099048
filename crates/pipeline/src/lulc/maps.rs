//! The class, probability and uncertainty maps of a lulc method over a whole raster.

use crate::error::{Result, ensure};
use crate::blocks::pixel::{entropy_margin, UNCERTAINTY_BANDS};
use std::path::Path;
use terradl_geo::geotiff::{write_geotiff, ColorMap, WriteOptions};
use terradl_geo::{DType, Raster};
use terradl_predict::CLASS_NODATA;
use terradl_train::lulc::map_argmax;

/// `{prefix}classes.tif` (uint8 + colour table), `{prefix}probabilities.tif` and
/// `{prefix}uncertainty.tif` (entropy, margin) from a band-major probability map of `img`'s
/// pixels, georeferenced like `img`; pixels with nodata in any band of `img` are nodata.
pub(super) fn write_maps(img: &Raster, dir: &Path, prefix: &str, proba: &[f32], names: &[String], colors: &[[u8; 3]]) -> Result<()> {
    let (n, k) = (img.pixels(), names.len());
    ensure!(proba.len() == n * k, "{} probabilities for {n} pixels x {k} classes", proba.len());
    let valid = img.valid_mask();
    let classes: Vec<f32> =
        map_argmax(proba, k).iter().zip(&valid).map(|(&c, &v)| if v { c as f32 } else { CLASS_NODATA }).collect();
    let mut class_raster = Raster::from_vec(1, img.rows, img.cols, DType::U8, classes)?.with_georef_of(img);
    class_raster.nodata = Some(CLASS_NODATA as f64);
    let opts = WriteOptions { tile_size: Some(256), colormap: ColorMap::new(colors.to_vec()), ..WriteOptions::default() };
    write_geotiff(dir.join(format!("{prefix}classes.tif")), &class_raster, &opts)?;
    let mut probs = proba.to_vec();
    let mut unc = vec![f32::NAN; UNCERTAINTY_BANDS.len() * n];
    let mut row = vec![0f32; k];
    for p in 0..n {
        if valid[p] {
            for (c, v) in row.iter_mut().enumerate() {
                *v = proba[c * n + p];
            }
            (unc[p], unc[n + p]) = entropy_margin(&row);
        } else {
            for c in 0..k {
                probs[c * n + p] = f32::NAN;
            }
        }
    }
    let float = WriteOptions { tile_size: Some(256), ..WriteOptions::default() };
    for (name, bands, values) in [("probabilities", k, probs), ("uncertainty", UNCERTAINTY_BANDS.len(), unc)] {
        let mut r = Raster::from_vec(bands, img.rows, img.cols, DType::F32, values)?.with_georef_of(img);
        r.nodata = Some(f64::NAN);
        write_geotiff(dir.join(format!("{prefix}{name}.tif")), &r, &float)?;
    }
    Ok(())
}
