//! Parsing of the TIFF header and the first image file directory (IFD).
//!
//! Our own parser (rather than `tiff::decoder::Decoder`) because the `tiff`
//! 0.11 decoder applies its default 1 MiB limit on tag values while opening,
//! before limits can be raised (a raster of 150 000+ tiles has a larger
//! TileOffsets array), and refuses palette images, which our class maps are.
//! Everything is read with positioned reads and bounds-checked against the
//! file length, so malformed files give [`GeoError::InvalidTiff`], never a panic.

use crate::{GeoError, Result};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

/// Baseline and GeoTIFF tag numbers used by the reader and writers.
pub(crate) mod tag {
    pub(crate) const IMAGE_WIDTH: u16 = 256;
    pub(crate) const IMAGE_LENGTH: u16 = 257;
    pub(crate) const BITS_PER_SAMPLE: u16 = 258;
    pub(crate) const COMPRESSION: u16 = 259;
    pub(crate) const PHOTOMETRIC: u16 = 262;
    pub(crate) const STRIP_OFFSETS: u16 = 273;
    pub(crate) const SAMPLES_PER_PIXEL: u16 = 277;
    pub(crate) const ROWS_PER_STRIP: u16 = 278;
    pub(crate) const STRIP_BYTE_COUNTS: u16 = 279;
    pub(crate) const PLANAR_CONFIGURATION: u16 = 284;
    pub(crate) const PREDICTOR: u16 = 317;
    pub(crate) const COLOR_MAP: u16 = 320;
    pub(crate) const TILE_WIDTH: u16 = 322;
    pub(crate) const TILE_LENGTH: u16 = 323;
    pub(crate) const TILE_OFFSETS: u16 = 324;
    pub(crate) const TILE_BYTE_COUNTS: u16 = 325;
    pub(crate) const EXTRA_SAMPLES: u16 = 338;
    pub(crate) const SAMPLE_FORMAT: u16 = 339;
    pub(crate) const MODEL_PIXEL_SCALE: u16 = 33550;
    pub(crate) const MODEL_TIEPOINT: u16 = 33922;
    pub(crate) const MODEL_TRANSFORMATION: u16 = 34264;
    pub(crate) const GEO_KEY_DIRECTORY: u16 = 34735;
    pub(crate) const GEO_ASCII_PARAMS: u16 = 34737;
    pub(crate) const GDAL_METADATA: u16 = 42112;
    pub(crate) const GDAL_NODATA: u16 = 42113;
}

/// A decoded tag value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TagValue {
    Unsigned(Vec<u64>),
    Signed(Vec<i64>),
    Float(Vec<f64>),
    Ascii(String),
}

/// The first IFD of a TIFF file plus what the header said.
#[derive(Debug, Clone)]
pub(crate) struct Ifd {
    pub big_endian: bool,
    pub bigtiff: bool,
    pub file_len: u64,
    entries: BTreeMap<u16, TagValue>,
}

/// Largest tag value we are willing to load (bytes): far above any real
/// offsets array, far below what a corrupt count could make us allocate.
const MAX_TAG_BYTES: u64 = 1 << 30;

/// Positioned read of exactly `buf.len()` bytes at `offset`.
pub(crate) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_exact_at(buf, offset)
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::FileExt;
        let mut done = 0;
        while done < buf.len() {
            let n = file.seek_read(&mut buf[done..], offset + done as u64)?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            done += n;
        }
        Ok(())
    }
}

/// Bytes a TIFF can be parsed from: a file (positioned reads), or a TIFF held
/// in memory (the degenerate GeoTIFF inside a GeoJP2 box).
pub(super) trait ReadAt {
    /// Total length in bytes.
    fn byte_len(&self) -> std::io::Result<u64>;
    /// Read exactly `buf.len()` bytes at `offset`.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()>;
}

impl ReadAt for File {
    fn byte_len(&self) -> std::io::Result<u64> {
        Ok(self.metadata()?.len())
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        read_exact_at(self, buf, offset)
    }
}

impl ReadAt for [u8] {
    fn byte_len(&self) -> std::io::Result<u64> {
        Ok(self.len() as u64)
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        let src = usize::try_from(offset)
            .ok()
            .and_then(|start| self.get(start..start.checked_add(buf.len())?))
            .ok_or(std::io::ErrorKind::UnexpectedEof)?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

fn invalid(path: &Path, reason: impl Into<String>) -> GeoError {
    GeoError::InvalidTiff { path: path.to_path_buf(), reason: reason.into() }
}

/// Little cursor over bytes in the file's byte order.
struct Bytes<'a> {
    data: &'a [u8],
    big_endian: bool,
}

impl Bytes<'_> {
    fn u16(&self, at: usize) -> u16 {
        let b = [self.data[at], self.data[at + 1]];
        if self.big_endian { u16::from_be_bytes(b) } else { u16::from_le_bytes(b) }
    }
    fn u32(&self, at: usize) -> u32 {
        let b: [u8; 4] = self.data[at..at + 4].try_into().expect("4 bytes");
        if self.big_endian { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }
    }
    fn u64(&self, at: usize) -> u64 {
        let b: [u8; 8] = self.data[at..at + 8].try_into().expect("8 bytes");
        if self.big_endian { u64::from_be_bytes(b) } else { u64::from_le_bytes(b) }
    }
}

