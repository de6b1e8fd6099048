//! GeoTIFF reader: metadata at open, then whole-raster or windowed reads
//! that decode only the tiles/strips a window touches.

use super::codec::{self, ChunkShape};
use super::gdal_metadata::decode_band_names;
use super::georef::ifd_georef;
use super::ifd::{read_exact_at, tag, Ifd};
use super::sample::{self, Sample};
use super::{ColorMap, Compression, Predictor, RasterInfo};
use crate::{DType, GeoError, Raster, Result, Window};
use rayon::prelude::*;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Where each chunk (tile or strip) lives and how it is laid out.
#[derive(Debug, Clone)]
struct ChunkLayout {
    /// Chunk width/height in pixels (strips: full width x rows-per-strip).
    width: usize,
    height: usize,
    across: usize,
    down: usize,
    tiled: bool,
    offsets: Vec<u64>,
    byte_counts: Vec<u64>,
    big_endian: bool,
}

/// One chunk to decode: its grid position and plane (band for planar files, else 0).
#[derive(Debug, Clone, Copy)]
struct ChunkRef {
    cx: usize,
    cy: usize,
    plane: usize,
}

/// Reads a GeoTIFF's first image. Opening reads only the header and the
/// directory; pixels are decoded on `read*` calls, chunk by chunk.
///
/// ```no_run
/// use terradl_geo::geotiff::GeoTiffReader;
/// use terradl_geo::Window;
/// let reader = GeoTiffReader::open("scene.tif")?;
/// println!("{} x {} x {} {:?}", reader.info().cols, reader.info().rows, reader.info().bands, reader.info().crs);
/// let block = reader.read_window(Window::new(0, 0, 256, 256))?;
/// # Ok::<(), terradl_geo::GeoError>(())
/// ```
#[derive(Debug)]
pub struct GeoTiffReader {
    path: PathBuf,
    file: File,
    info: RasterInfo,
    layout: ChunkLayout,
}

fn invalid(path: &Path, reason: impl Into<String>) -> GeoError {
    GeoError::InvalidTiff { path: path.to_path_buf(), reason: reason.into() }
}

fn unsupported(path: &Path, what: impl Into<String>) -> GeoError {
    GeoError::Unsupported { path: path.to_path_buf(), what: what.into() }
}

