//! Bad GeoTIFF input gives a clear `GeoError`, never a panic. Runs without
//! Python: fixtures are written by our writer and then damaged byte-wise.

mod geotiff_support;

use geotiff_support::patch_tag;
use std::path::{Path, PathBuf};
use terradl_geo::geotiff::{read_geotiff, write_geotiff, Compression, GeoTiffReader, RasterSpec, TiledGeoTiffWriter, WriteOptions};
use terradl_geo::{DType, GeoError, Raster, Window};

fn good_file(dir: &Path, name: &str, tile: Option<u32>, compression: Compression) -> PathBuf {
    good_file_bands(dir, name, tile, compression, 2)
}

fn good_file_bands(dir: &Path, name: &str, tile: Option<u32>, compression: Compression, bands: usize) -> PathBuf {
    let mut r = Raster::new(bands, 40, 50, DType::U16);
    r.data.iter_mut().enumerate().for_each(|(i, v)| *v = (i % 977) as f32);
    let p = dir.join(name);
    write_geotiff(&p, &r, &WriteOptions { tile_size: tile, compression, ..WriteOptions::default() }).unwrap();
    p
}

/// The error and its causes, `: `-separated (as the CLI prints them).
fn err_text<T>(r: Result<T, GeoError>) -> String {
    match r {
        Ok(_) => panic!("bad input must be an error"),
        Err(e) => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                text += &format!(": {cause}");
                source = cause.source();
            }
            text
        }
    }
}

#[test]
fn wrong_magic_and_empty_and_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("not.tif");
    std::fs::write(&p, b"\x89PNG\r\n\x1a\n0000000000000000").unwrap();
    let e = err_text(GeoTiffReader::open(&p));
    assert!(e.contains("magic") && e.contains("not.tif"), "{e}");
    std::fs::write(&p, b"").unwrap();
    assert!(err_text(GeoTiffReader::open(&p)).contains("too short"));
    let e = err_text(GeoTiffReader::open(dir.path().join("absent.tif")));
    assert!(e.contains("absent.tif"), "{e}");
}

#[test]
fn truncated_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = good_file(dir.path(), "t.tif", Some(16), Compression::Deflate);
    let bytes = std::fs::read(&p).unwrap();
    // Our files keep the directory at the end: cutting the tail loses it.
    for keep in [8, 100, bytes.len() / 2, bytes.len() - 3] {
        std::fs::write(&p, &bytes[..keep]).unwrap();
        let e = err_text(read_geotiff(&p));
        assert!(e.contains("truncated") || e.contains("past the end") || e.contains("outside"), "{keep}: {e}");
    }
    // GDAL-style layout (directory first, data after): drop the data.
    let q = dir.path().join("front.tif");
    let mut w = TiledGeoTiffWriter::create(&q, RasterSpec::of(&Raster::new(1, 16, 16, DType::U8)), &WriteOptions::default()).unwrap();
    w.write_tile(0, 0, &[3.0; 256]).unwrap();
    w.finish().unwrap();
    let full = std::fs::read(&q).unwrap();
    // Move the IFD to the front by reading the header pointer and checking
    // that chopping the data region reports the tile past the end.
    let ifd = u32::from_le_bytes(full[4..8].try_into().unwrap()) as usize;
    assert!(ifd > 8, "IFD follows the data");
    let mut chopped = full[..8].to_vec();
    chopped.extend_from_slice(&full[ifd..]);
    // Point the header at the IFD's new place; its tile offset now lies beyond the data.
    chopped[4..8].copy_from_slice(&8u32.to_le_bytes());
    std::fs::write(&q, &chopped).unwrap();
    let e = err_text(read_geotiff(&q));
    assert!(e.contains("past the end") || e.contains("truncated"), "{e}");
}

#[test]
fn tile_offset_past_end_of_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("one_tile.tif");
    let spec = RasterSpec::of(&Raster::new(1, 16, 16, DType::U8));
    let mut w = TiledGeoTiffWriter::create(&p, spec, &WriteOptions { compression: Compression::None, tile_size: Some(16), ..WriteOptions::default() }).unwrap();
    w.write_tile(0, 0, &[1.0; 256]).unwrap();
    w.finish().unwrap();
    assert_eq!(read_geotiff(&p).unwrap().data, vec![1.0; 256]);
    patch_tag(&p, 324, 10_000_000);
    let e = err_text(GeoTiffReader::open(&p));
    assert!(e.contains("tile 0") && e.contains("past the end"), "{e}");
}

#[test]
fn zero_sized_raster() {
    let dir = tempfile::tempdir().unwrap();
    let p = good_file(dir.path(), "z.tif", None, Compression::None);
    patch_tag(&p, 256, 0);
    assert!(matches!(GeoTiffReader::open(&p), Err(GeoError::EmptyRaster { cols: 0, .. })));
    // Writing an empty raster is refused too.
    let empty = Raster { cols: 0, data: vec![], ..Raster::new(1, 4, 1, DType::U8) };
    assert!(matches!(write_geotiff(dir.path().join("e.tif"), &empty, &WriteOptions::default()), Err(GeoError::EmptyRaster { .. })));
    assert!(!dir.path().join("e.tif").exists());
}

