#![no_main]
//! Python pickle of NumPy covariance matrices (the SAR sample format).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = terradl_sar::io::CovarianceStack::from_pickle_bytes(data) {
        let _ = c.to_image();
    }
});
