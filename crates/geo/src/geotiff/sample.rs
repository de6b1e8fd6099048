//! Sample types a GeoTIFF can be read into without conversion
//! ([`GeoTiffReader::read_window_as`](super::GeoTiffReader::read_window_as)).

use crate::DType;

/// A plain numeric sample type of a GeoTIFF band (`u8`, `u16`, `i16`, `f32`).
pub trait Sample: Copy + Default + Send + Sync + sealed::Sealed + 'static {
    /// The raster sample type this Rust type holds.
    const DTYPE: DType;
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! sample {
    ($t:ty, $d:expr) => {
        impl sealed::Sealed for $t {}
        impl Sample for $t {
            const DTYPE: DType = $d;
        }
    };
}
sample!(u8, DType::U8);
sample!(u16, DType::U16);
sample!(i16, DType::I16);
sample!(f32, DType::F32);

/// Split one row of `n` pixel-interleaved, native-endian pixels (`spp` samples per pixel,
/// `src` starting at the row's first pixel) into per-band rows: sample `samples[k]` of pixel
/// `i` goes, converted by `conv`, to `dsts[k][at + i]`.
pub(crate) fn deinterleave<S: Sample, T>(
    src: &[u8],
    spp: usize,
    samples: &[usize],
    dsts: &mut [&mut [T]],
    (at, n): (usize, usize),
    conv: impl Fn(S) -> T,
) {
    let size = std::mem::size_of::<S>();
    assert!(samples.len() == dsts.len() && samples.iter().all(|&s| s < spp), "deinterleave: bad sample index");
    assert!(src.len() >= n * spp * size, "deinterleave: source too short");
    // SAFETY: `S` is a plain numeric type (every bit pattern is valid), and every index
    // passed below is under `n * spp` (checked above against `src.len()`).
    let read = |i: usize| -> S { unsafe { std::ptr::read_unaligned(src.as_ptr().add(i * size).cast::<S>()) } };
    // Band by band: a row of a chunk is a few kilobytes and stays in L1 across the passes,
    // and each pass is a plain strided loop (measured faster than one pass writing to every
    // band's row in turn).
    for (dst, &s) in dsts.iter_mut().zip(samples) {
        let dst = &mut dst[at..at + n];
        if spp == 1 {
            // Contiguous samples: a loop the compiler vectorises.
            for (i, d) in dst.iter_mut().enumerate() {
                *d = conv(read(i));
            }
        } else {
            for (i, d) in dst.iter_mut().enumerate() {
                *d = conv(read(i * spp + s));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_interleaved_rows_into_bands() {
        // Two pixels of three samples: (1, 2, 3), (4, 5, 6).
        let v: Vec<u16> = vec![1, 2, 3, 4, 5, 6];
        let raw: Vec<u8> = v.iter().flat_map(|x| x.to_ne_bytes()).collect();
        let (mut a, mut b) = ([0u16; 2], [0f32; 2]);
        deinterleave::<u16, u16>(&raw, 3, &[2], &mut [&mut a[..]], (0, 2), |x| x);
        assert_eq!(a, [3, 6]);
        let mut c = [0u16; 2];
        deinterleave::<u16, u16>(&raw, 3, &[1, 0], &mut [&mut a[..], &mut c[..]], (0, 2), |x| x);
        assert_eq!((a, c), ([2, 5], [1, 4]));
        deinterleave::<u16, f32>(&raw[2..], 1, &[0], &mut [&mut b[..]], (0, 2), |x| x as f32 * 0.5);
        assert_eq!(b, [1.0, 1.5]);
        let f: Vec<u8> = [1.5f32, -2.0].iter().flat_map(|x| x.to_ne_bytes()).collect();
        let mut out = [0f32; 3];
        deinterleave::<f32, f32>(&f[4..], 1, &[0], &mut [&mut out[..]], (2, 1), |x| x);
        assert_eq!(out, [0.0, 0.0, -2.0]);
    }
}
