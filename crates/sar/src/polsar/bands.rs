//! Whole-image decomposition: quad-pol pixels -> multilooked feature bands.

use super::{PauliPowers, QuadPolPixel, cloude_pottier, freeman_durden, multilook};
use crate::{GridShape, Result};

/// Per-pixel feature bands of a quad-pol image (NaN = nodata), each
/// `rows x cols`, row-major.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolarimetricBands {
    /// Pauli power `|a|²` (surface) of the multilooked T3.
    pub pauli_a2: Vec<f32>,
    /// Pauli power `|b|²` (even bounce) of the multilooked T3.
    pub pauli_b2: Vec<f32>,
    /// Pauli power `|c|²` (volume) of the multilooked T3.
    pub pauli_c2: Vec<f32>,
    /// Cloude–Pottier entropy.
    pub entropy: Vec<f32>,
    /// Cloude–Pottier anisotropy.
    pub anisotropy: Vec<f32>,
    /// Cloude–Pottier mean alpha angle in degrees.
    pub alpha_deg: Vec<f32>,
    /// Freeman–Durden surface power.
    pub surface: Vec<f32>,
    /// Freeman–Durden double-bounce power.
    pub double_bounce: Vec<f32>,
    /// Freeman–Durden volume power.
    pub volume: Vec<f32>,
    /// Total power (trace of the multilooked T3).
    pub span: Vec<f32>,
}

impl PolarimetricBands {
    /// Multilook C3 over an odd `window` and decompose every pixel.
    /// Pixels with a non-finite amplitude are nodata.
    ///
    /// ```
    /// use terradl_sar::{polsar::{Complex64, PolarimetricBands, QuadPolPixel}, GridShape};
    /// let one = Complex64::new(1.0, 0.0);
    /// let z = Complex64::new(0.0, 0.0);
    /// let px = vec![QuadPolPixel::new(one, z, z, one); 4];
    /// let b = PolarimetricBands::compute(&px, GridShape::new(2, 2), 3).unwrap();
    /// assert!(b.entropy[0].abs() < 1e-6 && (b.surface[0] - 2.0).abs() < 1e-6);
    /// ```
    pub fn compute(pixels: &[QuadPolPixel], shape: GridShape, window: usize) -> Result<Self> {
        shape.check("quad-pol image", pixels.len())?;
        let nan = super::Complex64::new(f64::NAN, f64::NAN);
        let c3: Vec<_> = pixels
            .iter()
            .map(|p| if p.is_finite() { p.covariance() } else { super::Hermitian3 { m: [[nan; 3]; 3] } })
            .collect();
        Self::from_covariance(&c3, shape, window)
    }

    /// Multilook per-pixel covariance matrices C3 (lexicographic basis, e.g.
    /// read from real data with [`crate::io::CovarianceStack`]) over an odd
    /// `window` (1 = no averaging) and decompose every pixel. Matrices that
    /// are not finite are nodata.
    pub fn from_covariance(c3: &[super::Hermitian3], shape: GridShape, window: usize) -> Result<Self> {
        let looks = multilook(c3, shape, window)?;
        let mut out = PolarimetricBands::default();
        for c in &looks {
            let t3 = c.c3_to_t3();
            let pauli = c.is_finite().then(|| PauliPowers::from_t3(&t3));
            let hap = cloude_pottier(&t3);
            let fd = freeman_durden(c);
            let f = |v: Option<f64>| v.map_or(f32::NAN, |x| x as f32);
            out.pauli_a2.push(f(pauli.map(|p| p.a2)));
            out.pauli_b2.push(f(pauli.map(|p| p.b2)));
            out.pauli_c2.push(f(pauli.map(|p| p.c2)));
            out.entropy.push(f(hap.map(|h| h.entropy)));
            out.anisotropy.push(f(hap.map(|h| h.anisotropy)));
            out.alpha_deg.push(f(hap.map(|h| h.alpha_deg)));
            out.surface.push(f(fd.map(|d| d.surface)));
            out.double_bounce.push(f(fd.map(|d| d.double_bounce)));
            out.volume.push(f(fd.map(|d| d.volume)));
            out.span.push(f(c.is_finite().then(|| c.trace())));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex64;

    #[test]
    fn nodata_pixel_stays_nodata_and_neighbours_ignore_it() {
        let one = Complex64::new(1.0, 0.0);
        let z = Complex64::new(0.0, 0.0);
        let mut px = vec![QuadPolPixel::new(one, z, z, -one); 3];
        px[1].hh = Complex64::new(f64::NAN, 0.0);
        let b = PolarimetricBands::compute(&px, GridShape::new(1, 3), 3).unwrap();
        assert!(b.entropy[1].is_nan() && b.span[1].is_nan() && b.surface[1].is_nan());
        // Neighbours average only the valid dihedral: alpha 90°, Pd = span = 2.
        assert!((b.alpha_deg[0] - 90.0).abs() < 1e-4 && (b.double_bounce[2] - 2.0).abs() < 1e-6);
        assert!((b.pauli_b2[0] - 2.0).abs() < 1e-6);
    }
}
