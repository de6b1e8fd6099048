#![no_main]
//! GeoPackage: SQLite file, catalog tables, geometry blobs (WKB).
#[path = "common.rs"]
mod common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = common::scratch(data, "gpkg");
    let _ = terradl_geo::vector::read_vector(&p);
});