impl GeoTiffReader {
    /// Open a GeoTIFF and read its metadata. Fails with a clear error on
    /// files that are not TIFFs, truncated, zero-sized, or use a sample type
    /// or compression terradl does not support.
    pub fn open(path: impl AsRef<Path>) -> Result<GeoTiffReader> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| GeoError::io(path, e))?;
        let ifd = Ifd::read(&file, path)?;
        let (info, layout) = parse(&ifd, path)?;
        tracing::debug!(path = %path.display(), cols = info.cols, rows = info.rows, bands = info.bands, "opened GeoTIFF");
        Ok(GeoTiffReader { path: path.to_path_buf(), file, info, layout })
    }

    /// Metadata read at open.
    pub fn info(&self) -> &RasterInfo {
        &self.info
    }

    /// Path the reader was opened on.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Read the whole raster, all bands.
    pub fn read(&self) -> Result<Raster> {
        self.read_window(self.full())
    }

    /// Read the whole raster decoding chunks in parallel on the rayon pool.
    pub fn read_parallel(&self) -> Result<Raster> {
        self.read_window_parallel(self.full())
    }

    /// Read a window (all bands), decoding only the chunks it touches.
    pub fn read_window(&self, window: Window) -> Result<Raster> {
        self.read_window_bands(window, &self.all_bands(), false)
    }

    /// Like [`read_window`](Self::read_window), decoding chunks in parallel.
    pub fn read_window_parallel(&self, window: Window) -> Result<Raster> {
        self.read_window_bands(window, &self.all_bands(), true)
    }

    /// Read one band (0-based) of the whole raster.
    pub fn read_band(&self, band: usize) -> Result<Raster> {
        self.read_window_bands(self.full(), &[band], false)
    }

    /// Read selected bands (0-based, any order) of a window. For planar
    /// files only the selected bands' chunks are decoded.
    pub fn read_window_bands(&self, window: Window, bands: &[usize], parallel: bool) -> Result<Raster> {
        let info = &self.info;
        window.check_read(bands, info.cols, info.rows, info.bands)?;
        let mut out = Raster::new(bands.len(), window.rows, window.cols, info.dtype);
        out.nodata = info.nodata;
        out.crs = info.crs.clone();
        out.transform = info.transform.window(window.col, window.row);
        let dtype = info.dtype;
        self.read_into(window, bands, parallel, &mut out.data, |src, spp, samples, dsts, span| {
            codec::deinterleave_to_f32(src, dtype, spp, samples, dsts, span)
        })?;
        Ok(out)
    }

    /// The samples of `bands` in `window` in the file's own type `T`, without conversion to
    /// `f32`: band-sequential, `bands.len() x window.rows x window.cols` values, half the
    /// memory of [`read_window_bands`](Self::read_window_bands) for 16-bit data. Fails when
    /// `T` is not the file's sample type.
    ///
    /// ```no_run
    /// use terradl_geo::geotiff::GeoTiffReader;
    /// use terradl_geo::Window;
    /// let reader = GeoTiffReader::open("sentinel2_l2a.tif")?; // uint16 reflectance
    /// let dn: Vec<u16> = reader.read_window_as(Window::new(0, 0, 512, 512), &[0, 1, 2], true)?;
    /// # Ok::<(), terradl_geo::GeoError>(())
    /// ```
    pub fn read_window_as<T: Sample>(&self, window: Window, bands: &[usize], parallel: bool) -> Result<Vec<T>> {
        let info = &self.info;
        if T::DTYPE != info.dtype {
            return Err(GeoError::Invalid(format!(
                "{}: samples are {:?}, not the requested {:?}",
                self.path.display(),
                info.dtype,
                T::DTYPE
            )));
        }
        window.check_read(bands, info.cols, info.rows, info.bands)?;
        let mut out = vec![T::default(); bands.len() * window.rows * window.cols];
        self.read_into(window, bands, parallel, &mut out, |src, spp, samples, dsts, span| {
            sample::deinterleave::<T, T>(src, spp, samples, dsts, span, |v| v)
        })?;
        Ok(out)
    }

    /// Decode the chunks `window` touches and `put` their samples of `bands` into `out`
    /// (band-sequential, one element per sample; `put(src, spp, samples, dsts, (at, n))`
    /// splits one row of `n` pixel-interleaved native-endian pixels into the band slices
    /// `dsts` from element `at` on, as
    /// [`sample::deinterleave`] does).
    fn read_into<T: Send>(
        &self,
        window: Window,
        bands: &[usize],
        parallel: bool,
        out: &mut [T],
        put: impl Fn(&[u8], usize, &[usize], &mut [&mut [T]], (usize, usize)) + Sync,
    ) -> Result<()> {
        super::huge_pages::advise(out);
        let l = &self.layout;
        let (cx0, cx1) = (window.col / l.width, (window.col + window.cols - 1) / l.width);
        let (cy0, cy1) = (window.row / l.height, (window.row + window.rows - 1) / l.height);
        let planes: Vec<usize> = if self.info.planar { bands.to_vec() } else { vec![0] };
        // Split every output band into the row blocks covered by each chunk row, so
        // chunk rows are decoded and placed independently (in parallel when asked),
        // each worker holding one chunk's bytes at a time.
        let band_len = window.rows * window.cols;
        let mut blocks: Vec<(usize, Vec<&mut [T]>)> =
            (cy0..=cy1).map(|cy| (cy, Vec::with_capacity(bands.len()))).collect();
        for plane_out in out.chunks_mut(band_len) {
            let mut rest = plane_out;
            for (cy, block) in blocks.iter_mut() {
                let (start, end) = self.block_rows(*cy, window);
                let (head, tail) = rest.split_at_mut((end - start) * window.cols);
                block.push(head);
                rest = tail;
            }
        }
        let work = |bufs: &mut ChunkBuffers, (cy, mut block): (usize, Vec<&mut [T]>)| -> Result<()> {
            for cx in cx0..=cx1 {
                for &plane in &planes {
                    let c = ChunkRef { cx, cy, plane };
                    self.decode(c, bufs)?;
                    self.place(c, &bufs.decoded, window, bands, &mut block, &put);
                }
            }
            Ok(())
        };
        if parallel {
            blocks.into_par_iter().try_for_each_init(ChunkBuffers::default, work)?;
        } else {
            let mut bufs = ChunkBuffers::default();
            for b in blocks {
                work(&mut bufs, b)?;
            }
        }
        Ok(())
    }

    /// Window rows (absolute, `start..end`) that chunk row `cy` covers.
    fn block_rows(&self, cy: usize, window: Window) -> (usize, usize) {
        let y0 = cy * self.layout.height;
        (y0.max(window.row), (y0 + self.layout.height).min(window.row + window.rows))
    }

    fn full(&self) -> Window {
        Window::new(0, 0, self.info.cols, self.info.rows)
    }

    fn all_bands(&self) -> Vec<usize> {
        (0..self.info.bands).collect()
    }

    /// Rows of data held by chunk row `cy` (strips at the bottom are short).
    fn chunk_rows(&self, cy: usize) -> usize {
        let l = &self.layout;
        if l.tiled { l.height } else { l.height.min(self.info.rows - cy * l.height) }
    }

    fn spp_per_chunk(&self) -> usize {
        if self.info.planar { 1 } else { self.info.bands }
    }

    /// Read and decode one chunk into `bufs.decoded` (native-order samples,
    /// chunk-local, pixel-interleaved).
    fn decode(&self, c: ChunkRef, bufs: &mut ChunkBuffers) -> Result<()> {
        let l = &self.layout;
        let index = (c.plane * l.down + c.cy) * l.across + c.cx;
        let (offset, count) = (l.offsets[index], l.byte_counts[index] as usize);
        let shape = ChunkShape {
            width: l.width,
            height: self.chunk_rows(c.cy),
            spp: self.spp_per_chunk(),
            bytes: self.info.dtype.size(),
        };
        // Every byte is overwritten by the read: no clearing, no zero-fill per chunk.
        bufs.raw.resize(count, 0);
        read_exact_at(&self.file, &mut bufs.raw, offset).map_err(|e| GeoError::io(&self.path, e))?;
        bufs.decoder
            .decode(&bufs.raw, self.info.compression, self.info.predictor, l.big_endian, shape, &mut bufs.decoded)
            .map_err(|e| GeoError::CorruptChunk { path: self.path.clone(), index, offset, source: e.into() })
    }

    /// Convert (`put`) the part of a decoded chunk that falls inside the window and copy it
    /// into the chunk row's output block (one slice per band), row by row.
    fn place<T>(
        &self,
        c: ChunkRef,
        decoded: &[u8],
        window: Window,
        bands: &[usize],
        block: &mut [&mut [T]],
        put: &impl Fn(&[u8], usize, &[usize], &mut [&mut [T]], (usize, usize)),
    ) {
        let l = &self.layout;
        let (x0, y0) = (c.cx * l.width, c.cy * l.height);
        let xs = x0.max(window.col)..(x0 + l.width).min(window.col + window.cols).min(self.info.cols);
        let ys = y0.max(window.row)..(y0 + self.chunk_rows(c.cy)).min(window.row + window.rows);
        let block_row0 = self.block_rows(c.cy, window).0;
        let spp = self.spp_per_chunk();
        let size = self.info.dtype.size();
        // The output bands this chunk holds, and their sample index within a pixel.
        let planar = self.info.planar;
        let wanted: Vec<bool> = bands.iter().map(|&b| !planar || b == c.plane).collect();
        let samples: Vec<usize> =
            bands.iter().zip(&wanted).filter(|(_, w)| **w).map(|(&b, _)| if planar { 0 } else { b }).collect();
        if samples.is_empty() {
            return;
        }
        let mut dsts: Vec<&mut [T]> =
            block.iter_mut().zip(&wanted).filter(|(_, w)| **w).map(|(b, _)| &mut **b).collect();
        for y in ys {
            let src = ((y - y0) * l.width + xs.start - x0) * spp * size;
            let src = &decoded[src..src + xs.len() * spp * size];
            let at = (y - block_row0) * window.cols + xs.start - window.col;
            put(src, spp, &samples, &mut dsts, (at, xs.len()));
        }
    }
}

