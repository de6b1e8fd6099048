//! Sentinel-1 dual-pol (VV, VH) features from linear backscatter power.
//!
//! Definitions (all inputs are linear sigma0/gamma0 power, not dB):
//! - `ratio_db = 10 log10(VH / VV)` (= VH_dB − VV_dB),
//! - `cross_pol_ratio = VH / VV` (linear),
//! - `rvi = 4 VH / (VV + VH)` (dual-pol radar vegetation index, Trudel et al.
//!   2012; Nasirzadehdizaji et al. 2019),
//! - `ndpi = (VV − VH) / (VV + VH)` (normalised difference polarisation index).
//!
//! A pixel whose VV or VH is not finite or not positive has no features (NaN).

use crate::{Result, SarError};

/// Dual-pol features of one pixel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DualPolFeatures {
    /// `10 log10(VH / VV)` in dB.
    pub ratio_db: f32,
    /// `VH / VV` (linear).
    pub cross_pol_ratio: f32,
    /// Radar vegetation index `4 VH / (VV + VH)`.
    pub rvi: f32,
    /// Normalised difference polarisation index `(VV − VH) / (VV + VH)`.
    pub ndpi: f32,
}

impl DualPolFeatures {
    /// Features of one pixel; `None` when VV or VH is not a positive finite power.
    ///
    /// ```
    /// use terradl_sar::dualpol::DualPolFeatures;
    /// let f = DualPolFeatures::from_powers(0.1, 0.01).unwrap();
    /// assert!((f.ratio_db - -10.0).abs() < 1e-5);
    /// assert!((f.rvi - 0.04 / 0.11).abs() < 1e-6);
    /// ```
    pub fn from_powers(vv: f32, vh: f32) -> Option<Self> {
        if !(vv.is_finite() && vh.is_finite() && vv > 0.0 && vh > 0.0) {
            return None;
        }
        let (vv, vh) = (vv as f64, vh as f64);
        let sum = vv + vh;
        Some(DualPolFeatures {
            ratio_db: (10.0 * (vh / vv).log10()) as f32,
            cross_pol_ratio: (vh / vv) as f32,
            rvi: (4.0 * vh / sum) as f32,
            ndpi: ((vv - vh) / sum) as f32,
        })
    }

    /// All-NaN features for nodata pixels.
    pub fn nodata() -> Self {
        DualPolFeatures { ratio_db: f32::NAN, cross_pol_ratio: f32::NAN, rvi: f32::NAN, ndpi: f32::NAN }
    }
}

/// Per-pixel dual-pol feature bands.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DualPolBands {
    /// `10 log10(VH / VV)` in dB per pixel.
    pub ratio_db: Vec<f32>,
    /// `VH / VV` (linear) per pixel.
    pub cross_pol_ratio: Vec<f32>,
    /// Radar vegetation index per pixel.
    pub rvi: Vec<f32>,
    /// Normalised difference polarisation index per pixel.
    pub ndpi: Vec<f32>,
}

impl DualPolBands {
    /// Compute the feature bands from VV and VH power bands of equal length.
    pub fn compute(vv: &[f32], vh: &[f32]) -> Result<Self> {
        if vv.len() != vh.len() {
            return Err(SarError::LengthMismatch { a: "VV", len_a: vv.len(), b: "VH", len_b: vh.len() });
        }
        let mut out = DualPolBands::default();
        for (&a, &b) in vv.iter().zip(vh) {
            let f = DualPolFeatures::from_powers(a, b).unwrap_or_else(DualPolFeatures::nodata);
            out.ratio_db.push(f.ratio_db);
            out.cross_pol_ratio.push(f.cross_pol_ratio);
            out.rvi.push(f.rvi);
            out.ndpi.push(f.ndpi);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_powers() {
        // VV = VH: ratio 0 dB, cross-pol ratio 1, RVI = 4/2 = 2, NDPI = 0.
        let f = DualPolFeatures::from_powers(0.05, 0.05).unwrap();
        assert!(f.ratio_db.abs() < 1e-6);
        assert!((f.cross_pol_ratio - 1.0).abs() < 1e-6);
        assert!((f.rvi - 2.0).abs() < 1e-6);
        assert!(f.ndpi.abs() < 1e-6);
    }

    #[test]
    fn typical_crop_values() {
        // VV = -10 dB (0.1), VH = -16 dB (0.025119): ratio -6 dB,
        // RVI = 4*0.025119/0.125119 = 0.80305, NDPI = 0.074881/0.125119 = 0.59848.
        let vh = 10f32.powf(-1.6);
        let f = DualPolFeatures::from_powers(0.1, vh).unwrap();
        assert!((f.ratio_db - -6.0).abs() < 1e-4);
        assert!((f.rvi - 0.80305).abs() < 1e-4);
        assert!((f.ndpi - 0.59848).abs() < 1e-4);
    }

    #[test]
    fn nodata_and_length_checks() {
        let b = DualPolBands::compute(&[0.1, 0.0, f32::NAN], &[0.01, 0.01, 0.01]).unwrap();
        assert!(b.rvi[0].is_finite());
        assert!(b.rvi[1].is_nan() && b.ratio_db[1].is_nan());
        assert!(b.ndpi[2].is_nan());
        assert!(DualPolBands::compute(&[0.1], &[]).is_err());
    }
}
