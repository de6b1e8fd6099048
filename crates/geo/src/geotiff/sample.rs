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

/// Copy every `stride`-th sample of native-endian `raw` into `out` (`out.len()` samples).
pub(crate) fn strided_copy<T: Sample>(raw: &[u8], stride: usize, out: &mut [T]) {
    let size = std::mem::size_of::<T>();
    if stride == 1 {
        let n = out.len() * size;
        assert!(raw.len() >= n, "strided_copy: source too short");
        // SAFETY: `out` holds `n` bytes of a plain numeric type (every bit pattern is a
        // valid value), `raw` at least `n` (checked), and the two cannot overlap (`out` is
        // borrowed mutably).
        unsafe { std::ptr::copy_nonoverlapping(raw.as_ptr(), out.as_mut_ptr().cast::<u8>(), n) };
    } else {
        for (i, o) in out.iter_mut().enumerate() {
            let src = &raw[i * stride * size..(i * stride + 1) * size];
            // SAFETY: as above, for one sample.
            unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), (o as *mut T).cast::<u8>(), size) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_contiguous_and_strided_samples() {
        let v: Vec<u16> = vec![1, 2, 3, 4, 5, 6];
        let raw: Vec<u8> = v.iter().flat_map(|x| x.to_ne_bytes()).collect();
        let mut out = [0u16; 6];
        strided_copy(&raw, 1, &mut out);
        assert_eq!(out, [1, 2, 3, 4, 5, 6]);
        let mut out = [0u16; 2];
        strided_copy(&raw[2..], 3, &mut out);
        assert_eq!(out, [2, 5]);
        let f: Vec<u8> = [1.5f32, -2.0].iter().flat_map(|x| x.to_ne_bytes()).collect();
        let mut out = [0f32; 1];
        strided_copy(&f[4..], 1, &mut out);
        assert_eq!(out, [-2.0]);
    }
}
