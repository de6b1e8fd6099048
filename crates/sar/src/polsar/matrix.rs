//! A 3x3 complex (Hermitian) matrix, the per-pixel C3 or T3.

use num_complex::Complex64;
use std::f64::consts::FRAC_1_SQRT_2;

/// A 3x3 complex matrix, row-major; used for Hermitian C3/T3 matrices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hermitian3 {
    /// Elements, `m[row][col]`.
    pub m: [[Complex64; 3]; 3],
}

const ZERO: Complex64 = Complex64::new(0.0, 0.0);

impl Hermitian3 {
    /// The zero matrix.
    pub fn zero() -> Self {
        Hermitian3 { m: [[ZERO; 3]; 3] }
    }

    /// The identity matrix.
    pub fn identity() -> Self {
        Self::from_real_diagonal([1.0, 1.0, 1.0])
    }

    /// A real diagonal matrix.
    pub fn from_real_diagonal(d: [f64; 3]) -> Self {
        let mut out = Self::zero();
        for (i, v) in d.into_iter().enumerate() {
            out.m[i][i] = Complex64::new(v, 0.0);
        }
        out
    }

    /// The outer product `v v^H` (rank one, Hermitian, PSD).
    pub fn outer(v: [Complex64; 3]) -> Self {
        let mut out = Self::zero();
        for i in 0..3 {
            for j in 0..3 {
                out.m[i][j] = v[i] * v[j].conj();
            }
        }
        out
    }

    /// Sum of the diagonal (real part): the total power (span) of a C3/T3.
    pub fn trace(&self) -> f64 {
        (0..3).map(|i| self.m[i][i].re).sum()
    }

    /// Whether every element is finite.
    pub fn is_finite(&self) -> bool {
        self.m.iter().flatten().all(|z| z.re.is_finite() && z.im.is_finite())
    }

    /// Conjugate transpose.
    pub fn adjoint(&self) -> Self {
        let mut out = Self::zero();
        for i in 0..3 {
            for j in 0..3 {
                out.m[i][j] = self.m[j][i].conj();
            }
        }
        out
    }

    /// Matrix product `self * rhs`.
    pub fn mul(&self, rhs: &Self) -> Self {
        let mut out = Self::zero();
        for i in 0..3 {
            for j in 0..3 {
                out.m[i][j] = (0..3).map(|k| self.m[i][k] * rhs.m[k][j]).sum();
            }
        }
        out
    }

    /// Element-wise sum.
    pub fn add(&self, rhs: &Self) -> Self {
        let mut out = *self;
        for i in 0..3 {
            for j in 0..3 {
                out.m[i][j] += rhs.m[i][j];
            }
        }
        out
    }

    /// Multiply every element by a real scalar.
    pub fn scale(&self, s: f64) -> Self {
        let mut out = *self;
        out.m.iter_mut().flatten().for_each(|z| *z *= s);
        out
    }

    /// `U A U^H` for a unitary change of basis `U`.
    pub fn similarity(&self, u: &Self) -> Self {
        u.mul(self).mul(&u.adjoint())
    }

    /// Coherency T3 from covariance C3: `T3 = U C3 U^H`, with
    /// `U = [[1, 0, 1], [1, 0, −1], [0, √2, 0]] / √2`.
    pub fn c3_to_t3(&self) -> Self {
        self.similarity(&pauli_basis())
    }

    /// Covariance C3 from coherency T3: `C3 = U^H T3 U`.
    pub fn t3_to_c3(&self) -> Self {
        self.similarity(&pauli_basis().adjoint())
    }
}

/// The unitary matrix taking lexicographic to Pauli vectors: `k = U Ω`.
pub(crate) fn pauli_basis() -> Hermitian3 {
    let s = FRAC_1_SQRT_2;
    let c = |v: f64| Complex64::new(v, 0.0);
    Hermitian3 { m: [[c(s), ZERO, c(s)], [c(s), ZERO, c(-s)], [ZERO, c(1.0), ZERO]] }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &Hermitian3, b: &Hermitian3, tol: f64) -> bool {
        a.m.iter().flatten().zip(b.m.iter().flatten()).all(|(x, y)| (x - y).norm() < tol)
    }

    #[test]
    fn pauli_basis_is_unitary() {
        let u = pauli_basis();
        assert!(close(&u.mul(&u.adjoint()), &Hermitian3::identity(), 1e-12));
    }

    #[test]
    fn c3_t3_round_trip_keeps_trace() {
        let v = [Complex64::new(1.0, 0.5), Complex64::new(-0.2, 0.3), Complex64::new(0.4, -1.0)];
        let c3 = Hermitian3::outer(v).add(&Hermitian3::from_real_diagonal([0.1, 0.2, 0.3]));
        let t3 = c3.c3_to_t3();
        assert!((t3.trace() - c3.trace()).abs() < 1e-12);
        assert!(close(&t3.t3_to_c3(), &c3, 1e-12));
    }

    #[test]
    fn surface_c3_maps_to_t11() {
        // HH = VV = 1, HV = 0: Ω = [1, 0, 1], k = [√2, 0, 0]: T3 = diag(2, 0, 0).
        let one = Complex64::new(1.0, 0.0);
        let c3 = Hermitian3::outer([one, ZERO, one]);
        assert!(close(&c3.c3_to_t3(), &Hermitian3::from_real_diagonal([2.0, 0.0, 0.0]), 1e-12));
    }
}
