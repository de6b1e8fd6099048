//! Cloud Optimized GeoTIFF writer: a full-resolution image plus reduced-resolution
//! overviews, all tiled, with every IFD at the start of the file and the tile data after
//! them (smallest overview first, full resolution last, tiles row-major), as GDAL's COG
//! driver lays it out. The file starts with GDAL's structural metadata block
//! (`LAYOUT=IFDS_BEFORE_DATA`, `BLOCK_ORDER=ROW_MAJOR`, `BLOCK_LEADER=SIZE_AS_UINT4`,
//! `BLOCK_TRAILER=LAST_4_BYTES_REPEATED`), and every tile is framed accordingly (its
//! byte count as a u32 before it, its last 4 bytes repeated after it), so GDAL reports
//! `LAYOUT=COG`.
//!
//! Tiles are compressed as they arrive and spilled to a temporary file; [`CogWriter::finish`]
//! writes the header and IFDs (whose offsets are then known) and copies the tile data
//! behind them. Memory is one tile plus the offset tables.

use super::ifd::tag;
use super::tiff_file::Value;
use super::tiled_writer::{encode_samples, Chunk};
use super::writer::{image_tags, BigTiff, WriteOptions};
use super::RasterSpec;
use crate::{GeoError, Result, Window};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// TIFF NewSubfileType; 1 marks a reduced-resolution image.
const NEW_SUBFILE_TYPE: u16 = 254;

/// GDAL's structural metadata, after its size line.
const GHOST_BODY: &str = "LAYOUT=IFDS_BEFORE_DATA\nBLOCK_ORDER=ROW_MAJOR\nBLOCK_LEADER=SIZE_AS_UINT4\n\
BLOCK_TRAILER=LAST_4_BYTES_REPEATED\nKNOWN_INCOMPATIBLE_EDITION=NO\n ";

/// Number of overviews so that the smallest fits in one tile (halving each time).
pub fn overview_count(cols: usize, rows: usize, tile: usize) -> usize {
    let (mut c, mut r, mut n) = (cols, rows, 0);
    while c > tile || r > tile {
        c = c.div_ceil(2);
        r = r.div_ceil(2);
        n += 1;
    }
    n
}

/// Writes a COG level by level, tile by tile; see the module documentation.
pub struct CogWriter {
    target: PathBuf,
    spec: RasterSpec,
    options: WriteOptions,
    tile: usize,
    /// (cols, rows) of level 0 (full resolution) and each overview.
    levels: Vec<(usize, usize)>,
    spill_path: PathBuf,
    spill: Option<BufWriter<File>>,
    spill_len: u64,
    /// Per level, per tile (row-major): (offset in the spill file, byte count).
    chunks: Vec<Vec<Option<(u64, u64)>>>,
}

impl CogWriter {
    /// Start a COG of `spec` with `overviews` reduced levels (each half the previous size,
    /// rounded up). `options.tile_size` defaults to 512 when `None`.
    pub fn create(path: impl AsRef<Path>, spec: RasterSpec, options: &WriteOptions, overviews: usize) -> Result<Self> {
        let target = path.as_ref().to_path_buf();
        options.validate(&spec)?;
        let tile = options.tile_size.unwrap_or(512) as usize;
        if tile == 0 || tile % 16 != 0 {
            return Err(GeoError::Invalid(format!("tile size {tile} must be a positive multiple of 16")));
        }
        let mut levels = vec![(spec.cols, spec.rows)];
        for _ in 0..overviews {
            let (c, r) = *levels.last().unwrap_or(&(1, 1));
            levels.push((c.div_ceil(2), r.div_ceil(2)));
        }
        let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let spill_path = dir.join(format!(".{name}.{}.cogdata.tmp", std::process::id()));
        let file = File::create(&spill_path).map_err(|e| GeoError::io(&spill_path, e))?;
        let chunks = levels.iter().map(|&(c, r)| vec![None; c.div_ceil(tile) * r.div_ceil(tile)]).collect();
        Ok(CogWriter {
            target,
            spec,
            options: options.clone(),
            tile,
            levels,
            spill_path,
            spill: Some(BufWriter::with_capacity(1 << 20, file)),
            spill_len: 0,
            chunks,
        })
    }

    /// (cols, rows) of each level, full resolution first.
    pub fn levels(&self) -> &[(usize, usize)] {
        &self.levels
    }

    /// Tiles across and down of `level`.
    pub fn grid(&self, level: usize) -> (usize, usize) {
        let (c, r) = self.levels[level];
        (c.div_ceil(self.tile), r.div_ceil(self.tile))
    }

