//! Cloude–Pottier entropy / anisotropy / mean alpha (Cloude & Pottier 1997,
//! IEEE TGRS 35(1):68–78).
//!
//! With the eigenvalues `λ1 ≥ λ2 ≥ λ3 ≥ 0` of T3 and unit eigenvectors `u_i`:
//! `p_i = λ_i / Σλ`, `H = −Σ p_i log3 p_i`, `A = (λ2 − λ3) / (λ2 + λ3)`,
//! `α_i = acos |u_i[0]|`, mean `α = Σ p_i α_i`.

use super::eigen::hermitian_eigen;
use super::matrix::Hermitian3;

/// Cloude–Pottier parameters of one (multilooked) coherency matrix.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CloudePottier {
    /// Entropy in [0, 1] (logarithm base 3).
    pub entropy: f64,
    /// Anisotropy in [0, 1]; 0 when `λ2 + λ3 = 0`.
    pub anisotropy: f64,
    /// Mean alpha angle in degrees, [0, 90].
    pub alpha_deg: f64,
    /// Eigenvalues of T3, largest first (negatives from round-off clamped to 0).
    pub eigenvalues: [f64; 3],
}

/// H/A/alpha of a coherency matrix T3; `None` when T3 is not finite or its
/// total power is not positive.
///
/// ```
/// use terradl_sar::polsar::{cloude_pottier, Hermitian3};
/// let hap = cloude_pottier(&Hermitian3::identity()).unwrap();
/// assert!((hap.entropy - 1.0).abs() < 1e-12);
/// assert!((hap.alpha_deg - 60.0).abs() < 1e-9);
/// ```
pub fn cloude_pottier(t3: &Hermitian3) -> Option<CloudePottier> {
    if !t3.is_finite() {
        return None;
    }
    let eig = hermitian_eigen(t3);
    let values = eig.values.map(|v| v.max(0.0));
    let total: f64 = values.iter().sum();
    if total.is_nan() || total <= 0.0 {
        return None;
    }
    let mut entropy = 0.0;
    let mut alpha = 0.0;
    for (value, vector) in values.iter().zip(&eig.vectors) {
        let p = value / total;
        if p > 0.0 {
            entropy -= p * p.ln() / 3f64.ln();
        }
        alpha += p * vector[0].norm().min(1.0).acos();
    }
    let (l2, l3) = (values[1], values[2]);
    let anisotropy = if l2 + l3 > 0.0 { (l2 - l3) / (l2 + l3) } else { 0.0 };
    Some(CloudePottier { entropy: entropy.clamp(0.0, 1.0), anisotropy, alpha_deg: alpha.to_degrees(), eigenvalues: values })
}