#[test]
fn unsupported_compression_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = good_file(dir.path(), "c.tif", Some(16), Compression::Deflate);
    for (code, name) in [(7, "JPEG"), (34887, "LERC"), (50001, "WebP"), (4, "CCITT Group 4")] {
        patch_tag(&p, 259, code);
        let e = err_text(GeoTiffReader::open(&p));
        assert!(e.contains(name) && e.contains(&code.to_string()), "{code}: {e}");
    }
}

#[test]
fn unsupported_sample_type_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = good_file_bands(dir.path(), "s.tif", None, Compression::None, 1);
    // 16-bit -> claim 16-bit float (SampleFormat 3).
    patch_tag(&p, 339, 3);
    let e = err_text(GeoTiffReader::open(&p));
    assert!(e.contains("16-bit floating point"), "{e}");
}

#[test]
fn corrupt_compressed_data_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = good_file(dir.path(), "d.tif", Some(16), Compression::Deflate);
    let mut bytes = std::fs::read(&p).unwrap();
    // Tile data starts right after the 8-byte header: scribble over it.
    for b in &mut bytes[8..60] {
        *b = 0xAB;
    }
    std::fs::write(&p, bytes).unwrap();
    let reader = GeoTiffReader::open(&p).unwrap();
    let e = err_text(reader.read());
    assert!(e.contains("chunk 0") && e.contains("Deflate"), "{e}");
    // Windows that avoid the damaged tile still read.
    assert!(reader.read_window(Window::new(32, 32, 10, 8)).is_ok());
}

#[test]
fn missing_band_and_bad_windows() {
    let dir = tempfile::tempdir().unwrap();
    let p = good_file(dir.path(), "b.tif", Some(16), Compression::Lzw);
    let reader = GeoTiffReader::open(&p).unwrap();
    assert!(matches!(reader.read_band(2), Err(GeoError::MissingBand { band: 2, bands: 2 })));
    assert!(reader.read_band(1).is_ok());
    assert!(matches!(reader.read_window(Window::new(45, 0, 10, 10)), Err(GeoError::WindowOutOfBounds { .. })));
    assert!(matches!(reader.read_window(Window::new(0, 0, 0, 10)), Err(GeoError::EmptyRaster { .. })));
}

#[test]
fn unfinished_writer_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("never.tif");
    {
        let spec = RasterSpec::of(&Raster::new(1, 64, 64, DType::F32));
        let mut w = TiledGeoTiffWriter::create(&p, spec, &WriteOptions { tile_size: Some(32), ..WriteOptions::default() }).unwrap();
        w.write_tile(1, 1, &[0.5; 32 * 32]).unwrap();
        assert!(w.write_tile(1, 1, &[0.5; 32 * 32]).unwrap_err().to_string().contains("already written"));
        assert!(w.write_tile(2, 0, &[0.5; 32 * 32]).is_err());
        assert!(w.write_tile(0, 0, &[0.5; 10]).unwrap_err().to_string().contains("samples"));
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "dropping an unfinished writer removes its temp file: {left:?}");
    let bad_tile = TiledGeoTiffWriter::create(&p, RasterSpec::of(&Raster::new(1, 8, 8, DType::U8)), &WriteOptions { tile_size: Some(20), ..WriteOptions::default() });
    assert!(bad_tile.is_err());
}

/// Regression (found by `scripts/fuzz.sh`, 10 of 79,387 GeoTIFF mutants): a BitsPerSample
/// or SampleFormat tag with a value count of 0 indexed an empty list and panicked. It now
/// counts as absent, and the file gets the usual clear error or is read.
#[test]
fn sample_type_tags_with_no_values_are_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    for tag in [258u16, 339] {
        let p = dir.path().join(format!("count0-{tag}.tif"));
        let src = good_file(dir.path(), &format!("src-{tag}.tif"), None, Compression::None);
        let mut b = std::fs::read(&src).unwrap();
        let ifd = u32::from_le_bytes(b[4..8].try_into().unwrap()) as usize;
        let n = u16::from_le_bytes(b[ifd..ifd + 2].try_into().unwrap()) as usize;
        let entry = (0..n).map(|i| ifd + 2 + 12 * i).find(|&e| u16::from_le_bytes([b[e], b[e + 1]]) == tag);
        let Some(entry) = entry else { continue };
        b[entry + 4..entry + 8].copy_from_slice(&0u32.to_le_bytes());
        std::fs::write(&p, &b).unwrap();
        match GeoTiffReader::open(&p) {
            Ok(r) => drop(r.read()),
            Err(e) => assert!(e.to_string().contains("count0"), "{e}"),
        }
    }
}
