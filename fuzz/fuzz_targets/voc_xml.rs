#![no_main]
//! Pascal VOC annotation XML.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = terradl_data::detection::parse_voc(&String::from_utf8_lossy(data));
});
