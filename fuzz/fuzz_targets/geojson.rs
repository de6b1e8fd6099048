#![no_main]
//! GeoJSON text.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = terradl_geo::vector::parse_geojson(text, std::path::Path::new("fuzz.geojson"));
    }
});
