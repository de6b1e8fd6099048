//! Time-series gap handling: mask invalid observations (NaN, nodata, an
//! explicit cloud mask) and fill them by linear interpolation in time.
//!
//! Interpolation uses the real spacing of the dates (days), so a gap
//! between unevenly spaced acquisitions is filled in proportion to time.
//! Before the first / after the last valid observation the nearest valid
//! value is repeated. A band with no valid observation at all is left `NaN`
//! and reported by [`GapReport::all_missing`].

use crate::time_series::TimeSeriesDataset;

/// What [`fill_gaps`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GapReport {
    /// Observations filled.
    pub filled: usize,
    /// (sample, band) series with no valid observation, left as NaN.
    pub all_missing: usize,
}

/// Set to NaN every value equal to `nodata` or flagged in `mask`
/// (`mask[s * n_dates + t] == true` means sample `s` is cloudy on date `t`).
pub fn mask_invalid(ts: &mut TimeSeriesDataset, nodata: Option<f32>, mask: Option<&[bool]>) {
    let nb = ts.n_bands;
    for (i, v) in ts.x.iter_mut().enumerate() {
        let obs = i / nb;
        if nodata.is_some_and(|n| *v == n) || mask.is_some_and(|m| m.get(obs).copied().unwrap_or(false)) {
            *v = f32::NAN;
        }
    }
}

/// Fill NaNs along time by linear interpolation on the date axis.
pub fn fill_gaps(ts: &mut TimeSeriesDataset) -> GapReport {
    let t: Vec<f64> = ts.dates.iter().map(|d| d.days_since_epoch() as f64).collect();
    let (nd, nb) = (ts.n_dates, ts.n_bands);
    let mut report = GapReport::default();
    let mut series = vec![0f32; nd];
    for s in 0..ts.n_samples {
        for b in 0..nb {
            for (k, v) in series.iter_mut().enumerate() {
                *v = ts.x[(s * nd + k) * nb + b];
            }
            match interpolate(&t, &mut series) {
                Some(n) => report.filled += n,
                None => report.all_missing += 1,
            }
            for (k, v) in series.iter().enumerate() {
                ts.x[(s * nd + k) * nb + b] = *v;
            }
        }
    }
    report
}

/// Fill NaNs of `v` (sampled at times `t`) in place; returns the number
/// filled, or `None` when no value is valid.
pub fn interpolate(t: &[f64], v: &mut [f32]) -> Option<usize> {
    let valid: Vec<usize> = (0..v.len()).filter(|&i| v[i].is_finite()).collect();
    let (&first, &last) = (valid.first()?, valid.last()?);
    let mut filled = 0;
    for i in 0..v.len() {
        if v[i].is_finite() {
            continue;
        }
        v[i] = if i < first {
            v[first]
        } else if i > last {
            v[last]
        } else {
            let after = valid.partition_point(|&k| k < i);
            let (a, b) = (valid[after - 1], valid[after]);
            let w = ((t[i] - t[a]) / (t[b] - t[a])) as f32;
            v[a] + w * (v[b] - v[a])
        };
        filled += 1;
    }
    Some(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time_series::Date;

    #[test]
    fn interpolation_uses_date_spacing_and_holds_ends() {
        let t = [0.0, 10.0, 40.0, 50.0];
        let mut v = [f32::NAN, 1.0, f32::NAN, 5.0];
        // index 2 lies between t=10 (1.0) and t=50 (5.0): 1 + 30/40 * 4 = 4
        assert_eq!(interpolate(&t, &mut v), Some(2));
        assert_eq!(v, [1.0, 1.0, 4.0, 5.0]);
        let mut none = [f32::NAN; 3];
        assert_eq!(interpolate(&t[..3], &mut none), None);
    }

    #[test]
    fn mask_then_fill_dataset() {
        let dates: Vec<Date> = [20180101, 20180111, 20180121].iter().map(|&d| Date::from_yyyymmdd(d).unwrap()).collect();
        let mut ts = TimeSeriesDataset {
            x: vec![1.0, 10.0, 0.0, 20.0, 3.0, 30.0],
            n_samples: 1,
            n_dates: 3,
            n_bands: 2,
            band_names: vec!["a".into(), "b".into()],
            dates,
            y: vec![],
            class_names: vec![],
            pixel: vec![],
        };
        mask_invalid(&mut ts, Some(0.0), Some(&[false, false, true]));
        assert!(ts.get(0, 1, 0).is_nan() && ts.get(0, 2, 1).is_nan());
        let r = fill_gaps(&mut ts);
        assert_eq!(r, GapReport { filled: 3, all_missing: 0 });
        assert_eq!(ts.x, vec![1.0, 10.0, 1.0, 20.0, 1.0, 20.0]);
    }
}