/// Per-worker scratch reused across chunks: compressed bytes as read from the file, the
/// decoded samples and the decoder's state.
#[derive(Default)]
struct ChunkBuffers {
    raw: Vec<u8>,
    decoded: Vec<u8>,
    decoder: codec::ChunkDecoder,
}

/// Read a whole GeoTIFF into memory.
///
/// ```no_run
/// let r = terradl_geo::geotiff::read_geotiff("scene.tif")?;
/// println!("{} bands, CRS {}", r.bands, r.crs);
/// # Ok::<(), terradl_geo::GeoError>(())
/// ```
pub fn read_geotiff(path: impl AsRef<Path>) -> Result<Raster> {
    GeoTiffReader::open(path)?.read()
}

fn parse(ifd: &Ifd, path: &Path) -> Result<(RasterInfo, ChunkLayout)> {
    let req = |t: u16, name: &str| ifd.uint(t).ok_or_else(|| invalid(path, format!("required tag {name} ({t}) is missing")));
    let cols = req(tag::IMAGE_WIDTH, "ImageWidth")? as usize;
    let rows = req(tag::IMAGE_LENGTH, "ImageLength")? as usize;
    let bands = ifd.uint(tag::SAMPLES_PER_PIXEL).unwrap_or(1) as usize;
    if cols == 0 || rows == 0 || bands == 0 {
        return Err(GeoError::EmptyRaster { cols, rows, bands });
    }
    let code = ifd.uint(tag::COMPRESSION).unwrap_or(1);
    let compression = Compression::from_code(u16::try_from(code).unwrap_or(u16::MAX))
        .map_err(|name| unsupported(path, format!("{name}; terradl reads none, LZW, Deflate, ZSTD and PackBits")))?;
    let dtype = sample_type(ifd, bands, path)?;
    let predictor = match ifd.uint(tag::PREDICTOR).unwrap_or(1) {
        1 => Predictor::None,
        2 => Predictor::Horizontal,
        3 if dtype == DType::F32 => Predictor::FloatingPoint,
        p => return Err(unsupported(path, format!("predictor {p} with {} samples", dtype.gdal_name()))),
    };
    let photometric = ifd.uint(tag::PHOTOMETRIC).unwrap_or(1);
    if photometric == 6 {
        return Err(unsupported(path, "YCbCr photometric interpretation (convert to RGB with gdal_translate)"));
    }
    let planar = ifd.uint(tag::PLANAR_CONFIGURATION).unwrap_or(1) == 2 && bands > 1;

    let tiled = ifd.has(tag::TILE_WIDTH);
    let (width, height, offsets_tag, counts_tag) = if tiled {
        let tw = req(tag::TILE_WIDTH, "TileWidth")? as usize;
        let th = req(tag::TILE_LENGTH, "TileLength")? as usize;
        (tw, th, tag::TILE_OFFSETS, tag::TILE_BYTE_COUNTS)
    } else {
        let rps = ifd.uint(tag::ROWS_PER_STRIP).unwrap_or(rows as u64).min(rows as u64) as usize;
        (cols, rps, tag::STRIP_OFFSETS, tag::STRIP_BYTE_COUNTS)
    };
    if width == 0 || height == 0 {
        return Err(invalid(path, format!("chunk size {width}x{height} is zero")));
    }
    let (across, down) = (cols.div_ceil(width), rows.div_ceil(height));
    let planes = if planar { bands } else { 1 };
    let chunks = across * down * planes;
    let kind = if tiled { "tile" } else { "strip" };
    let offsets = ifd.uints(offsets_tag).ok_or_else(|| invalid(path, format!("{kind} offsets are missing")))?;
    let byte_counts = ifd.uints(counts_tag).ok_or_else(|| invalid(path, format!("{kind} byte counts are missing")))?;
    if offsets.len() < chunks || byte_counts.len() < chunks {
        return Err(invalid(path, format!(
            "{} {kind} offsets and {} byte counts for {chunks} {kind}s: truncated directory",
            offsets.len(),
            byte_counts.len()
        )));
    }
    for (i, (&o, &n)) in offsets.iter().zip(&byte_counts).take(chunks).enumerate() {
        if o.checked_add(n).is_none_or(|end| end > ifd.file_len) {
            return Err(invalid(path, format!(
                "{kind} {i} (offset {o}, {n} bytes) lies past the end of the file ({} bytes): truncated or corrupt",
                ifd.file_len
            )));
        }
    }
    let chunk_bytes = width as u64 * height as u64 * (bands / planes) as u64 * dtype.size() as u64;
    if chunk_bytes > 1 << 31 {
        return Err(unsupported(path, format!("{kind}s of {width}x{height} pixels ({chunk_bytes} bytes) are too large to decode")));
    }

    let (transform, crs) = ifd_georef(ifd);
    let transform = transform.unwrap_or_default();
    // Like GDAL, the nodata of a float32 raster is the float32 value nearest
    // the text, so that `Raster::is_nodata` matches the stored samples.
    let nodata = ifd
        .ascii(tag::GDAL_NODATA)
        .and_then(parse_nodata)
        .map(|v| if dtype == DType::F32 { v as f32 as f64 } else { v });
    let colormap = (photometric == 3).then(|| ifd.uints(tag::COLOR_MAP)).flatten().and_then(|v| ColorMap::from_tiff_tag(&v));

    let band_names = ifd.ascii(tag::GDAL_METADATA).map(|xml| decode_band_names(xml, bands)).unwrap_or_default();
    let info = RasterInfo {
        cols,
        rows,
        bands,
        dtype,
        transform,
        crs,
        nodata,
        compression,
        predictor,
        tiled: tiled.then_some((width as u32, height as u32)),
        bigtiff: ifd.bigtiff,
        planar,
        colormap,
        band_names,
    };
    let layout = ChunkLayout { width, height, across, down, tiled, offsets, byte_counts, big_endian: ifd.big_endian };
    Ok((info, layout))
}

