//! Band stacking on a common grid: bands of different files and resolutions (Sentinel-2's
//! 10, 20 and 60 m bands) resampled onto one north-up grid and kept as one multi-band
//! raster with band names.
//!
//! The grid is the intersection of the inputs' extents, at the finest input pixel size
//! unless another resolution is asked for, aligned on the finest input's pixel edges.
//! Inputs must share a CRS (terradl does not warp rasters) and be north-up.
//!
//! ```no_run
//! use terradl_geo::stack::{stack_bands, StackBand, StackOptions, Resampling};
//! let bands = ["B04.jp2", "B08.jp2", "B11.jp2"].map(|p| StackBand::all(p)).to_vec();
//! let stacked = stack_bands(&bands, &StackOptions { resampling: Resampling::Bilinear, ..Default::default() })?;
//! assert_eq!(stacked.band_names, ["B04", "B08", "B11"]);
//! # Ok::<(), terradl_geo::GeoError>(())
//! ```

mod resample;

pub use resample::Resampling;

use crate::{Crs, DType, GeoError, GeoTransform, Raster, RasterReader, Result};
use resample::{axis_taps, resample_band};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One input of a stack: a raster file and which of its bands to take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackBand {
    /// GeoTIFF or JPEG 2000 file.
    pub path: PathBuf,
    /// 1-based band of the file (GDAL's numbering); every band when omitted.
    #[serde(default)]
    pub band: Option<usize>,
    /// Name of the band in the stack; derived from the file name when omitted.
    #[serde(default)]
    pub name: Option<String>,
}

impl StackBand {
    /// Every band of `path`, named after the file.
    pub fn all(path: impl Into<PathBuf>) -> Self {
        StackBand { path: path.into(), band: None, name: None }
    }
}

/// Grid and resampling of a stack.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StackOptions {
    /// Output pixel size in CRS units; the finest input pixel size when omitted.
    pub resolution: Option<f64>,
    /// How bands on another grid are resampled.
    pub resampling: Resampling,
}

/// A stacked raster and the name of each of its bands.
#[derive(Debug, Clone)]
pub struct Stacked {
    /// The bands on the common grid, in input order.
    pub raster: Raster,
    /// One name per band.
    pub band_names: Vec<String>,
}

/// What a stack input looks like, read from its header.
struct Input {
    path: PathBuf,
    reader: RasterReader,
    /// 0-based bands taken.
    bands: Vec<usize>,
    names: Vec<String>,
}

fn invalid(path: &Path, reason: impl Into<String>) -> GeoError {
    GeoError::Stack { path: path.to_path_buf(), reason: reason.into() }
}

/// Open the inputs and check bands and names.
fn open_inputs(bands: &[StackBand]) -> Result<Vec<Input>> {
    if bands.is_empty() {
        return Err(GeoError::Invalid("nothing to stack: no input bands".into()));
    }
    let stems: Vec<String> =
        bands.iter().map(|b| b.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()).collect();
    let short = short_names(&stems);
    let mut inputs = Vec::with_capacity(bands.len());
    for (i, b) in bands.iter().enumerate() {
        let reader = RasterReader::open(&b.path)?;
        let info = reader.info();
        let (taken, names) = match b.band {
            Some(0) => return Err(invalid(&b.path, "band numbers start at 1")),
            Some(n) if n > info.bands => {
                return Err(invalid(&b.path, format!("band {n} requested but the file has {} band(s)", info.bands)));
            }
            Some(n) => (vec![n - 1], vec![b.name.clone().unwrap_or_else(|| band_name(&short[i], info, n - 1))]),
            None => {
                let base = b.name.as_deref().unwrap_or(&short[i]);
                let names = if info.bands == 1 {
                    vec![b.name.clone().unwrap_or_else(|| band_name(&short[i], info, 0))]
                } else {
                    (0..info.bands)
                        .map(|k| match (&b.name, info.band_names.get(k).filter(|n| !n.is_empty())) {
                            (None, Some(n)) => n.clone(),
                            _ => format!("{base}_{}", k + 1),
                        })
                        .collect()
                };
                ((0..info.bands).collect(), names)
            }
        };
        if !info.transform.is_north_up() {
            return Err(invalid(&b.path, "the geotransform is rotated; only north-up rasters can be stacked"));
        }
        inputs.push(Input { path: b.path.clone(), reader, bands: taken, names });
    }
    let mut seen = std::collections::HashSet::new();
    for n in inputs.iter().flat_map(|i| &i.names) {
        if !seen.insert(n.as_str()) {
            return Err(GeoError::Invalid(format!("two stacked bands are both named {n:?}; give `name`s")));
        }
    }
    Ok(inputs)
}