    /// Pixel window (in `level`'s pixels) of a tile, clipped to the level.
    pub fn tile_window(&self, level: usize, tile_col: usize, tile_row: usize) -> Window {
        let (c, r) = self.levels[level];
        let (x0, y0) = (tile_col * self.tile, tile_row * self.tile);
        Window::new(x0, y0, self.tile.min(c.saturating_sub(x0)), self.tile.min(r.saturating_sub(y0)))
    }

    fn fill(&self) -> f32 {
        self.spec.nodata.filter(|v| v.is_finite() || self.spec.dtype == crate::DType::F32).unwrap_or(0.0) as f32
    }

    /// Compress and store one tile of `level`: band-sequential samples covering the
    /// clipped [`tile_window`](Self::tile_window).
    pub fn write_tile(&mut self, level: usize, tile_col: usize, tile_row: usize, data: &[f32]) -> Result<()> {
        if level >= self.levels.len() {
            return Err(GeoError::Invalid(format!("level {level} but the COG has {} levels", self.levels.len())));
        }
        let (across, down) = self.grid(level);
        if tile_col >= across || tile_row >= down {
            return Err(GeoError::Invalid(format!("tile ({tile_col}, {tile_row}) is outside level {level}'s {across}x{down} grid")));
        }
        let win = self.tile_window(level, tile_col, tile_row);
        if data.len() != self.spec.bands * win.cols * win.rows {
            return Err(GeoError::Invalid(format!(
                "tile ({tile_col}, {tile_row}) of level {level} got {} samples, expected {}x{}x{}",
                data.len(),
                self.spec.bands,
                win.rows,
                win.cols
            )));
        }
        let index = tile_row * across + tile_col;
        if self.chunks[level][index].is_some() {
            return Err(GeoError::Invalid(format!("tile ({tile_col}, {tile_row}) of level {level} was already written")));
        }
        let chunk = Chunk { valid: (win.cols, win.rows), src: (win.cols, win.rows), out: (self.tile, self.tile) };
        let bytes = encode_samples(&self.spec, &self.options, chunk, data, self.fill())
            .map_err(|source| GeoError::EncodeTile { col: tile_col, row: tile_row, source })?;
        let spill = self.spill.as_mut().ok_or_else(|| GeoError::Invalid("COG writer used after finish".into()))?;
        spill.write_all(&bytes).map_err(|e| GeoError::io(&self.spill_path, e))?;
        self.chunks[level][index] = Some((self.spill_len, bytes.len() as u64));
        self.spill_len += bytes.len() as u64;
        Ok(())
    }

    /// Tags of `level`'s IFD, with the given tile offsets.
    fn level_tags(&self, level: usize, offsets: Vec<u64>, counts: Vec<u64>, bigtiff: bool) -> Vec<(u16, Value)> {
        let (cols, rows) = self.levels[level];
        let spec = RasterSpec { cols, rows, ..self.spec.clone() };
        let mut tags = image_tags(&spec, &self.options);
        if level > 0 {
            // Georeferencing lives in the main IFD only, as GDAL writes it.
            let geo = [tag::MODEL_PIXEL_SCALE, tag::MODEL_TIEPOINT, tag::MODEL_TRANSFORMATION, tag::GEO_KEY_DIRECTORY, tag::GEO_ASCII_PARAMS];
            tags.retain(|(t, _)| !geo.contains(t));
            tags.push((NEW_SUBFILE_TYPE, Value::Long(vec![1])));
        }
        let wide = |v: Vec<u64>| if bigtiff { Value::Long8(v) } else { Value::Long(v.into_iter().map(|o| o as u32).collect()) };
        tags.push((tag::TILE_WIDTH, Value::Long(vec![self.tile as u32])));
        tags.push((tag::TILE_LENGTH, Value::Long(vec![self.tile as u32])));
        tags.push((tag::TILE_OFFSETS, wide(offsets)));
        tags.push((tag::TILE_BYTE_COUNTS, wide(counts)));
        tags.sort_by_key(|(t, _)| *t);
        tags
    }

