//! PNG encoding of a [`Canvas`] and atomic file writes.

use crate::canvas::Canvas;
use crate::error::{ReportError, Result};
use std::io::Write;
use std::path::Path;

/// The 8-byte PNG signature.
pub(crate) const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

impl Canvas {
    /// Encode as an 8-bit RGBA PNG.
    pub fn to_png(&self) -> Result<Vec<u8>> {
        if self.width() == 0 || self.height() == 0 {
            return Err(ReportError::Invalid("cannot encode an empty image".into()));
        }
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.width() as u32, self.height() as u32);
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Eight);
            enc.set_compression(png::Compression::Fast);
            let mut w = enc.write_header().map_err(|e| ReportError::Png(e.into()))?;
            w.write_image_data(self.pixels()).map_err(|e| ReportError::Png(e.into()))?;
            w.finish().map_err(|e| ReportError::Png(e.into()))?;
        }
        Ok(out)
    }
    /// Encode as PNG and write to `path` atomically.
    pub fn write_png(&self, path: &Path) -> Result<()> {
        write_atomic(path, &self.to_png()?)
    }
}

/// Whether `bytes` start with the PNG signature.
pub fn is_png(bytes: &[u8]) -> bool {
    bytes.starts_with(&PNG_SIGNATURE)
}

/// Write `bytes` to `path` via a temporary file in the same directory and a
/// rename, so readers never see a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| ReportError::Invalid(format!("{} has no file name", path.display())))?;
    let tmp = dir.join(format!(".{}.tmp{}", name.to_string_lossy(), std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(|e| ReportError::io(&tmp, e))?;
        f.write_all(bytes).map_err(|e| ReportError::io(&tmp, e))?;
        f.sync_all().map_err(|e| ReportError::io(&tmp, e))?;
        drop(f);
        std::fs::rename(&tmp, path).map_err(|e| ReportError::io(path, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Decode a PNG into a [`Canvas`] (RGBA; RGB and grey inputs are expanded).
pub fn decode_png(bytes: &[u8]) -> Result<Canvas> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| ReportError::Png(e.into()))?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| ReportError::Png("image too large".into()))?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(|e| ReportError::Png(e.into()))?;
    let (w, h) = (info.width as usize, info.height as usize);
    let mut c = Canvas::new(w, h, crate::color::Rgba::TRANSPARENT);
    let channels = info.color_type.samples();
    for y in 0..h {
        for x in 0..w {
            let i = y * info.line_size + x * channels;
            let px = match channels {
                1 => [buf[i], buf[i], buf[i], 255],
                2 => [buf[i], buf[i], buf[i], buf[i + 1]],
                3 => [buf[i], buf[i + 1], buf[i + 2], 255],
                _ => [buf[i], buf[i + 1], buf[i + 2], buf[i + 3]],
            };
            c.put(x as i64, y as i64, crate::color::Rgba(px));
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::color::Rgba;

    #[test]
    fn png_round_trip_and_atomic_write() {
        let mut c = Canvas::new(7, 5, Rgba::WHITE);
        c.put(3, 2, Rgba([10, 20, 30, 40]));
        let bytes = c.to_png().unwrap();
        assert!(is_png(&bytes));
        let back = decode_png(&bytes).unwrap();
        assert_eq!(back, c);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.png");
        c.write_png(&p).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), bytes);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temp file left");
        assert!(Canvas::new(0, 3, Rgba::WHITE).to_png().is_err());
        assert!(decode_png(b"not a png").is_err());
    }
}
