//! One pixel of a quad-pol scattering matrix and its target vectors.

use super::matrix::Hermitian3;
use num_complex::Complex64;
use std::f64::consts::{FRAC_1_SQRT_2, SQRT_2};

/// Complex scattering amplitudes of one pixel (single-look complex).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuadPolPixel {
    /// Complex amplitude `S_HH`.
    pub hh: Complex64,
    /// Complex amplitude `S_HV`.
    pub hv: Complex64,
    /// Complex amplitude `S_VH`.
    pub vh: Complex64,
    /// Complex amplitude `S_VV`.
    pub vv: Complex64,
}

impl QuadPolPixel {
    /// A pixel from its four complex amplitudes.
    pub fn new(hh: Complex64, hv: Complex64, vh: Complex64, vv: Complex64) -> Self {
        QuadPolPixel { hh, hv, vh, vv }
    }

    /// Cross-pol amplitude under reciprocity: `(S_HV + S_VH) / 2`.
    pub fn hv_reciprocal(&self) -> Complex64 {
        (self.hv + self.vh) * 0.5
    }

    /// Total power `|HH|² + |HV|² + |VH|² + |VV|²`.
    pub fn span(&self) -> f64 {
        self.hh.norm_sqr() + self.hv.norm_sqr() + self.vh.norm_sqr() + self.vv.norm_sqr()
    }

    /// Lexicographic vector `[HH, √2 HV, VV]` (reciprocal HV).
    pub fn lexicographic(&self) -> [Complex64; 3] {
        [self.hh, self.hv_reciprocal() * SQRT_2, self.vv]
    }

    /// Pauli vector `[HH + VV, HH − VV, 2 HV] / √2` (reciprocal HV).
    ///
    /// ```
    /// use terradl_sar::polsar::{Complex64, QuadPolPixel};
    /// let one = Complex64::new(1.0, 0.0);
    /// let zero = Complex64::new(0.0, 0.0);
    /// // A trihedral (HH = VV) has all its power in the first Pauli component.
    /// let k = QuadPolPixel::new(one, zero, zero, one).pauli_vector();
    /// assert!((k[0].norm_sqr() - 2.0).abs() < 1e-12 && k[1].norm() < 1e-12);
    /// ```
    pub fn pauli_vector(&self) -> [Complex64; 3] {
        let s = FRAC_1_SQRT_2;
        [(self.hh + self.vv) * s, (self.hh - self.vv) * s, self.hv_reciprocal() * (2.0 * s)]
    }

    /// Single-look covariance `Ω Ω^H`.
    pub fn covariance(&self) -> Hermitian3 {
        Hermitian3::outer(self.lexicographic())
    }

    /// Single-look coherency `k k^H`.
    pub fn coherency(&self) -> Hermitian3 {
        Hermitian3::outer(self.pauli_vector())
    }

    /// Whether all amplitudes are finite.
    pub fn is_finite(&self) -> bool {
        [self.hh, self.hv, self.vh, self.vv].iter().all(|z| z.re.is_finite() && z.im.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(re: f64, im: f64) -> Complex64 {
        Complex64::new(re, im)
    }

    #[test]
    fn span_equals_trace_for_reciprocal_pixel() {
        let p = QuadPolPixel::new(c(0.3, -0.2), c(0.1, 0.05), c(0.1, 0.05), c(-0.4, 0.6));
        let span = p.span();
        assert!((p.covariance().trace() - span).abs() < 1e-12);
        assert!((p.coherency().trace() - span).abs() < 1e-12);
        let t = p.coherency();
        assert!((t.m[0][1] - t.m[1][0].conj()).norm() < 1e-15, "T3 must be Hermitian");
    }

    #[test]
    fn coherency_is_pauli_transform_of_covariance() {
        let p = QuadPolPixel::new(c(1.0, 0.2), c(-0.3, 0.1), c(-0.3, 0.1), c(0.5, -0.7));
        let t = p.coherency();
        let t_from_c = p.covariance().c3_to_t3();
        for (a, b) in t.m.iter().flatten().zip(t_from_c.m.iter().flatten()) {
            assert!((a - b).norm() < 1e-12);
        }
    }
}
