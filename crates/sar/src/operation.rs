//! One SAR operation applied to a whole [`PolarimetricImage`], giving named
//! feature bands: what `terradl sar` runs.

use crate::dualpol::DualPolBands;
use crate::image::PolarimetricImage;
use crate::polsar::PolarimetricBands;
use crate::speckle::{SpeckleFilter, boxcar};
use crate::{GridShape, Result, SarError, db};

/// An operation on a polarimetric image. `window` is an odd multilook
/// (boxcar) size; 1 keeps the pixels as they are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SarOperation {
    /// Pauli powers `|a|²` (surface), `|b|²` (double bounce), `|c|²` (volume). Quad-pol.
    Pauli {
        /// Multilook window.
        window: usize,
    },
    /// Cloude–Pottier entropy, anisotropy and mean alpha (degrees). Quad-pol.
    HAlpha {
        /// Multilook window.
        window: usize,
    },
    /// Freeman–Durden surface, double-bounce and volume powers. Quad-pol.
    FreemanDurden {
        /// Multilook window.
        window: usize,
    },
    /// A speckle filter on every intensity channel
    /// ([`PolarimetricImage::intensities`]).
    Speckle(SpeckleFilter),
    /// Intensity channels in decibels (`10 log10`), after a boxcar multilook.
    Db {
        /// Multilook window.
        window: usize,
    },
    /// Dual-pol features of the co- and cross-pol powers (VH/VV in dB and
    /// linear, RVI, NDPI; see [`crate::dualpol`]), after a boxcar multilook.
    /// Quad-pol inputs use VV and the reciprocal HV.
    Ratio {
        /// Multilook window.
        window: usize,
    },
}

/// Named output bands of an operation, each `rows x cols`, row-major (NaN = nodata).
#[derive(Debug, Clone, PartialEq)]
pub struct SarProduct {
    /// Image size.
    pub shape: GridShape,
    /// Band names, in band order.
    pub names: Vec<String>,
    /// Band samples, in band order.
    pub bands: Vec<Vec<f32>>,
}

impl SarProduct {
    fn new(shape: GridShape, bands: Vec<(String, Vec<f32>)>) -> Self {
        let (names, bands) = bands.into_iter().unzip();
        SarProduct { shape, names, bands }
    }

    /// The band called `name`, if any.
    pub fn band(&self, name: &str) -> Option<&[f32]> {
        self.names.iter().position(|n| n == name).map(|i| &self.bands[i][..])
    }
}

