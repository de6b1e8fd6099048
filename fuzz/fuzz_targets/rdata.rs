#![no_main]
//! R data (.rda): compression layer and R serialization.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = terradl_data::sources::rdata_objects(data);
});