/// Byte size of one value of a TIFF field type, `None` for unknown types.
fn type_size(ty: u16) -> Option<u64> {
    Some(match ty {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 | 16 | 17 | 18 => 8,
        _ => return None,
    })
}

fn decode_value(ty: u16, count: usize, raw: &[u8], big_endian: bool) -> TagValue {
    let b = Bytes { data: raw, big_endian };
    match ty {
        1 | 7 => TagValue::Unsigned(raw[..count].iter().map(|&v| v as u64).collect()),
        2 => {
            let s = &raw[..count];
            let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
            TagValue::Ascii(String::from_utf8_lossy(&s[..end]).into_owned())
        }
        3 => TagValue::Unsigned((0..count).map(|i| b.u16(2 * i) as u64).collect()),
        4 | 13 => TagValue::Unsigned((0..count).map(|i| b.u32(4 * i) as u64).collect()),
        16 | 18 => TagValue::Unsigned((0..count).map(|i| b.u64(8 * i)).collect()),
        6 => TagValue::Signed(raw[..count].iter().map(|&v| v as i8 as i64).collect()),
        8 => TagValue::Signed((0..count).map(|i| b.u16(2 * i) as i16 as i64).collect()),
        9 => TagValue::Signed((0..count).map(|i| b.u32(4 * i) as i32 as i64).collect()),
        17 => TagValue::Signed((0..count).map(|i| b.u64(8 * i) as i64).collect()),
        5 => TagValue::Float(
            (0..count).map(|i| b.u32(8 * i) as f64 / (b.u32(8 * i + 4).max(1)) as f64).collect(),
        ),
        10 => TagValue::Float(
            (0..count)
                .map(|i| b.u32(8 * i) as i32 as f64 / (b.u32(8 * i + 4) as i32 as f64))
                .collect(),
        ),
        11 => TagValue::Float((0..count).map(|i| f32::from_bits(b.u32(4 * i)) as f64).collect()),
        12 => TagValue::Float((0..count).map(|i| f64::from_bits(b.u64(8 * i))).collect()),
        _ => TagValue::Unsigned(Vec::new()),
    }
}

impl Ifd {
    /// Read the header and the first IFD of `file` (a file or bytes in memory;
    /// `path` names it in errors).
    pub(super) fn read<S: ReadAt + ?Sized>(file: &S, path: &Path) -> Result<Ifd> {
        let file_len = file.byte_len().map_err(|e| GeoError::io(path, e))?;
        if file_len < 8 {
            return Err(invalid(path, format!("file is only {file_len} bytes, too short for a TIFF header")));
        }
        let mut head = [0u8; 16];
        let n = (file_len as usize).min(16);
        file.read_at(&mut head[..n], 0).map_err(|e| GeoError::io(path, e))?;
        let big_endian = match &head[..2] {
            b"II" => false,
            b"MM" => true,
            other => {
                return Err(invalid(
                    path,
                    format!("wrong magic bytes {other:02x?} (expected II or MM): not a TIFF file"),
                ));
            }
        };
        let b = Bytes { data: &head, big_endian };
        let (bigtiff, first_ifd) = match b.u16(2) {
            42 => (false, b.u32(4) as u64),
            43 if n == 16 && b.u16(4) == 8 && b.u16(6) == 0 => (true, b.u64(8)),
            v => return Err(invalid(path, format!("wrong TIFF version number {v} (expected 42 or 43 for BigTIFF)"))),
        };
        let mut ifd = Ifd { big_endian, bigtiff, file_len, entries: BTreeMap::new() };
        ifd.read_entries(file, path, first_ifd)?;
        Ok(ifd)
    }

