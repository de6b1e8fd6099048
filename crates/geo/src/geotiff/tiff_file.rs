//! Low-level TIFF file writer: header, chunk data appended as it comes, and
//! the IFD (with its offset/byte-count arrays) written at the end of the
//! file, then the header patched to point at it. Little-endian, classic
//! TIFF or BigTIFF. Writes go to a temporary file in the target directory
//! that is renamed onto the target by [`TiffFile::finish`]; dropping an
//! unfinished writer deletes the temporary file.

use crate::{GeoError, Result};
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A tag value to write.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Short(Vec<u16>),
    Long(Vec<u32>),
    Long8(Vec<u64>),
    Double(Vec<f64>),
    Ascii(String),
}

impl Value {
    pub(crate) fn type_code(&self) -> u16 {
        match self {
            Value::Ascii(_) => 2,
            Value::Short(_) => 3,
            Value::Long(_) => 4,
            Value::Double(_) => 12,
            Value::Long8(_) => 16,
        }
    }
    pub(crate) fn count(&self) -> u64 {
        match self {
            Value::Short(v) => v.len() as u64,
            Value::Long(v) => v.len() as u64,
            Value::Long8(v) => v.len() as u64,
            Value::Double(v) => v.len() as u64,
            Value::Ascii(s) => s.len() as u64 + 1,
        }
    }
    pub(crate) fn bytes(&self) -> Vec<u8> {
        match self {
            Value::Short(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Value::Long(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Value::Long8(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Value::Double(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Value::Ascii(s) => s.bytes().chain([0]).collect(),
        }
    }
}

/// An open output TIFF being written.
pub(crate) struct TiffFile {
    target: PathBuf,
    tmp: PathBuf,
    out: Option<BufWriter<File>>,
    pos: u64,
    bigtiff: bool,
}

impl TiffFile {
    /// Create the temporary file next to `target` and write the header.
    pub(super) fn create(target: &Path, bigtiff: bool) -> Result<TiffFile> {
        let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .ok_or_else(|| GeoError::Invalid(format!("output path {} has no file name", target.display())))?;
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let tmp = dir.join(format!(".{}.{}.{stamp}.tmp", name.to_string_lossy(), std::process::id()));
        let file = File::create(&tmp).map_err(|e| GeoError::io(&tmp, e))?;
        let mut f = TiffFile { target: target.to_path_buf(), tmp, out: Some(BufWriter::with_capacity(1 << 20, file)), pos: 0, bigtiff };
        let header: Vec<u8> = if bigtiff {
            [b'I', b'I', 43, 0, 8, 0, 0, 0].into_iter().chain([0u8; 8]).collect()
        } else {
            vec![b'I', b'I', 42, 0, 0, 0, 0, 0]
        };
        f.write(&header)?;
        Ok(f)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        let out = self.out.as_mut().expect("writer used after finish");
        out.write_all(bytes).map_err(|e| GeoError::io(&self.tmp, e))?;
        self.pos += bytes.len() as u64;
        Ok(())
    }

    fn pad_even(&mut self) -> Result<()> {
        if self.pos % 2 == 1 {
            self.write(&[0])?;
        }
        Ok(())
    }

    /// Append chunk data, returning its offset. Fails on classic TIFF once
    /// the file would pass 4 GiB.
    pub(super) fn append(&mut self, bytes: &[u8]) -> Result<u64> {
        self.pad_even()?;
        let offset = self.pos;
        if !self.bigtiff && offset + bytes.len() as u64 > u32::MAX as u64 {
            return Err(GeoError::Invalid(format!(
                "{} would exceed 4 GiB: write it as BigTIFF (WriteOptions::bigtiff)",
                self.target.display()
            )));
        }
        self.write(bytes)?;
        Ok(offset)
    }

    /// Offsets as the right integer type for this kind of TIFF.
    pub(super) fn offsets_value(&self, offsets: Vec<u64>) -> Value {
        if self.bigtiff { Value::Long8(offsets) } else { Value::Long(offsets.into_iter().map(|o| o as u32).collect()) }
    }

    /// Write the IFD with `entries` at the end of the file, point the header
    /// at it, flush and rename onto the target.
    pub(super) fn finish(mut self, mut entries: Vec<(u16, Value)>) -> Result<()> {
        entries.sort_by_key(|(t, _)| *t);
        let inline = if self.bigtiff { 8 } else { 4 };
        // Out-of-line values first, remembering where each went.
        let mut fields = Vec::with_capacity(entries.len());
        for (tag, value) in &entries {
            let bytes = value.bytes();
            let field = if bytes.len() > inline {
                let off = self.append(&bytes)?;
                let mut f = vec![0u8; inline];
                if self.bigtiff {
                    f.copy_from_slice(&off.to_le_bytes());
                } else {
                    f.copy_from_slice(&(off as u32).to_le_bytes());
                }
                f
            } else {
                let mut f = bytes;
                f.resize(inline, 0);
                f
            };
            fields.push((*tag, value.type_code(), value.count(), field));
        }
        self.pad_even()?;
        let ifd_offset = self.pos;
        if !self.bigtiff && ifd_offset > u32::MAX as u64 - 4096 {
            return Err(GeoError::Invalid(format!("{} exceeds 4 GiB: write it as BigTIFF", self.target.display())));
        }
        let mut ifd = Vec::new();
        if self.bigtiff {
            ifd.extend_from_slice(&(fields.len() as u64).to_le_bytes());
        } else {
            ifd.extend_from_slice(&(fields.len() as u16).to_le_bytes());
        }
        for (tag, ty, count, field) in &fields {
            ifd.extend_from_slice(&tag.to_le_bytes());
            ifd.extend_from_slice(&ty.to_le_bytes());
            if self.bigtiff {
                ifd.extend_from_slice(&count.to_le_bytes());
            } else {
                ifd.extend_from_slice(&(*count as u32).to_le_bytes());
            }
            ifd.extend_from_slice(field);
        }
        ifd.extend_from_slice(&vec![0u8; inline]); // no next IFD
        self.write(&ifd)?;
        let mut out = self.out.take().expect("writer used after finish");
        let tmp = self.tmp.clone();
        let io = |e| GeoError::io(&tmp, e);
        out.seek(SeekFrom::Start(if self.bigtiff { 8 } else { 4 })).map_err(io)?;
        if self.bigtiff {
            out.write_all(&ifd_offset.to_le_bytes()).map_err(io)?;
        } else {
            out.write_all(&(ifd_offset as u32).to_le_bytes()).map_err(io)?;
        }
        let file = out.into_inner().map_err(|e| GeoError::io(&tmp, e.into_error()))?;
        file.sync_all().map_err(io)?;
        drop(file);
        std::fs::rename(&self.tmp, &self.target).map_err(|e| GeoError::io(&self.target, e))?;
        self.tmp = PathBuf::new();
        Ok(())
    }
}

impl Drop for TiffFile {
    fn drop(&mut self) {
        if !self.tmp.as_os_str().is_empty() {
            self.out = None;
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}
