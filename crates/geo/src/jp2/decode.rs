//! The call into `hayro-jpeg2000`, a pure-Rust decoder that yields each
//! component's samples as `f32` at the original bit depth (16-bit Sentinel-2
//! bands decode to the same values as GDAL's OpenJPEG driver).
//!
//! A decoder fed hostile input may panic; the call is wrapped in
//! `catch_unwind` so a corrupt file becomes an error, never a crash.
//!
//! The decoder returns the wavelet output plus the unsigned DC level shift,
//! unrounded and unclamped, for every component: [`to_stored_range`] finishes
//! the job as OpenJPEG (and so GDAL) does.

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

/// Turn a component's decoded samples into the stored integer values, as
/// OpenJPEG does: undo the unsigned level shift the decoder applied to a
/// signed component, round to nearest (ties to even), and clamp to the range
/// of a `bits`-bit signed or unsigned integer. Irreversible (9/7 wavelet)
/// codestreams decode to values slightly outside that range near 0 and the
/// maximum: a Sentinel-2 band holds samples that decode to -128 where GDAL
/// reads 0.
pub(super) fn to_stored_range(samples: &mut [f32], bits: u8, signed: bool) {
    let bits = i32::from(bits.clamp(1, 31));
    let half = (1i64 << (bits - 1)) as f32;
    let (shift, lo, hi) = if signed { (half, -half, half - 1.0) } else { (0.0, 0.0, 2.0 * half - 1.0) };
    for v in samples {
        *v = (*v - shift).round_ties_even().clamp(lo, hi);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_rounded_and_clamped_like_openjpeg() {
        let mut u = vec![-128.0, -0.4, 0.5, 1.5, 1000.49, 65535.6, 70000.0];
        to_stored_range(&mut u, 16, false);
        assert_eq!(u, vec![0.0, 0.0, 0.0, 2.0, 1000.0, 65535.0, 65535.0]);
        // Signed 16-bit: the decoder added 32768.
        let mut s = vec![32768.0, 0.0, 32767.0, 65535.0, 70000.0, -5.0];
        to_stored_range(&mut s, 16, true);
        assert_eq!(s, vec![0.0, -32768.0, -1.0, 32767.0, 32767.0, -32768.0]);
        let mut b = vec![255.7, 12.2];
        to_stored_range(&mut b, 8, false);
        assert_eq!(b, vec![255.0, 12.0]);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode(b"\xff\x4f\xff\x51garbage").is_err());
        assert!(decode(b"not jpeg 2000").is_err());
    }
}