    fn read_entries<S: ReadAt + ?Sized>(&mut self, file: &S, path: &Path, offset: u64) -> Result<()> {
        let (count_size, entry_size, inline) = if self.bigtiff { (8u64, 20u64, 8u64) } else { (2, 12, 4) };
        if offset < 8 || offset + count_size > self.file_len {
            return Err(invalid(path, format!("first IFD offset {offset} lies outside the file ({} bytes): truncated?", self.file_len)));
        }
        let mut cbuf = [0u8; 8];
        file.read_at(&mut cbuf[..count_size as usize], offset).map_err(|e| GeoError::io(path, e))?;
        let cb = Bytes { data: &cbuf, big_endian: self.big_endian };
        let n = if self.bigtiff { cb.u64(0) } else { cb.u16(0) as u64 };
        // The table plus the next-IFD pointer after it.
        let table_end = offset + count_size + n * entry_size + inline;
        if n == 0 || n > 4096 || table_end > self.file_len {
            return Err(invalid(path, format!("IFD at {offset} has {n} entries ending past the end of the file ({} bytes): truncated?", self.file_len)));
        }
        let mut table = vec![0u8; (n * entry_size) as usize];
        file.read_at(&mut table, offset + count_size).map_err(|e| GeoError::io(path, e))?;
        let t = Bytes { data: &table, big_endian: self.big_endian };
        for i in 0..n as usize {
            let at = i * entry_size as usize;
            let tag = t.u16(at);
            let ty = t.u16(at + 2);
            let (count, value_at) =
                if self.bigtiff { (t.u64(at + 4), at + 12) } else { (t.u32(at + 4) as u64, at + 8) };
            let Some(size) = type_size(ty) else { continue };
            let total = count.checked_mul(size).filter(|&s| s <= MAX_TAG_BYTES).ok_or_else(|| {
                invalid(path, format!("tag {tag} has an absurd value count {count}"))
            })?;
            let raw = if total <= inline {
                table[value_at..value_at + total as usize].to_vec()
            } else {
                let off = if self.bigtiff { t.u64(value_at) } else { t.u32(value_at) as u64 };
                if off.checked_add(total).is_none_or(|end| end > self.file_len) {
                    return Err(invalid(path, format!(
                        "value of tag {tag} ({total} bytes at offset {off}) lies past the end of the file ({} bytes): truncated?",
                        self.file_len
                    )));
                }
                let mut v = vec![0u8; total as usize];
                file.read_at(&mut v, off).map_err(|e| GeoError::io(path, e))?;
                v
            };
            self.entries.insert(tag, decode_value(ty, count as usize, &raw, self.big_endian));
        }
        Ok(())
    }

    /// Whether the tag is present.
    pub(super) fn has(&self, tag: u16) -> bool {
        self.entries.contains_key(&tag)
    }

    /// Unsigned integer values of a tag (signed non-negative values accepted).
    pub(super) fn uints(&self, tag: u16) -> Option<Vec<u64>> {
        match self.entries.get(&tag)? {
            TagValue::Unsigned(v) => Some(v.clone()),
            TagValue::Signed(v) => v.iter().map(|&x| u64::try_from(x).ok()).collect(),
            _ => None,
        }
    }

    /// First unsigned value of a tag.
    pub(super) fn uint(&self, tag: u16) -> Option<u64> {
        self.uints(tag)?.first().copied()
    }

    /// Numeric values of a tag as `f64`.
    pub(super) fn floats(&self, tag: u16) -> Option<Vec<f64>> {
        match self.entries.get(&tag)? {
            TagValue::Unsigned(v) => Some(v.iter().map(|&x| x as f64).collect()),
            TagValue::Signed(v) => Some(v.iter().map(|&x| x as f64).collect()),
            TagValue::Float(v) => Some(v.clone()),
            TagValue::Ascii(_) => None,
        }
    }

    /// ASCII value of a tag.
    pub(super) fn ascii(&self, tag: u16) -> Option<&str> {
        match self.entries.get(&tag)? {
            TagValue::Ascii(s) => Some(s),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    #[test]
    fn parses_minimal_big_endian_ifd() {
        // MM, 42, IFD at 8 with two entries: width=3 (SHORT), height=70000 (LONG).
        let mut b = vec![b'M', b'M', 0, 42, 0, 0, 0, 8, 0, 2];
        b.extend_from_slice(&[1, 0, 0, 3, 0, 0, 0, 1, 0, 3, 0, 0]);
        b.extend_from_slice(&[1, 1, 0, 4, 0, 0, 0, 1]);
        b.extend_from_slice(&70000u32.to_be_bytes());
        b.extend_from_slice(&[0, 0, 0, 0]);
        let f = write(&b);
        let ifd = Ifd::read(f.as_file(), f.path()).unwrap();
        assert!(ifd.big_endian && !ifd.bigtiff);
        assert_eq!(ifd.uint(tag::IMAGE_WIDTH), Some(3));
        assert_eq!(ifd.uint(tag::IMAGE_LENGTH), Some(70000));
        assert!(!ifd.has(tag::COMPRESSION));
    }

    #[test]
    fn rejects_bad_headers() {
        let f = write(b"PK\x03\x04 not a tiff at all");
        let e = Ifd::read(f.as_file(), f.path()).unwrap_err().to_string();
        assert!(e.contains("magic"), "{e}");
        let f = write(b"II*\0\xff\xff\x00\x00");
        let e = Ifd::read(f.as_file(), f.path()).unwrap_err().to_string();
        assert!(e.contains("outside the file"), "{e}");
        let f = write(b"II");
        assert!(Ifd::read(f.as_file(), f.path()).is_err());
    }
}