impl SarOperation {
    /// Short name, as the CLI spells it.
    pub fn name(&self) -> &'static str {
        match self {
            SarOperation::Pauli { .. } => "pauli",
            SarOperation::HAlpha { .. } => "h-a-alpha",
            SarOperation::FreemanDurden { .. } => "freeman-durden",
            SarOperation::Speckle(SpeckleFilter::Boxcar { .. }) => "boxcar",
            SarOperation::Speckle(SpeckleFilter::Lee(_)) => "lee",
            SarOperation::Speckle(SpeckleFilter::RefinedLee(_)) => "refined-lee",
            SarOperation::Db { .. } => "db",
            SarOperation::Ratio { .. } => "ratio",
        }
    }

    /// Apply the operation to a whole image.
    ///
    /// ```
    /// use terradl_sar::{GridShape, PolarimetricImage, SarOperation};
    /// let img = PolarimetricImage::DualPol { shape: GridShape::new(1, 2), vv: vec![0.1, 0.2], vh: vec![0.01, 0.02] };
    /// let out = SarOperation::Ratio { window: 1 }.apply(&img).unwrap();
    /// assert_eq!(out.names, ["ratio_db", "cross_pol_ratio", "rvi", "ndpi"]);
    /// assert!((out.band("ratio_db").unwrap()[0] - -10.0).abs() < 1e-5);
    /// assert!(SarOperation::HAlpha { window: 7 }.apply(&img).is_err()); // needs quad-pol
    /// ```
    pub fn apply(&self, image: &PolarimetricImage) -> Result<SarProduct> {
        let shape = image.shape();
        let named = |v: Vec<(&str, Vec<f32>)>| SarProduct::new(shape, v.into_iter().map(|(n, b)| (n.to_string(), b)).collect());
        match *self {
            SarOperation::Pauli { window } => {
                let b = self.decompose(image, window)?;
                Ok(named(vec![("pauli_a2", b.pauli_a2), ("pauli_b2", b.pauli_b2), ("pauli_c2", b.pauli_c2)]))
            }
            SarOperation::HAlpha { window } => {
                let b = self.decompose(image, window)?;
                Ok(named(vec![("entropy", b.entropy), ("anisotropy", b.anisotropy), ("alpha_deg", b.alpha_deg)]))
            }
            SarOperation::FreemanDurden { window } => {
                let b = self.decompose(image, window)?;
                Ok(named(vec![("surface", b.surface), ("double_bounce", b.double_bounce), ("volume", b.volume)]))
            }
            SarOperation::Speckle(filter) => {
                let bands = image
                    .intensities()
                    .into_iter()
                    .map(|(n, v)| Ok((n.to_string(), filter.apply(&v, shape)?)))
                    .collect::<Result<Vec<_>>>()?;
                Ok(SarProduct::new(shape, bands))
            }
            SarOperation::Db { window } => {
                let bands = image
                    .intensities()
                    .into_iter()
                    .map(|(n, v)| {
                        let mut v = multilook_band(v, shape, window)?;
                        db::power_to_db_in_place(&mut v);
                        Ok((format!("{n}_db"), v))
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(SarProduct::new(shape, bands))
            }
            SarOperation::Ratio { window } => {
                let (co, cross) = image.co_and_cross_pol();
                let f = DualPolBands::compute(&multilook_band(co, shape, window)?, &multilook_band(cross, shape, window)?)?;
                Ok(named(vec![
                    ("ratio_db", f.ratio_db),
                    ("cross_pol_ratio", f.cross_pol_ratio),
                    ("rvi", f.rvi),
                    ("ndpi", f.ndpi),
                ]))
            }
        }
    }

    /// All quad-pol decompositions of the multilooked C3, or an error for dual-pol input.
    fn decompose(&self, image: &PolarimetricImage, window: usize) -> Result<PolarimetricBands> {
        match image {
            PolarimetricImage::QuadPol { shape, c3 } => PolarimetricBands::from_covariance(c3, *shape, window),
            PolarimetricImage::DualPol { .. } => Err(SarError::NeedsQuadPol { operation: self.name() }),
        }
    }
}

/// Boxcar average over an odd `window` (1: unchanged, but the window is still checked).
fn multilook_band(v: Vec<f32>, shape: GridShape, window: usize) -> Result<Vec<f32>> {
    if window == 1 { Ok(v) } else { boxcar(&v, shape, window) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::polsar::{Complex64, QuadPolPixel};
    use crate::speckle::LeeConfig;

    fn quad(n: usize) -> PolarimetricImage {
        let (z, one) = (Complex64::new(0.0, 0.0), Complex64::new(1.0, 0.0));
        let c3 = (0..n).map(|i| QuadPolPixel::new(one, z, z, if i % 2 == 0 { one } else { -one }).covariance()).collect();
        PolarimetricImage::QuadPol { shape: GridShape::new(1, n), c3 }
    }

    #[test]
    fn decompositions_name_their_bands() {
        let img = quad(4);
        let p = SarOperation::Pauli { window: 1 }.apply(&img).unwrap();
        assert_eq!(p.names, ["pauli_a2", "pauli_b2", "pauli_c2"]);
        // Pixel 0 is a trihedral (surface), pixel 1 a dihedral.
        assert!((p.bands[0][0] - 2.0).abs() < 1e-6 && (p.bands[1][1] - 2.0).abs() < 1e-6);
        let h = SarOperation::HAlpha { window: 3 }.apply(&img).unwrap();
        assert_eq!(h.names, ["entropy", "anisotropy", "alpha_deg"]);
        let fd = SarOperation::FreemanDurden { window: 1 }.apply(&img).unwrap();
        assert_eq!(fd.names, ["surface", "double_bounce", "volume"]);
    }

    #[test]
    fn intensity_operations_keep_channel_names() {
        let img = quad(3);
        let lee = SarOperation::Speckle(SpeckleFilter::Lee(LeeConfig { window: 3, enl: 1.0 })).apply(&img).unwrap();
        assert_eq!(lee.names, ["hh", "hv", "vv"]);
        let d = SarOperation::Db { window: 1 }.apply(&img).unwrap();
        assert_eq!(d.names, ["hh_db", "hv_db", "vv_db"]);
        assert_eq!(d.bands[0][0], 0.0); // |HH|² = 1: 0 dB
        assert!(d.bands[1][0].is_nan()); // zero cross-pol power has no dB value
    }

    #[test]
    fn quad_pol_operations_refuse_dual_pol_and_bad_windows_are_errors() {
        let img = PolarimetricImage::DualPol { shape: GridShape::new(1, 2), vv: vec![0.1; 2], vh: vec![0.01; 2] };
        for op in [SarOperation::Pauli { window: 1 }, SarOperation::HAlpha { window: 1 }, SarOperation::FreemanDurden { window: 1 }] {
            assert_eq!(op.apply(&img), Err(SarError::NeedsQuadPol { operation: op.name() }));
        }
        assert_eq!(SarOperation::Db { window: 4 }.apply(&img), Err(SarError::InvalidWindow(4)));
        assert_eq!(SarOperation::Pauli { window: 2 }.apply(&quad(2)), Err(SarError::InvalidWindow(2)));
    }
}
