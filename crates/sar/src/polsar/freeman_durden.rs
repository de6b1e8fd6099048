//! Freeman–Durden three-component decomposition (Freeman & Durden 1998, IEEE
//! TGRS 36(3):963–973).
//!
//! Model of the covariance C3 (`Ω = [HH, √2 HV, VV]`), with reflection symmetry:
//! - volume (random thin dipoles): `fv [[1, 0, 1/3], [0, 2/3, 0], [1/3, 0, 1]]`,
//!   so `fv = 3 <|HV|²>` and `Pv = 8 fv / 3`;
//! - surface: `fs [[|β|², 0, β], [0, 0, 0], [β*, 0, 1]]`, `Ps = fs (1 + |β|²)`;
//! - double bounce: `fd [[|α|², 0, α], [0, 0, 0], [α*, 0, 1]]`, `Pd = fd (1 + |α|²)`.
//!
//! After removing the volume part, `A = <|HH|²> − fv`, `B = <|VV|²> − fv`,
//! `C = <HH VV*> − fv/3`. If `Re C ≥ 0` surface dominates and `α = −1` is
//! fixed; otherwise double bounce dominates and `β = 1` is fixed. Both cases
//! have the closed-form solutions used below, written so that
//! `Ps + Pd = A + B` and hence `Ps + Pd + Pv = span` exactly.
//!
//! Non-negativity: when the volume power exceeds the co-pol powers (`A ≤ 0`
//! or `B ≤ 0`) all power is assigned to volume (`Pv = span`, `Ps = Pd = 0`),
//! and a non-realisable `|C|² > A B` is shrunk to `|C| = √(A B)` (the data
//! conditioning of PolSARpro). Both keep every power ≥ 0 and the span intact.

use super::matrix::Hermitian3;

/// Surface, double-bounce and volume powers of one pixel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FreemanDurden {
    /// Surface (odd-bounce) power `Ps`.
    pub surface: f64,
    /// Double-bounce power `Pd`.
    pub double_bounce: f64,
    /// Volume power `Pv`.
    pub volume: f64,
}

impl FreemanDurden {
    /// `Ps + Pd + Pv`.
    pub fn total(&self) -> f64 {
        self.surface + self.double_bounce + self.volume
    }
}

/// Freeman–Durden powers from a (multilooked) covariance matrix C3; `None`
/// when C3 is not finite or its span is not positive.
///
/// ```
/// use terradl_sar::polsar::{freeman_durden, Complex64, QuadPolPixel};
/// let (z, one) = (Complex64::new(0.0, 0.0), Complex64::new(1.0, 0.0));
/// // Dihedral: HH = -VV.
/// let fd = freeman_durden(&QuadPolPixel::new(one, z, z, -one).covariance()).unwrap();
/// assert!((fd.double_bounce - 2.0).abs() < 1e-12 && fd.surface.abs() < 1e-12);
/// ```
pub fn freeman_durden(c3: &Hermitian3) -> Option<FreemanDurden> {
    if !c3.is_finite() {
        return None;
    }
    let hh = c3.m[0][0].re;
    let hv = c3.m[1][1].re / 2.0; // <|HV|²>, since C22 = 2 <|HV|²>
    let vv = c3.m[2][2].re;
    let span = hh + 2.0 * hv + vv;
    if span.is_nan() || span <= 0.0 {
        return None;
    }
    let fv = 3.0 * hv;
    let volume = 8.0 * fv / 3.0;
    let a = hh - fv;
    let b = vv - fv;
    let eps = 1e-12 * span;
    if a <= eps || b <= eps {
        return Some(FreemanDurden { surface: 0.0, double_bounce: 0.0, volume: span });
    }
    let mut c = c3.m[0][2] - fv / 3.0;
    let c_abs2 = c.norm_sqr();
    if c_abs2 > a * b {
        c *= (a * b / c_abs2).sqrt();
    }
    let det = (a * b - c.norm_sqr()).max(0.0);
    let (surface, double_bounce) = if c.re >= 0.0 {
        // α = −1: fd = (AB − |C|²) / (A + B + 2 Re C); Pd = 2 fd; Ps = A + B − 2 fd.
        let fd = det / (a + b + 2.0 * c.re);
        (a + b - 2.0 * fd, 2.0 * fd)
    } else {
        // β = 1: fs = (AB − |C|²) / (A + B − 2 Re C); Ps = 2 fs; Pd = A + B − 2 fs.
        let fs = det / (a + b - 2.0 * c.re);
        (2.0 * fs, a + b - 2.0 * fs)
    };
    Some(FreemanDurden { surface: surface.max(0.0), double_bounce: double_bounce.max(0.0), volume })
}
