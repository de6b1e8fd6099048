//! Eigen-decomposition of a 3x3 Hermitian matrix by cyclic complex Jacobi
//! rotations.
//!
//! Each rotation first removes the phase of the off-diagonal pivot with a
//! diagonal unitary, then applies a real Jacobi rotation (Numerical Recipes
//! §11.1); the product of these unitaries converges to the eigenvectors.

use super::matrix::Hermitian3;
use num_complex::Complex64;

/// Eigenvalues (descending) and unit eigenvectors of a Hermitian matrix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HermitianEigen {
    /// Real eigenvalues, largest first.
    pub values: [f64; 3],
    /// `vectors[k]` is the eigenvector of `values[k]` (unit norm).
    pub vectors: [[Complex64; 3]; 3],
}

/// Eigen-decomposition of a Hermitian matrix (only the upper triangle and the
/// real part of the diagonal are trusted to be consistent).
///
/// ```
/// use terradl_sar::polsar::{hermitian_eigen, Hermitian3};
/// let e = hermitian_eigen(&Hermitian3::from_real_diagonal([1.0, 3.0, 2.0]));
/// assert_eq!(e.values, [3.0, 2.0, 1.0]);
/// ```
pub fn hermitian_eigen(a: &Hermitian3) -> HermitianEigen {
    let mut a = *a;
    let mut v = Hermitian3::identity();
    let scale: f64 = a.m.iter().flatten().map(|z| z.norm_sqr()).sum();
    for _sweep in 0..64 {
        let off: f64 = [(0, 1), (0, 2), (1, 2)].iter().map(|&(p, q)| a.m[p][q].norm_sqr()).sum();
        if off <= 1e-30 * scale || off == 0.0 {
            break;
        }
        for (p, q) in [(0, 1), (0, 2), (1, 2)] {
            let apq = a.m[p][q];
            let abs = apq.norm();
            if abs == 0.0 {
                continue;
            }
            let phase = (apq / abs).conj(); // e^{-i phi}
            let theta = (a.m[q][q].re - a.m[p][p].re) / (2.0 * abs);
            let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
            let c = 1.0 / (t * t + 1.0).sqrt();
            let s = t * c;
            // U = D R with D = diag(1 at p, e^{-i phi} at q), R the real rotation.
            let mut u = Hermitian3::identity();
            u.m[p][p] = Complex64::new(c, 0.0);
            u.m[p][q] = Complex64::new(s, 0.0);
            u.m[q][p] = phase * -s;
            u.m[q][q] = phase * c;
            a = u.adjoint().mul(&a).mul(&u);
            v = v.mul(&u);
        }
    }
    let mut order = [0usize, 1, 2];
    order.sort_by(|&i, &j| a.m[j][j].re.total_cmp(&a.m[i][i].re));
    let values = order.map(|k| a.m[k][k].re);
    let vectors = order.map(|k| [v.m[0][k], v.m[1][k], v.m[2][k]]);
    HermitianEigen { values, vectors }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(re: f64, im: f64) -> Complex64 {
        Complex64::new(re, im)
    }

    fn check_decomposition(a: &Hermitian3, e: &HermitianEigen) {
        for k in 0..3 {
            let x = e.vectors[k];
            let norm: f64 = x.iter().map(|z| z.norm_sqr()).sum();
            assert!((norm - 1.0).abs() < 1e-10);
            for i in 0..3 {
                let ax: Complex64 = (0..3).map(|j| a.m[i][j] * x[j]).sum();
                assert!((ax - x[i] * e.values[k]).norm() < 1e-9, "A x != lambda x");
            }
            for l in 0..k {
                let dot: Complex64 = (0..3).map(|i| e.vectors[l][i].conj() * x[i]).sum();
                assert!(dot.norm() < 1e-10, "eigenvectors not orthogonal");
            }
        }
    }

    #[test]
    fn complex_block_closed_form() {
        // [[2, i], [-i, 2]] has eigenvalues 2 ± 1; with a separate 5 on the diagonal.
        let mut a = Hermitian3::from_real_diagonal([2.0, 2.0, 5.0]);
        a.m[0][1] = c(0.0, 1.0);
        a.m[1][0] = c(0.0, -1.0);
        let e = hermitian_eigen(&a);
        for (got, want) in e.values.iter().zip([5.0, 3.0, 1.0]) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        check_decomposition(&a, &e);
    }

    #[test]
    fn dense_hermitian_matrix() {
        // Eigenvalues of U diag(4, 1.5, 0.25) U^H are 4, 1.5, 0.25 for any unitary U;
        // build U from the Pauli basis times a complex phase-mixing rotation.
        let mut r = Hermitian3::identity();
        let (cs, sn) = (0.6f64, 0.8f64);
        r.m[0][0] = c(cs, 0.0);
        r.m[0][2] = c(0.0, sn);
        r.m[2][0] = c(0.0, sn);
        r.m[2][2] = c(cs, 0.0);
        let u = super::super::matrix::pauli_basis().mul(&r);
        let a = Hermitian3::from_real_diagonal([4.0, 1.5, 0.25]).similarity(&u);
        let e = hermitian_eigen(&a);
        for (got, want) in e.values.iter().zip([4.0, 1.5, 0.25]) {
            assert!((got - want).abs() < 1e-10, "{got} vs {want}");
        }
        check_decomposition(&a, &e);
    }

    #[test]
    fn rank_one_matrix() {
        let x = [c(0.3, 0.1), c(-0.5, 0.7), c(0.2, -0.4)];
        let norm2: f64 = x.iter().map(|z| z.norm_sqr()).sum();
        let a = Hermitian3::outer(x);
        let e = hermitian_eigen(&a);
        assert!((e.values[0] - norm2).abs() < 1e-12);
        assert!(e.values[1].abs() < 1e-12 && e.values[2].abs() < 1e-12);
        check_decomposition(&a, &e);
    }
}
