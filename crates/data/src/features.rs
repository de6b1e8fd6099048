//! Pixel feature extraction: band values of chosen pixels plus spectral
//! indices computed from named bands (NDVI from `red` and `nir`, NDWI from
//! `green` and `nir`).

use crate::error::{DataError, Result};
use crate::labelled_image::{LabelledImage, UNLABELLED};
use crate::samples::LabelledSamples;
use serde::{Deserialize, Serialize};

/// A normalised-difference index `(a - b) / (a + b)` of two named bands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NormalizedDifference {
    /// Feature name of the index (e.g. "ndvi").
    pub name: String,
    /// Band name of `a`.
    pub a: String,
    /// Band name of `b`.
    pub b: String,
}

impl NormalizedDifference {
    /// NDVI = (nir - red) / (nir + red).
    pub fn ndvi() -> Self {
        NormalizedDifference { name: "ndvi".into(), a: "nir".into(), b: "red".into() }
    }
    /// NDWI (McFeeters) = (green - nir) / (green + nir).
    pub fn ndwi() -> Self {
        NormalizedDifference { name: "ndwi".into(), a: "green".into(), b: "nir".into() }
    }
}

/// `(a - b) / (a + b)`, NaN when the sum is 0 or an input is missing.
pub fn normalized_difference(a: f32, b: f32) -> f32 {
    let s = a + b;
    if s == 0.0 || !s.is_finite() { f32::NAN } else { (a - b) / s }
}

/// Band values of `pixels` plus the requested indices, as labelled samples.
/// Pixels without a label are an error (sample from labelled pixels only).
pub fn pixel_features(img: &LabelledImage, pixels: &[usize], indices: &[NormalizedDifference]) -> Result<LabelledSamples> {
    let idx: Vec<(usize, usize)> = indices
        .iter()
        .map(|nd| {
            let find = |n: &str| {
                img.band(n).ok_or_else(|| {
                    DataError::Invalid(format!("index {} needs a band named {n}; bands are {:?}", nd.name, img.band_names))
                })
            };
            Ok((find(&nd.a)?, find(&nd.b)?))
        })
        .collect::<Result<_>>()?;
    let npix = img.image.rows * img.image.cols;
    let nf = img.image.bands + indices.len();
    let mut x = Vec::with_capacity(pixels.len() * nf);
    let mut y = Vec::with_capacity(pixels.len());
    for &p in pixels {
        if p >= npix || img.labels[p] == UNLABELLED {
            return Err(DataError::Invalid(format!("pixel {p} is not a labelled pixel")));
        }
        let value = |b: usize| {
            let v = img.image.data[b * npix + p];
            if img.image.is_nodata(v) { f32::NAN } else { v }
        };
        for b in 0..img.image.bands {
            x.push(value(b));
        }
        for &(a, b) in &idx {
            x.push(normalized_difference(value(a), value(b)));
        }
        y.push(img.labels[p]);
    }
    let mut names = img.band_names.clone();
    names.extend(indices.iter().map(|i| i.name.clone()));
    LabelledSamples::new(x, nf, names, y, img.class_names.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use terradl_geo::{DType, Raster};

    #[test]
    fn ndvi_from_named_bands() {
        let image = Raster::from_vec(2, 1, 2, DType::F32, vec![0.1, 0.2, 0.5, 0.2]).unwrap();
        let img = LabelledImage {
            image,
            labels: vec![0, UNLABELLED],
            objects: vec![0, UNLABELLED],
            class_names: vec!["veg".into()],
            band_names: vec!["red".into(), "nir".into()],
        };
        let s = pixel_features(&img, &[0], &[NormalizedDifference::ndvi()]).unwrap();
        assert_eq!(s.feature_names, vec!["red", "nir", "ndvi"]);
        assert!((s.x[2] - 0.4 / 0.6).abs() < 1e-6);
        assert!(pixel_features(&img, &[1], &[]).is_err());
        assert!(pixel_features(&img, &[0], &[NormalizedDifference::ndwi()]).is_err());
        assert!(normalized_difference(0.0, 0.0).is_nan());
    }
}
