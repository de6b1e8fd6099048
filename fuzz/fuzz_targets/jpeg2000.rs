#![no_main]
//! JPEG 2000: boxes, GMLJP2 / GeoJP2 georeferencing, codestream.
#[path = "common.rs"]
mod common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = common::scratch(data, "jp2");
    let _ = terradl_geo::read_raster(&p);
});
