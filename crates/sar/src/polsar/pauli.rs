//! Pauli decomposition powers.

use super::matrix::Hermitian3;
use super::scattering::QuadPolPixel;

/// Powers of the three Pauli components, `|a|², |b|², |c|²` with
/// `a = (HH + VV)/√2` (odd-bounce / surface), `b = (HH − VV)/√2`
/// (even-bounce / dihedral), `c = √2 HV` (45°-rotated dihedral, volume).
/// For reciprocal data `a2 + b2 + c2 = span`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PauliPowers {
    /// `|a|²`, odd bounce (surface).
    pub a2: f64,
    /// `|b|²`, even bounce (dihedral).
    pub b2: f64,
    /// `|c|²`, 45°-rotated dihedral (volume).
    pub c2: f64,
}

impl PauliPowers {
    /// Powers of one single-look pixel.
    ///
    /// ```
    /// use terradl_sar::polsar::{Complex64, PauliPowers, QuadPolPixel};
    /// let z = Complex64::new(0.0, 0.0);
    /// // A dihedral (HH = -VV) is pure b.
    /// let p = PauliPowers::from_pixel(&QuadPolPixel::new(Complex64::new(1.0, 0.0), z, z, Complex64::new(-1.0, 0.0)));
    /// assert!((p.b2 - 2.0).abs() < 1e-12 && p.a2 < 1e-12 && p.c2 < 1e-12);
    /// ```
    pub fn from_pixel(p: &QuadPolPixel) -> Self {
        let k = p.pauli_vector();
        PauliPowers { a2: k[0].norm_sqr(), b2: k[1].norm_sqr(), c2: k[2].norm_sqr() }
    }

    /// Powers from a (multilooked) coherency matrix: its diagonal.
    pub fn from_t3(t3: &Hermitian3) -> Self {
        PauliPowers { a2: t3.m[0][0].re, b2: t3.m[1][1].re, c2: t3.m[2][2].re }
    }

    /// Sum of the three powers.
    pub fn total(&self) -> f64 {
        self.a2 + self.b2 + self.c2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex64;

    #[test]
    fn span_is_conserved() {
        let c = Complex64::new;
        let p = QuadPolPixel::new(c(0.7, -0.1), c(0.2, 0.3), c(0.2, 0.3), c(-0.1, 0.9));
        let pp = PauliPowers::from_pixel(&p);
        assert!((pp.total() - p.span()).abs() < 1e-12);
        let from_t3 = PauliPowers::from_t3(&p.coherency());
        assert!((from_t3.a2 - pp.a2).abs() < 1e-12 && (from_t3.c2 - pp.c2).abs() < 1e-12);
    }

    #[test]
    fn helix_like_cross_pol_is_pure_c() {
        // HV = VH = 1, HH = VV = 0: c = √2, |c|² = 2 = span.
        let (z, one) = (Complex64::new(0.0, 0.0), Complex64::new(1.0, 0.0));
        let pp = PauliPowers::from_pixel(&QuadPolPixel::new(z, one, one, z));
        assert!((pp.c2 - 2.0).abs() < 1e-12 && pp.a2 == 0.0 && pp.b2 == 0.0);
    }
}
