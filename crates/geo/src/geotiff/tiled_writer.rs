//! Streaming GeoTIFF writer: tiles arrive in any order and are compressed and
//! appended at once; the directory is written at [`TiledGeoTiffWriter::finish`].
//! Memory is bounded by one tile plus the offsets table.

use super::codec::{self, ChunkShape};
use super::ifd::tag;
use super::tiff_file::{TiffFile, Value};
use super::writer::{image_tags, BigTiff, WriteOptions};
use super::RasterSpec;
use crate::{GeoError, Raster, Result, Window};

/// A compressed tile ready to be appended (see [`TiledGeoTiffWriter::encode_tile`]).
#[derive(Debug, Clone)]
pub struct EncodedTile {
    tile_col: usize,
    tile_row: usize,
    bytes: Vec<u8>,
}

/// Writes a tiled GeoTIFF tile by tile, for outputs larger than memory.
/// The file appears (atomically, by rename) only when [`finish`](Self::finish)
/// succeeds; tiles never written are filled with nodata (or 0).
///
/// ```
/// use terradl_geo::geotiff::{read_geotiff, RasterSpec, TiledGeoTiffWriter, WriteOptions};
/// use terradl_geo::{Crs, DType, GeoTransform};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("out.tif");
/// let spec = RasterSpec { cols: 40, rows: 20, bands: 1, dtype: DType::U16,
///     transform: GeoTransform::north_up(0.0, 20.0, 1.0, 1.0), crs: Crs::projected(32633), nodata: None };
/// let opts = WriteOptions { tile_size: Some(32), ..WriteOptions::default() };
/// let mut w = TiledGeoTiffWriter::create(&path, spec, &opts).unwrap();
/// for (tc, tr) in w.tiles() {
///     let win = w.tile_window(tc, tr);
///     w.write_tile(tc, tr, &vec![(tc + 1) as f32; win.cols * win.rows]).unwrap();
/// }
/// w.finish().unwrap();
/// let r = read_geotiff(&path).unwrap();
/// assert_eq!((r.get(0, 0, 0), r.get(0, 19, 39)), (1.0, 2.0));
/// ```
pub struct TiledGeoTiffWriter {
    spec: RasterSpec,
    options: WriteOptions,
    file: TiffFile,
    /// Chunk size; for strips `width` is the raster width.
    width: usize,
    height: usize,
    tiled: bool,
    across: usize,
    down: usize,
    chunks: Vec<Option<(u64, u64)>>,
}

/// Sizes of a chunk being encoded: `valid` pixels of the `src` (band-sequential) data,
/// stored as `out` (padded with the fill value).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chunk {
    pub valid: (usize, usize),
    pub src: (usize, usize),
    pub out: (usize, usize),
}

/// Interleave band-sequential `data` into `spec.dtype` samples, pad with `fill` and compress.
pub(crate) fn encode_samples(
    spec: &RasterSpec,
    options: &WriteOptions,
    chunk: Chunk,
    data: &[f32],
    fill: f32,
) -> std::io::Result<Vec<u8>> {
    let (bands, dtype) = (spec.bands, spec.dtype);
    let ((vw, vh), (src_w, src_h), (out_w, out_h)) = (chunk.valid, chunk.src, chunk.out);
    let mut raw = Vec::with_capacity(out_w * out_h * bands * dtype.size());
    for y in 0..out_h {
        for x in 0..out_w {
            for b in 0..bands {
                let v = if x < vw && y < vh { data[(b * src_h + y) * src_w + x] } else { fill };
                codec::push_sample(&mut raw, v, dtype);
            }
        }
    }
    let shape = ChunkShape { width: out_w, height: out_h, spp: bands, bytes: dtype.size() };
    codec::encode_chunk(raw, options.compression, options.predictor, shape)
}

impl TiledGeoTiffWriter {
    /// Start a tiled GeoTIFF at `path` (written to a temporary file until
    /// `finish`). `options.tile_size` defaults to 256 when `None`.
    pub fn create(path: impl AsRef<std::path::Path>, spec: RasterSpec, options: &WriteOptions) -> Result<Self> {
        let tile = options.tile_size.unwrap_or(256) as usize;
        Self::create_chunked(path.as_ref(), spec, options, tile, tile, true)
    }

    /// Shared by the tiled writer and [`write_geotiff`](super::write_geotiff)'s strips.
    pub(crate) fn create_chunked(
        path: &std::path::Path,
        spec: RasterSpec,
        options: &WriteOptions,
        width: usize,
        height: usize,
        tiled: bool,
    ) -> Result<Self> {
        options.validate(&spec)?;
        if tiled && (width == 0 || width % 16 != 0 || height % 16 != 0) {
            return Err(GeoError::Invalid(format!("tile size {width}x{height} must be a positive multiple of 16")));
        }
        let bigtiff = match options.bigtiff {
            BigTiff::Always => true,
            BigTiff::Never => false,
            BigTiff::Auto => {
                (spec.cols as u64 * spec.rows as u64 * spec.bands as u64 * spec.dtype.size() as u64) > 3_900_000_000
            }
        };
        let (across, down) = (spec.cols.div_ceil(width), spec.rows.div_ceil(height));
        let file = TiffFile::create(path, bigtiff)?;
        tracing::debug!(path = %path.display(), across, down, tiled, bigtiff, "creating GeoTIFF");
        Ok(TiledGeoTiffWriter {
            spec,
            options: options.clone(),
            file,
            width,
            height,
            tiled,
            across,
            down,
            chunks: vec![None; across * down],
        })
    }

    /// Number of tiles across and down.
    pub fn grid(&self) -> (usize, usize) {
        (self.across, self.down)
    }