fn sample_type(ifd: &Ifd, bands: usize, path: &Path) -> Result<DType> {
    // A tag with no values (count 0) counts as absent (found by fuzzing).
    let bits = ifd.uints(tag::BITS_PER_SAMPLE).filter(|v| !v.is_empty()).unwrap_or_else(|| vec![1]);
    let formats = ifd.uints(tag::SAMPLE_FORMAT).filter(|v| !v.is_empty()).unwrap_or_else(|| vec![1]);
    let b = bits[0];
    let f = formats[0];
    if bits.iter().take(bands).any(|&x| x != b) || formats.iter().take(bands).any(|&x| x != f) {
        return Err(unsupported(path, format!("bands with different sample types (bits {bits:?}, formats {formats:?})")));
    }
    let kind = match f {
        1 => "unsigned integer",
        2 => "signed integer",
        3 => "floating point",
        _ => "undefined",
    };
    Ok(match (b, f) {
        (8, 1) => DType::U8,
        (16, 1) => DType::U16,
        (16, 2) => DType::I16,
        (32, 3) => DType::F32,
        _ => {
            return Err(unsupported(path, format!(
                "{b}-bit {kind} samples; terradl reads 8-bit unsigned, 16-bit signed/unsigned and 32-bit float"
            )));
        }
    })
}

/// Parse a GDAL_NODATA string ("-9999", "nan", "1e+20").
fn parse_nodata(s: &str) -> Option<f64> {
    let s = s.trim().trim_end_matches('\0');
    match s.to_ascii_lowercase().as_str() {
        "nan" | "-nan" => Some(f64::NAN),
        "inf" | "+inf" => Some(f64::INFINITY),
        "-inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_can_be_shared_across_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<GeoTiffReader>();
    }

    #[test]
    fn nodata_strings() {
        assert_eq!(parse_nodata("-9999"), Some(-9999.0));
        assert_eq!(parse_nodata(" 0 "), Some(0.0));
        assert!(parse_nodata("nan").unwrap().is_nan());
        assert_eq!(parse_nodata("1e+20"), Some(1e20));
        assert_eq!(parse_nodata("garbage"), None);
    }
}
