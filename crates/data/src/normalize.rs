//! Per-feature normalisation statistics (mean / standard deviation), computed
//! on training data only, stored with the model (serde) and applied to
//! training, validation and prediction data alike. Nodata-aware: NaN and
//! the given nodata value are skipped when computing and left untouched
//! (as NaN) when applying.

use crate::error::{DataError, Result};
use serde::{Deserialize, Serialize};

/// Mean and standard deviation of each feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NormStats {
    /// Feature names, one per statistic.
    pub names: Vec<String>,
    /// Mean of each feature over its valid values.
    pub mean: Vec<f64>,
    /// Standard deviation of each feature (1 when it has no spread or no valid value).
    pub std: Vec<f64>,
    /// Valid values each statistic was computed from.
    pub count: Vec<u64>,
    /// Value treated as missing besides NaN.
    pub nodata: Option<f32>,
}

impl NormStats {
    /// Statistics of row-major `x` with `names.len()` features per row
    /// (Welford's algorithm; population standard deviation). A feature with
    /// no valid value or zero spread gets std 1 so applying never divides by 0.
    pub fn fit(x: &[f32], names: Vec<String>, nodata: Option<f32>) -> Result<NormStats> {
        let nf = names.len();
        if nf == 0 || x.len() % nf != 0 {
            return Err(DataError::Invalid(format!("{} values do not split into {nf} features", x.len())));
        }
        let (mut mean, mut m2, mut count) = (vec![0f64; nf], vec![0f64; nf], vec![0u64; nf]);
        for row in x.chunks_exact(nf) {
            for (j, &v) in row.iter().enumerate() {
                if !v.is_finite() || nodata == Some(v) {
                    continue;
                }
                count[j] += 1;
                let d = v as f64 - mean[j];
                mean[j] += d / count[j] as f64;
                m2[j] += d * (v as f64 - mean[j]);
            }
        }
        let std = (0..nf)
            .map(|j| {
                let s = if count[j] > 0 { (m2[j] / count[j] as f64).sqrt() } else { 0.0 };
                if s > 1e-12 { s } else { 1.0 }
            })
            .collect();
        Ok(NormStats { names, mean, std, count, nodata })
    }

    /// Standardise `x` in place: `(v - mean) / std`; missing values become NaN.
    pub fn apply(&self, x: &mut [f32]) -> Result<()> {
        let nf = self.names.len();
        if x.len() % nf != 0 {
            return Err(DataError::Invalid(format!("{} values do not split into {nf} features", x.len())));
        }
        for row in x.chunks_exact_mut(nf) {
            for (j, v) in row.iter_mut().enumerate() {
                *v = if !v.is_finite() || self.nodata == Some(*v) {
                    f32::NAN
                } else {
                    ((*v as f64 - self.mean[j]) / self.std[j]) as f32
                };
            }
        }
        Ok(())
    }

    /// JSON text, to store beside a model checkpoint.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(DataError::NormStatsJson)
    }

    /// Parse what [`NormStats::to_json`] wrote.
    pub fn from_json(s: &str) -> Result<NormStats> {
        serde_json::from_str(s).map_err(DataError::NormStatsJson)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_nodata_and_round_trips_json() {
        let x = [1.0, -9.0, 3.0, 10.0, f32::NAN, 30.0];
        let s = NormStats::fit(&x, vec!["a".into(), "b".into()], Some(-9.0)).unwrap();
        assert_eq!(s.mean, vec![2.0, 20.0]);
        assert_eq!(s.std, vec![1.0, 10.0]);
        assert_eq!(s.count, vec![2, 2]);
        let mut y = x;
        s.apply(&mut y).unwrap();
        assert_eq!(y[0], -1.0);
        assert!(y[1].is_nan());
        assert_eq!(y[5], 1.0);
        let back = NormStats::from_json(&s.to_json().unwrap()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn constant_feature_gets_unit_std() {
        let s = NormStats::fit(&[5.0, 5.0], vec!["c".into()], None).unwrap();
        assert_eq!(s.std, vec![1.0]);
        assert!(NormStats::fit(&[1.0, 2.0, 3.0], vec!["a".into(), "b".into()], None).is_err());
    }
}
