//! Branch-free `exp`, `sigmoid` and `tanh` on `f32` that the compiler vectorizes when they
//! are applied over a slice (libm's scalar `expf`/`tanhf` took a third of an LSTM step).
//!
//! `exp` is Cephes' `expf` scheme: `x = n ln 2 + r` with `|r| <= ln 2 / 2`, a degree-6
//! polynomial for `e^r`, and `2^n` assembled in the exponent bits; relative error below
//! `2e-7` over the clamped range.

/// `1.5 * 2^23`: adding it rounds an `f32` of magnitude below `2^22` to an integer, which
/// then sits in the low mantissa bits.
const ROUND: f32 = 12_582_912.0;

/// `e^x`, clamped to `[e^-87, e^88]`.
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    let t = x * std::f32::consts::LOG2_E + ROUND;
    let n = t.to_bits() as i32 - ROUND.to_bits() as i32;
    let nf = t - ROUND;
    // r = x - n ln 2, with ln 2 split in two for precision.
    let r = x - nf * 0.693_359_4 + nf * 2.121_944_4e-4;
    let p = 1.987_569_1e-4f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 5.000_000_1e-1;
    let er = p * r * r + r + 1.0;
    er * f32::from_bits(((n + 127) << 23) as u32)
}

/// `1 / (1 + e^-x)`.
#[inline(always)]
pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// `tanh(x)` as `1 - 2 / (e^2x + 1)`; absolute error below `3e-7`.
#[inline(always)]
pub(crate) fn tanh(x: f32) -> f32 {
    1.0 - 2.0 / (exp(2.0 * x.clamp(-10.0, 10.0)) + 1.0)
}

/// Runs `f` compiled for AVX2 and FMA where the CPU has them, so the elementwise loops it
/// inlines (with [`exp`], [`sigmoid`], [`tanh`]) use 8-wide vectors; as baseline SSE2 code
/// elsewhere. Pass a closure marked `#[inline(always)]`: one the compiler leaves out of line
/// stays baseline code (seen for batch norm's backward, and for the LSTM's closures in
/// another build).
#[inline(always)]
pub(crate) fn simd<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has the features `avx2_fma` is compiled for.
        return unsafe { avx2_fma(f) };
    }
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn avx2_fma<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(test)]
mod tests {
    fn grid() -> impl Iterator<Item = f32> {
        (-200_000..=200_000).map(|i| i as f32 * 4.4e-4)
    }

    #[test]
    fn exp_is_within_2e_7_relative_error() {
        for x in grid().filter(|x| *x >= -87.0) {
            let (got, want) = (super::exp(x), (x as f64).exp());
            assert!(((got as f64 - want) / want).abs() < 2e-7, "exp({x}) = {got}, want {want}");
        }
        assert_eq!(super::exp(0.0), 1.0);
        assert_eq!(super::exp(-1e4), super::exp(-87.0), "clamped below");
        assert!(super::exp(-1e4) > 0.0 && super::exp(1e4).is_finite(), "clamped, never 0 or inf");
    }

    #[test]
    fn sigmoid_and_tanh_are_within_3e_7_absolute_error() {
        for x in grid() {
            let s = 1.0 / (1.0 + (-(x as f64)).exp());
            assert!((super::sigmoid(x) as f64 - s).abs() < 3e-7, "sigmoid({x})");
            assert!((super::tanh(x) as f64 - (x as f64).tanh()).abs() < 3e-7, "tanh({x})");
        }
        assert_eq!(super::tanh(50.0), 1.0);
        assert_eq!(super::tanh(-50.0), -1.0);
        assert!(super::sigmoid(-200.0) >= 0.0 && super::sigmoid(200.0) == 1.0);
    }

    #[test]
    fn simd_runs_the_closure_once_with_the_same_result() {
        let xs: Vec<f32> = grid().step_by(97).collect();
        let plain: Vec<f32> = xs.iter().map(|x| super::tanh(*x)).collect();
        let mut calls = 0;
        let fast: Vec<f32> = super::simd(#[inline(always)] || {
            calls += 1;
            xs.iter().map(|x| super::tanh(*x)).collect()
        });
        assert_eq!(calls, 1);
        plain.iter().zip(&fast).for_each(|(a, b)| assert!((a - b).abs() < 1e-6, "{a} vs {b}"));
    }
}