    /// All (tile_col, tile_row) pairs, row by row.
    pub fn tiles(&self) -> impl Iterator<Item = (usize, usize)> + use<> {
        let across = self.across;
        (0..self.down).flat_map(move |r| (0..across).map(move |c| (c, r)))
    }

    /// Pixel window of a tile, clipped to the raster.
    pub fn tile_window(&self, tile_col: usize, tile_row: usize) -> Window {
        let (x0, y0) = (tile_col * self.width, tile_row * self.height);
        Window::new(
            x0,
            y0,
            self.width.min(self.spec.cols.saturating_sub(x0)),
            self.height.min(self.spec.rows.saturating_sub(y0)),
        )
    }

    fn fill(&self) -> f32 {
        self.spec.nodata.filter(|v| v.is_finite() || self.spec.dtype == crate::DType::F32).unwrap_or(0.0) as f32
    }

    /// Compress a tile without writing it; `&self` so several threads can
    /// encode while one writes. `data` is band-sequential and covers either
    /// the clipped [`tile_window`](Self::tile_window) or the full tile size.
    pub fn encode_tile(&self, tile_col: usize, tile_row: usize, data: &[f32]) -> Result<EncodedTile> {
        if tile_col >= self.across || tile_row >= self.down {
            return Err(GeoError::Invalid(format!(
                "tile ({tile_col}, {tile_row}) is outside the {}x{} tile grid",
                self.across, self.down
            )));
        }
        let win = self.tile_window(tile_col, tile_row);
        let bands = self.spec.bands;
        let (src_w, src_h) = if data.len() == bands * win.cols * win.rows {
            (win.cols, win.rows)
        } else if data.len() == bands * self.width * self.height {
            (self.width, self.height)
        } else {
            return Err(GeoError::Invalid(format!(
                "tile ({tile_col}, {tile_row}) got {} samples, expected {bands}x{}x{} (or the full {}x{} tile)",
                data.len(),
                win.rows,
                win.cols,
                self.height,
                self.width
            )));
        };
        // Tiles are stored full size (padded); strips only hold their rows.
        let (out_w, out_h) = if self.tiled { (self.width, self.height) } else { (win.cols, win.rows) };
        let chunk = Chunk { valid: (win.cols, win.rows), src: (src_w, src_h), out: (out_w, out_h) };
        let bytes = encode_samples(&self.spec, &self.options, chunk, data, self.fill())
            .map_err(|source| GeoError::EncodeTile { col: tile_col, row: tile_row, source })?;
        Ok(EncodedTile { tile_col, tile_row, bytes })
    }

    /// Append a tile compressed by [`encode_tile`](Self::encode_tile).
    pub fn write_encoded(&mut self, tile: EncodedTile) -> Result<()> {
        let index = tile.tile_row * self.across + tile.tile_col;
        if self.chunks[index].is_some() {
            return Err(GeoError::Invalid(format!("tile ({}, {}) was already written", tile.tile_col, tile.tile_row)));
        }
        let offset = self.file.append(&tile.bytes)?;
        self.chunks[index] = Some((offset, tile.bytes.len() as u64));
        Ok(())
    }

    /// Compress and append one tile (band-sequential samples, see
    /// [`encode_tile`](Self::encode_tile)). Tiles may come in any order.
    pub fn write_tile(&mut self, tile_col: usize, tile_row: usize, data: &[f32]) -> Result<()> {
        let t = self.encode_tile(tile_col, tile_row, data)?;
        self.write_encoded(t)
    }

    /// Write a tile from a raster block covering the tile's window.
    pub fn write_tile_raster(&mut self, tile_col: usize, tile_row: usize, block: &Raster) -> Result<()> {
        if block.bands != self.spec.bands {
            return Err(GeoError::Invalid(format!("block has {} bands, the output {}", block.bands, self.spec.bands)));
        }
        self.write_tile(tile_col, tile_row, &block.data)
    }

    /// Fill tiles never written, write the directory and rename the file
    /// into place.
    pub fn finish(mut self) -> Result<()> {
        let missing: Vec<usize> = (0..self.chunks.len()).filter(|&i| self.chunks[i].is_none()).collect();
        if !missing.is_empty() {
            tracing::debug!(missing = missing.len(), "filling unwritten tiles with nodata");
        }
        let mut shared_fill: Option<(u64, u64)> = None;
        for i in missing {
            let (tc, tr) = (i % self.across, i / self.across);
            // All full-size tiles share one fill block; strips each get their own.
            if let (true, Some(c)) = (self.tiled, shared_fill) {
                self.chunks[i] = Some(c);
                continue;
            }
            let full = vec![self.fill(); self.spec.bands * self.width * self.height];
            let t = self.encode_tile(tc, tr, &full)?;
            self.write_encoded(t)?;
            shared_fill = self.chunks[i];
        }
        let chunks: Vec<(u64, u64)> = self.chunks.iter().map(|c| c.expect("all chunks written")).collect();
        let offsets = self.file.offsets_value(chunks.iter().map(|c| c.0).collect());
        let counts = self.file.offsets_value(chunks.iter().map(|c| c.1).collect());
        let mut tags = image_tags(&self.spec, &self.options);
        if self.tiled {
            tags.push((tag::TILE_WIDTH, Value::Long(vec![self.width as u32])));
            tags.push((tag::TILE_LENGTH, Value::Long(vec![self.height as u32])));
            tags.push((tag::TILE_OFFSETS, offsets));
            tags.push((tag::TILE_BYTE_COUNTS, counts));
        } else {
            tags.push((tag::STRIP_OFFSETS, offsets));
            tags.push((tag::ROWS_PER_STRIP, Value::Long(vec![self.height as u32])));
            tags.push((tag::STRIP_BYTE_COUNTS, counts));
        }
        self.file.finish(tags)
    }
}