/// A single-band input's name: the band's own name in the file when it has one, else the
/// shortened file name.
fn band_name(short: &str, info: &crate::geotiff::RasterInfo, band: usize) -> String {
    match info.band_names.get(band).filter(|n| !n.is_empty()) {
        Some(n) if info.bands > 1 => n.clone(),
        _ => short.to_string(),
    }
}

/// File stems without the prefix they all share, cut at its last `_`, `-` or `.`
/// (`T33UUU_20170216T102101_B02` -> `B02`); whole stems when that would leave one empty.
fn short_names(stems: &[String]) -> Vec<String> {
    if stems.len() < 2 {
        return stems.to_vec();
    }
    let first = &stems[0];
    let mut common = first.len();
    for s in &stems[1..] {
        common = common.min(first.bytes().zip(s.bytes()).take_while(|(a, b)| a == b).count());
    }
    let cut = first[..common].rfind(['_', '-', '.']).map_or(0, |i| i + 1);
    let short: Vec<String> = stems.iter().map(|s| s[cut..].to_string()).collect();
    if short.iter().any(|s| s.is_empty()) { stems.to_vec() } else { short }
}

/// The common grid: transform, columns, rows and CRS.
fn common_grid(inputs: &[Input], resolution: Option<f64>) -> Result<(GeoTransform, usize, usize, Crs)> {
    let mut crs: Option<(&Path, &Crs)> = None;
    for i in inputs {
        let c = &i.reader.info().crs;
        match crs {
            Some((first, fc)) if fc.conflicts_with(c) => {
                return Err(GeoError::CrsMismatch {
                    what: format!("{} (stack input)", i.path.display()),
                    found: c.label(),
                    expected: format!("{} (the CRS of {})", fc.label(), first.display()),
                });
            }
            Some((_, fc)) if fc.epsg.is_some() || c.epsg.is_none() => {}
            _ => crs = Some((&i.path, c)),
        }
    }
    let crs = crs.map(|(_, c)| c.clone()).unwrap_or_default();
    // The finest input sets the alignment.
    let size = |i: &Input| i.reader.info().transform.0[1].abs().min(i.reader.info().transform.0[5].abs());
    let finest = inputs.iter().min_by(|a, b| size(a).total_cmp(&size(b))).expect("inputs are not empty");
    let res = resolution.unwrap_or_else(|| size(finest));
    if !(res.is_finite() && res > 0.0) {
        return Err(GeoError::Invalid(format!("stack resolution must be positive, got {res}")));
    }
    // Intersection of the extents.
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MIN, f64::MAX, f64::MIN, f64::MAX);
    for i in inputs {
        let info = i.reader.info();
        let (ax, ay) = info.transform.pixel_to_world(0.0, 0.0);
        let (bx, by) = info.transform.pixel_to_world(info.cols as f64, info.rows as f64);
        x0 = x0.max(ax.min(bx));
        x1 = x1.min(ax.max(bx));
        y0 = y0.max(ay.min(by));
        y1 = y1.min(ay.max(by));
    }
    if x1 - x0 < res * 0.5 || y1 - y0 < res * 0.5 {
        let names: Vec<String> = inputs.iter().map(|i| i.path.display().to_string()).collect();
        return Err(GeoError::Invalid(format!(
            "the stack inputs do not overlap (common extent x {x0:.3}..{x1:.3}, y {y0:.3}..{y1:.3}): {}",
            names.join(", ")
        )));
    }
    // Align the left and top edges on the finest input's pixel edges.
    let (fx, fy) = finest.reader.info().transform.pixel_to_world(0.0, 0.0);
    let snap = |v: f64, origin: f64, up: bool| {
        let k = (v - origin) / res;
        let k = if up { (k - 1e-6).ceil() } else { (k + 1e-6).floor() };
        origin + k * res
    };
    let left = snap(x0, fx, true);
    let top = snap(y1, fy, false);
    let cols = ((x1 - left) / res + 1e-6).floor() as usize;
    let rows = ((top - y0) / res + 1e-6).floor() as usize;
    if cols == 0 || rows == 0 {
        return Err(GeoError::Invalid("the stack inputs overlap by less than one output pixel".into()));
    }
    Ok((GeoTransform::north_up(left, top, res, res), cols, rows, crs))
}

