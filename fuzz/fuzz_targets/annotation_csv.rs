#![no_main]
//! DeepForest annotation CSV.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = terradl_data::detection::parse_annotation_csv(&String::from_utf8_lossy(data));
});
