//! The call into `hayro-jpeg2000`, a pure-Rust decoder that yields each
//! component's samples as `f32` at the original bit depth (16-bit Sentinel-2
//! bands decode to the same values as GDAL's OpenJPEG driver).
//!
//! A decoder fed hostile input may panic; the call is wrapped in
//! `catch_unwind` so a corrupt file becomes an error, never a crash.

use hayro_jpeg2000::{DecodeSettings, DecoderContext, Image};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// One decoded component: its samples (row-major) and bit depth.
pub(super) struct DecodedComponent {
    pub(super) samples: Vec<f32>,
    pub(super) bits: u8,
}

/// Decode every component of a JP2 file or raw codestream. The error is the
/// decoder's message (or the panic's).
pub(super) fn decode(data: &[u8]) -> Result<Vec<DecodedComponent>, String> {
    match catch_unwind(AssertUnwindSafe(|| decode_unguarded(data))) {
        Ok(r) => r,
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown cause".into());
            Err(format!("the decoder panicked ({msg})"))
        }
    }
}

fn decode_unguarded(data: &[u8]) -> Result<Vec<DecodedComponent>, String> {
    // Lenient (non-strict) decoding, the decoder's default: what GDAL's
    // OpenJPEG driver reads, this reads.
    let settings = DecodeSettings::default();
    let image = Image::new(data, &settings).map_err(|e| e.to_string())?;
    let mut context = DecoderContext::default();
    let decoded = image.decode(&mut context).map_err(|e| e.to_string())?;
    Ok(decoded
        .components()
        .iter()
        .map(|c| DecodedComponent { samples: c.samples().to_vec(), bits: c.bit_depth() })
        .collect())
}