/// Read, resample and stack `bands` onto their common grid (see the module docs). Bands keep
/// their data type when all inputs share it (rounded for integer types after bilinear or
/// average resampling, as GDAL does); mixed types give `float32`.
pub fn stack_bands(bands: &[StackBand], options: &StackOptions) -> Result<Stacked> {
    let inputs = open_inputs(bands)?;
    let (transform, cols, rows, crs) = common_grid(&inputs, options.resolution)?;
    let n_bands: usize = inputs.iter().map(|i| i.bands.len()).sum();
    let samples = (n_bands as u64) * (cols as u64) * (rows as u64);
    if samples > (1u64 << 32) {
        return Err(GeoError::Invalid(format!(
            "a {cols} x {rows} x {n_bands} stack ({samples} samples) is too large to build in memory; stack a window"
        )));
    }
    let dtypes: Vec<DType> = inputs.iter().map(|i| i.reader.info().dtype).collect();
    let dtype = if dtypes.iter().all(|&d| d == dtypes[0]) { dtypes[0] } else { DType::F32 };
    let nodatas: Vec<Option<f64>> = inputs.iter().map(|i| i.reader.info().nodata).collect();
    let nodata = match nodatas.iter().flatten().next() {
        None => None,
        Some(&v) if nodatas.iter().flatten().all(|&w| w == v) => Some(v),
        Some(_) => Some(f64::NAN),
    };
    let dtype = if nodata.is_some_and(f64::is_nan) { DType::F32 } else { dtype };
    let fill = nodata.map_or(0.0, |v| v as f32);
    let mut out = Raster::new(n_bands, rows, cols, dtype);
    out.transform = transform;
    out.crs = crs;
    out.nodata = nodata;
    let mut names = Vec::with_capacity(n_bands);
    let mut b = 0;
    for input in &inputs {
        let info = input.reader.info();
        let t = info.transform.0;
        // Output pixel edges in source pixel units.
        let (sx, sy) = info.transform.world_to_pixel(transform.0[0], transform.0[3]).ok_or_else(|| invalid(&input.path, "singular geotransform"))?;
        let col_taps = axis_taps(options.resampling, sx, transform.0[1] / t[1], cols, info.cols);
        let row_taps = axis_taps(options.resampling, sy, transform.0[5] / t[5], rows, info.rows);
        for (&band, name) in input.bands.iter().zip(&input.names) {
            let src = input.reader.read_band(band)?;
            tracing::debug!(path = %input.path.display(), band, "stacking");
            resample_band(&src.data, src.cols, src.nodata, &col_taps, &row_taps, fill, out.band_mut(b));
            if dtype != DType::F32 && options.resampling != Resampling::Nearest {
                out.band_mut(b).iter_mut().for_each(|v| *v = v.round());
            }
            names.push(name.clone());
            b += 1;
        }
    }
    Ok(Stacked { raster: out, band_names: names })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geotiff::{write_geotiff, WriteOptions};

    fn write(dir: &Path, name: &str, r: &Raster) -> PathBuf {
        let p = dir.join(name);
        write_geotiff(&p, r, &WriteOptions::default()).unwrap();
        p
    }

    fn band(cols: usize, rows: usize, x0: f64, y0: f64, res: f64, epsg: u32, f: impl Fn(usize, usize) -> f32) -> Raster {
        let data = (0..rows).flat_map(|r| (0..cols).map(move |c| (r, c))).map(|(r, c)| f(r, c)).collect();
        let mut r = Raster::from_vec(1, rows, cols, DType::U16, data).unwrap();
        r.transform = GeoTransform::north_up(x0, y0, res, res);
        r.crs = Crs::projected(epsg);
        r
    }

    #[test]
    fn stacks_10_20_and_60_m_bands_on_the_10_m_grid() {
        let dir = tempfile::tempdir().unwrap();
        let b10 = write(dir.path(), "T_B02.tif", &band(12, 6, 1000.0, 2000.0, 10.0, 32633, |r, c| (r * 12 + c) as f32));
        let b20 = write(dir.path(), "T_B05.tif", &band(6, 3, 1000.0, 2000.0, 20.0, 32633, |r, c| (100 + r * 6 + c) as f32));
        let b60 = write(dir.path(), "T_B01.tif", &band(2, 1, 1000.0, 2000.0, 60.0, 32633, |_, c| (500 + c) as f32));
        let inputs: Vec<StackBand> = [&b10, &b20, &b60].map(|p| StackBand::all(p.clone())).to_vec();
        let s = stack_bands(&inputs, &StackOptions { resampling: Resampling::Nearest, ..Default::default() }).unwrap();
        assert_eq!(s.band_names, ["B02", "B05", "B01"]);
        let r = &s.raster;
        assert_eq!((r.bands, r.rows, r.cols, r.dtype), (3, 6, 12, DType::U16));
        assert_eq!(r.transform, GeoTransform::north_up(1000.0, 2000.0, 10.0, 10.0));
        assert_eq!(r.crs.epsg, Some(32633));
        assert_eq!(r.get(0, 5, 11), 71.0);
        // 20 m pixel (1, 2) covers 10 m rows 2-3, columns 4-5.
        for (row, col) in [(2, 4), (2, 5), (3, 4), (3, 5)] {
            assert_eq!(r.get(1, row, col), 108.0);
        }
        assert_eq!(r.get(2, 0, 5), 500.0);
        assert_eq!(r.get(2, 5, 6), 501.0);
        // Bilinear keeps the type, rounding; a 30 m grid averages 3 x 3 10 m pixels.
        let avg = StackOptions { resolution: Some(30.0), resampling: Resampling::Average };
        let s = stack_bands(&inputs[..1], &avg).unwrap();
        assert_eq!((s.raster.rows, s.raster.cols), (2, 4));
        assert_eq!(s.raster.get(0, 0, 0), 13.0);
    }

    #[test]
    fn intersects_extents_and_names_bands() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a.tif", &band(10, 10, 0.0, 100.0, 10.0, 32633, |_, _| 1.0));
        // Shifted by 20 m east and 30 m south.
        let b = write(dir.path(), "b.tif", &band(10, 10, 20.0, 70.0, 10.0, 32633, |_, _| 2.0));
        let bands = vec![
            StackBand { path: a.clone(), band: Some(1), name: Some("red".into()) },
            StackBand { path: b.clone(), band: None, name: Some("nir".into()) },
        ];
        let s = stack_bands(&bands, &StackOptions::default()).unwrap();
        assert_eq!(s.band_names, ["red", "nir"]);
        assert_eq!((s.raster.cols, s.raster.rows), (8, 7));
        assert_eq!(s.raster.transform.0[0], 20.0);
        assert_eq!(s.raster.transform.0[3], 70.0);
        // Unnamed single-band files without a shared prefix keep their stems.
        let s = stack_bands(&[StackBand::all(a.clone()), StackBand::all(b.clone())], &StackOptions::default()).unwrap();
        assert_eq!(s.band_names, ["a", "b"]);
    }

    #[test]
    fn clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a.tif", &band(10, 10, 0.0, 100.0, 10.0, 32633, |_, _| 1.0));
        let far = write(dir.path(), "far.tif", &band(10, 10, 5000.0, 100.0, 10.0, 32633, |_, _| 1.0));
        let utm34 = write(dir.path(), "utm34.tif", &band(10, 10, 0.0, 100.0, 10.0, 32634, |_, _| 1.0));
        let err = |bands: Vec<StackBand>| stack_bands(&bands, &StackOptions::default()).unwrap_err().to_string();
        let e = err(vec![StackBand::all(a.clone()), StackBand::all(far.clone())]);
        assert!(e.contains("do not overlap") && e.contains("far.tif"), "{e}");
        let e = err(vec![StackBand::all(a.clone()), StackBand::all(utm34.clone())]);
        assert!(e.contains("EPSG:32634") && e.contains("EPSG:32633") && e.contains("utm34.tif"), "{e}");
        let e = err(vec![StackBand { path: a.clone(), band: Some(2), name: None }]);
        assert!(e.contains("band 2") && e.contains("1 band"), "{e}");
        let e = err(vec![StackBand::all(a.clone()), StackBand::all(a.clone())]);
        assert!(e.contains("both named"), "{e}");
        let e = err(vec![StackBand::all(dir.path().join("missing.jp2"))]);
        assert!(e.contains("missing.jp2"), "{e}");
        assert!(err(Vec::new()).contains("no input"));
    }

    #[test]
    fn short_names_cut_the_shared_prefix_at_a_separator() {
        let s = |v: &[&str]| short_names(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(s(&["T33UUU_20170216T102101_B02", "T33UUU_20170216T102101_B8A"]), ["B02", "B8A"]);
        assert_eq!(s(&["red", "redEdge"]), ["red", "redEdge"]);
        assert_eq!(s(&["scene_b1", "scene_b1"]), ["b1", "b1"]);
        assert_eq!(s(&["x_"]), ["x_"]);
    }
}