    /// Write header, structural metadata, every IFD, then the tile data (smallest level
    /// first), and rename the file into place. Every tile of every level must be written.
    pub fn finish(mut self) -> Result<()> {
        for (level, chunks) in self.chunks.iter().enumerate() {
            if let Some(i) = chunks.iter().position(|c| c.is_none()) {
                return Err(GeoError::Invalid(format!("COG level {level} tile {i} was never written")));
            }
        }
        let spill = self.spill.take().ok_or_else(|| GeoError::Invalid("COG writer finished twice".into()))?;
        spill.into_inner().map_err(|e| GeoError::io(&self.spill_path, e.into_error()))?.sync_all().ok();
        let n_tiles: u64 = self.chunks.iter().map(|c| c.len() as u64).sum();
        let framed_data = self.spill_len + 8 * n_tiles;
        let bigtiff = match self.options.bigtiff {
            BigTiff::Always => true,
            BigTiff::Never => false,
            BigTiff::Auto => framed_data > 4_000_000_000,
        };
        let ghost = format!("GDAL_STRUCTURAL_METADATA_SIZE={:06} bytes\n{GHOST_BODY}", GHOST_BODY.len());
        let header_len = if bigtiff { 16 } else { 8 };
        let first_ifd = (header_len + ghost.len() as u64).next_multiple_of(2);

        // Pass 1: IFD sizes with placeholder offsets (sizes do not depend on the values).
        let placeholder = |level: usize| {
            let n = self.chunks[level].len();
            self.level_tags(level, vec![0; n], vec![0; n], bigtiff)
        };
        let mut ifd_pos = Vec::with_capacity(self.levels.len());
        let mut pos = first_ifd;
        for level in 0..self.levels.len() {
            ifd_pos.push(pos);
            pos += ifd_size(&placeholder(level), bigtiff);
        }
        // Tile data: smallest level first, each tile framed by leader and trailer.
        let mut data_pos = pos;
        let mut placed: Vec<Vec<u64>> = self.chunks.iter().map(|c| vec![0; c.len()]).collect();
        for level in (0..self.levels.len()).rev() {
            for (i, c) in self.chunks[level].iter().enumerate() {
                let (_, len) = c.unwrap_or_default();
                placed[level][i] = data_pos + 4;
                data_pos += 4 + len + 4;
            }
        }
        if !bigtiff && data_pos > u32::MAX as u64 {
            return Err(GeoError::Invalid(format!("{} would exceed 4 GiB: write it as BigTIFF", self.target.display())));
        }

        let dir = self.target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = self.target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let tmp = dir.join(format!(".{name}.{}.cog.tmp", std::process::id()));
        let result = (|| -> Result<()> {
            let file = File::create(&tmp).map_err(|e| GeoError::io(&tmp, e))?;
            let mut out = BufWriter::with_capacity(1 << 20, file);
            let io = |e| GeoError::io(&tmp, e);
            let mut head: Vec<u8> = if bigtiff {
                let mut h = vec![b'I', b'I', 43, 0, 8, 0, 0, 0];
                h.extend_from_slice(&first_ifd.to_le_bytes());
                h
            } else {
                let mut h = vec![b'I', b'I', 42, 0];
                h.extend_from_slice(&(first_ifd as u32).to_le_bytes());
                h
            };
            head.extend_from_slice(ghost.as_bytes());
            head.resize(first_ifd as usize, 0);
            out.write_all(&head).map_err(io)?;
            for level in 0..self.levels.len() {
                let counts = self.chunks[level].iter().map(|c| c.unwrap_or_default().1).collect();
                let tags = self.level_tags(level, placed[level].clone(), counts, bigtiff);
                let next = ifd_pos.get(level + 1).copied().unwrap_or(0);
                let bytes = ifd_bytes(&tags, ifd_pos[level], next, bigtiff);
                out.write_all(&bytes).map_err(io)?;
            }
            let mut spill = BufReader::new(File::open(&self.spill_path).map_err(|e| GeoError::io(&self.spill_path, e))?);
            let mut buf = Vec::new();
            for level in (0..self.levels.len()).rev() {
                for c in &self.chunks[level] {
                    let (off, len) = c.unwrap_or_default();
                    buf.resize(len as usize, 0);
                    spill.seek(SeekFrom::Start(off)).and_then(|_| spill.read_exact(&mut buf)).map_err(|e| GeoError::io(&self.spill_path, e))?;
                    let mut trailer = [0u8; 4];
                    let last = &buf[buf.len().saturating_sub(4)..];
                    trailer[4 - last.len()..].copy_from_slice(last);
                    out.write_all(&(len as u32).to_le_bytes()).map_err(io)?;
                    out.write_all(&buf).map_err(io)?;
                    out.write_all(&trailer).map_err(io)?;
                }
            }
            let file = out.into_inner().map_err(|e| GeoError::io(&tmp, e.into_error()))?;
            file.sync_all().map_err(io)?;
            std::fs::rename(&tmp, &self.target).map_err(|e| GeoError::io(&self.target, e))
        })();
        let _ = std::fs::remove_file(&self.spill_path);
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

impl Drop for CogWriter {
    fn drop(&mut self) {
        self.spill = None;
        let _ = std::fs::remove_file(&self.spill_path);
    }
}

/// Byte size of an IFD with its out-of-line values (each padded to even length).
fn ifd_size(tags: &[(u16, Value)], bigtiff: bool) -> u64 {
    let (entry, count, next, inline) = if bigtiff { (20, 8, 8, 8) } else { (12, 2, 4, 4) };
    let extra: u64 = tags
        .iter()
        .map(|(_, v)| v.bytes().len() as u64)
        .filter(|&n| n > inline)
        .map(|n| n.next_multiple_of(2))
        .sum();
    count + entry * tags.len() as u64 + next + extra
}

/// An IFD at `at` (entries, next-IFD pointer, then its out-of-line values).
fn ifd_bytes(tags: &[(u16, Value)], at: u64, next_ifd: u64, bigtiff: bool) -> Vec<u8> {
    let (entry, count, next, inline) = if bigtiff { (20u64, 8u64, 8u64, 8usize) } else { (12, 2, 4, 4) };
    let mut values_at = at + count + entry * tags.len() as u64 + next;
    let mut head = Vec::new();
    let mut values = Vec::new();
    if bigtiff {
        head.extend_from_slice(&(tags.len() as u64).to_le_bytes());
    } else {
        head.extend_from_slice(&(tags.len() as u16).to_le_bytes());
    }
    for (t, v) in tags {
        head.extend_from_slice(&t.to_le_bytes());
        head.extend_from_slice(&v.type_code().to_le_bytes());
        if bigtiff {
            head.extend_from_slice(&v.count().to_le_bytes());
        } else {
            head.extend_from_slice(&(v.count() as u32).to_le_bytes());
        }
        let mut bytes = v.bytes();
        if bytes.len() > inline {
            if bigtiff {
                head.extend_from_slice(&values_at.to_le_bytes());
            } else {
                head.extend_from_slice(&(values_at as u32).to_le_bytes());
            }
            if bytes.len() % 2 == 1 {
                bytes.push(0);
            }
            values_at += bytes.len() as u64;
            values.extend_from_slice(&bytes);
        } else {
            bytes.resize(inline, 0);
            head.extend_from_slice(&bytes);
        }
    }
    if bigtiff {
        head.extend_from_slice(&next_ifd.to_le_bytes());
    } else {
        head.extend_from_slice(&(next_ifd as u32).to_le_bytes());
    }
    head.extend_from_slice(&values);
    head
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geotiff::read_geotiff;
    use crate::{Crs, DType, GeoTransform};

    #[test]
    fn overview_counts() {
        assert_eq!(overview_count(256, 256, 256), 0);
        assert_eq!(overview_count(257, 10, 256), 1);
        assert_eq!(overview_count(1000, 700, 256), 2);
    }

    #[test]
    fn layout_is_cloud_optimized_and_main_image_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cog.tif");
        let spec = RasterSpec {
            cols: 40,
            rows: 20,
            bands: 1,
            dtype: DType::U8,
            transform: GeoTransform::north_up(0.0, 20.0, 1.0, 1.0),
            crs: Crs::projected(32633),
            nodata: Some(255.0),
        };
        let opts = WriteOptions { tile_size: Some(16), ..WriteOptions::default() };
        let mut w = CogWriter::create(&path, spec, &opts, overview_count(40, 20, 16)).unwrap();
        assert_eq!(w.levels(), &[(40, 20), (20, 10), (10, 5)]);
        for level in 0..w.levels().len() {
            let (across, down) = w.grid(level);
            for tr in 0..down {
                for tc in 0..across {
                    let win = w.tile_window(level, tc, tr);
                    let v: Vec<f32> = (0..win.rows * win.cols).map(|i| ((i + level) % 7) as f32).collect();
                    w.write_tile(level, tc, tr, &v).unwrap();
                }
            }
        }
        assert!(w.write_tile(0, 9, 0, &[]).is_err());
        w.finish().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        // Main IFD right after the structural metadata, at an even offset.
        let ifd0 = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
        assert!(bytes[8..].starts_with(b"GDAL_STRUCTURAL_METADATA_SIZE="));
        assert_eq!(ifd0, (8 + 43 + GHOST_BODY.len()).next_multiple_of(2));
        // The full-resolution image is what the reader sees.
        let r = read_geotiff(&path).unwrap();
        assert_eq!((r.cols, r.rows), (40, 20));
        assert_eq!(r.get(0, 0, 0), 0.0);
        assert_eq!(r.get(0, 0, 17), 1.0); // second tile, first pixel
    }
}
