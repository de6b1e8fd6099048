#![no_main]
//! GeoTIFF: header, IFDs, GeoKeys, chunks and decoders.
#[path = "common.rs"]
mod common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = common::scratch(data, "tif");
    if let Ok(r) = terradl_geo::geotiff::GeoTiffReader::open(&p) {
        let _ = r.read();
    }
});
