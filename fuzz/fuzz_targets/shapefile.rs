#![no_main]
//! Shapefile: the .shp records (with a fixed, valid .shx/.dbf beside them when the seed
//! corpus provides them, else without).
#[path = "common.rs"]
mod common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = common::scratch(data, "shp");
    let _ = terradl_geo::vector::read_vector(&p);
});
