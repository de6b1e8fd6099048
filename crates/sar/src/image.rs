//! A whole polarimetric SAR image in one of the layouts the operations
//! ([`crate::SarOperation`]) accept, built from per-band grids.

use crate::polsar::{Complex64, Hermitian3, QuadPolPixel};
use crate::{GridShape, Result, SarError};

/// Dual-pol channels, in band order (Sentinel-1 VV, VH linear power).
pub const DUAL_POL_CHANNELS: [&str; 2] = ["VV", "VH"];

/// Quad-pol single-look complex channels, in band order: real and imaginary
/// parts of HH, HV, VH, VV.
pub const QUAD_POL_SLC_CHANNELS: [&str; 8] =
    ["HH_real", "HH_imag", "HV_real", "HV_imag", "VH_real", "VH_imag", "VV_real", "VV_imag"];

/// Covariance C3 elements in band order (the element files of a PolSARpro
/// `C3` directory): the real diagonal and the upper triangle.
pub const C3_CHANNELS: [&str; 9] =
    ["C11", "C12_real", "C12_imag", "C13_real", "C13_imag", "C22", "C23_real", "C23_imag", "C33"];

/// A polarimetric SAR image (NaN = nodata).
#[derive(Debug, Clone, PartialEq)]
pub enum PolarimetricImage {
    /// Quad-pol: per-pixel lexicographic covariance `C3 = <Ω Ω^H>`,
    /// `Ω = [HH, √2 HV, VV]` (see [`crate::polsar`]).
    QuadPol {
        /// Image size.
        shape: GridShape,
        /// One C3 per pixel, row-major.
        c3: Vec<Hermitian3>,
    },
    /// Dual-pol: co-pol and cross-pol linear backscatter power.
    DualPol {
        /// Image size.
        shape: GridShape,
        /// VV power, row-major.
        vv: Vec<f32>,
        /// VH power, row-major.
        vh: Vec<f32>,
    },
}

impl PolarimetricImage {
    /// An image from its bands (`bands[b]` is band `b`, row-major,
    /// `shape.len()` samples each). The layout follows the band count: 2 =
    /// [`DUAL_POL_CHANNELS`], 8 = [`QUAD_POL_SLC_CHANNELS`], 9 =
    /// [`C3_CHANNELS`]. When `names` is not empty (one per band, e.g. the
    /// file's band descriptions), each channel is found by name,
    /// case-insensitively, in any order; otherwise bands are taken in order.
    ///
    /// ```
    /// use terradl_sar::{GridShape, PolarimetricImage, SarError};
    /// let (vv, vh) = (vec![0.1f32; 4], vec![0.01f32; 4]);
    /// let img = PolarimetricImage::from_bands(GridShape::new(2, 2), &[&vv[..], &vh[..]], &[]).unwrap();
    /// assert!(matches!(img, PolarimetricImage::DualPol { .. }));
    /// let names = ["VV".to_string(), "HV".to_string()];
    /// let err = PolarimetricImage::from_bands(GridShape::new(2, 2), &[&vv[..], &vh[..]], &names).unwrap_err();
    /// assert!(matches!(err, SarError::MissingChannel { channel: "VH", .. }));
    /// ```
    pub fn from_bands(shape: GridShape, bands: &[&[f32]], names: &[String]) -> Result<Self> {
        for band in bands {
            shape.check("band", band.len())?;
        }
        if !names.is_empty() && names.len() != bands.len() {
            return Err(SarError::LengthMismatch { a: "band names", len_a: names.len(), b: "bands", len_b: bands.len() });
        }
        match bands.len() {
            2 => {
                let [vv, vh] = pick(bands, names, DUAL_POL_CHANNELS)?;
                Ok(PolarimetricImage::DualPol { shape, vv: vv.to_vec(), vh: vh.to_vec() })
            }
            8 => {
                let b = pick(bands, names, QUAD_POL_SLC_CHANNELS)?;
                let z = |re: &[f32], im: &[f32], i: usize| Complex64::new(re[i] as f64, im[i] as f64);
                let nan = Hermitian3 { m: [[Complex64::new(f64::NAN, f64::NAN); 3]; 3] };
                let c3 = (0..shape.len())
                    .map(|i| {
                        let p =
                            QuadPolPixel::new(z(b[0], b[1], i), z(b[2], b[3], i), z(b[4], b[5], i), z(b[6], b[7], i));
                        if p.is_finite() { p.covariance() } else { nan }
                    })
                    .collect();
                Ok(PolarimetricImage::QuadPol { shape, c3 })
            }
            9 => {
                let [c11, c12r, c12i, c13r, c13i, c22, c23r, c23i, c33] = pick(bands, names, C3_CHANNELS)?;
                let c3 = (0..shape.len())
                    .map(|i| {
                        let re = |v: &[f32]| Complex64::new(v[i] as f64, 0.0);
                        let z = |r: &[f32], im: &[f32]| Complex64::new(r[i] as f64, im[i] as f64);
                        let (c12, c13, c23) = (z(c12r, c12i), z(c13r, c13i), z(c23r, c23i));
                        Hermitian3 {
                            m: [
                                [re(c11), c12, c13],
                                [c12.conj(), re(c22), c23],
                                [c13.conj(), c23.conj(), re(c33)],
                            ],
                        }
                    })
                    .collect();
                Ok(PolarimetricImage::QuadPol { shape, c3 })
            }
            found => Err(SarError::BandLayout { found }),
        }
    }

    /// Image size.
    pub fn shape(&self) -> GridShape {
        match self {
            PolarimetricImage::QuadPol { shape, .. } | PolarimetricImage::DualPol { shape, .. } => *shape,
        }
    }

    /// The intensity (power) channels, with lower-case names: quad-pol
    /// `hh = C11`, `hv = C22 / 2`, `vv = C33`; dual-pol `vv`, `vh`.
    pub fn intensities(&self) -> Vec<(&'static str, Vec<f32>)> {
        match self {
            PolarimetricImage::QuadPol { c3, .. } => {
                let diag = |i: usize, scale: f64| c3.iter().map(|c| (c.m[i][i].re * scale) as f32).collect();
                vec![("hh", diag(0, 1.0)), ("hv", diag(1, 0.5)), ("vv", diag(2, 1.0))]
            }
            PolarimetricImage::DualPol { vv, vh, .. } => vec![("vv", vv.clone()), ("vh", vh.clone())],
        }
    }

    /// Co-pol VV and cross-pol power (VH; for quad-pol the reciprocal HV,
    /// `C22 / 2`), the inputs of the dual-pol features.
    pub fn co_and_cross_pol(&self) -> (Vec<f32>, Vec<f32>) {
        match self {
            PolarimetricImage::QuadPol { c3, .. } => (
                c3.iter().map(|c| c.m[2][2].re as f32).collect(),
                c3.iter().map(|c| (c.m[1][1].re * 0.5) as f32).collect(),
            ),
            PolarimetricImage::DualPol { vv, vh, .. } => (vv.clone(), vh.clone()),
        }
    }
}

/// The bands of `channels`, by name when `names` is given, else in order.
fn pick<'a, const N: usize>(bands: &[&'a [f32]], names: &[String], channels: [&'static str; N]) -> Result<[&'a [f32]; N]> {
    if names.is_empty() {
        return Ok(std::array::from_fn(|i| bands[i]));
    }
    let mut out = [&[][..]; N];
    for (slot, channel) in out.iter_mut().zip(channels) {
        let i = names
            .iter()
            .position(|n| n.trim().eq_ignore_ascii_case(channel))
            .ok_or_else(|| SarError::MissingChannel { channel, names: names.to_vec() })?;
        *slot = bands[i];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(re: f64, im: f64) -> Complex64 {
        Complex64::new(re, im)
    }

    #[test]
    fn slc_and_c3_bands_give_the_same_covariance() {
        let p = QuadPolPixel::new(c(0.5, -0.25), c(0.125, 0.25), c(0.125, 0.25), c(-0.75, 0.5));
        let slc: Vec<Vec<f32>> = [p.hh, p.hv, p.vh, p.vv].iter().flat_map(|z| [vec![z.re as f32], vec![z.im as f32]]).collect();
        let slc_refs: Vec<&[f32]> = slc.iter().map(|v| &v[..]).collect();
        let from_slc = PolarimetricImage::from_bands(GridShape::new(1, 1), &slc_refs, &[]).unwrap();
        let m = p.covariance().m;
        let c3: Vec<Vec<f32>> = [
            m[0][0].re, m[0][1].re, m[0][1].im, m[0][2].re, m[0][2].im, m[1][1].re, m[1][2].re, m[1][2].im, m[2][2].re,
        ]
        .iter()
        .map(|&v| vec![v as f32])
        .collect();
        // Reversed band order, found by name.
        let names: Vec<String> = C3_CHANNELS.iter().rev().map(|s| s.to_lowercase()).collect();
        let c3_refs: Vec<&[f32]> = c3.iter().rev().map(|v| &v[..]).collect();
        let from_c3 = PolarimetricImage::from_bands(GridShape::new(1, 1), &c3_refs, &names).unwrap();
        let (PolarimetricImage::QuadPol { c3: a, .. }, PolarimetricImage::QuadPol { c3: b, .. }) = (&from_slc, &from_c3)
        else {
            panic!("quad-pol expected")
        };
        for (x, y) in a[0].m.iter().flatten().zip(b[0].m.iter().flatten()) {
            assert!((x - y).norm() < 1e-6, "{x} vs {y}");
        }
        let hv = from_c3.intensities()[1].1[0];
        assert!((hv as f64 - p.hv.norm_sqr()).abs() < 1e-6);
    }

    #[test]
    fn bad_layouts_are_errors() {
        let b = vec![1.0f32; 4];
        let shape = GridShape::new(2, 2);
        assert_eq!(PolarimetricImage::from_bands(shape, &[&b, &b, &b], &[]), Err(SarError::BandLayout { found: 3 }));
        let short = vec![1.0f32; 3];
        assert!(matches!(
            PolarimetricImage::from_bands(shape, &[&b, &short], &[]),
            Err(SarError::ShapeMismatch { found: 3, .. })
        ));
        let names = vec!["VV".to_string()];
        assert!(matches!(
            PolarimetricImage::from_bands(shape, &[&b, &b], &names),
            Err(SarError::LengthMismatch { .. })
        ));
    }
}
