//! Field-level time series: stacking one raster per date into a date-major stack, per-field
//! mean series (object features for an object-based classifier), and aggregation of per-pixel
//! class probabilities to one prediction per field.

use crate::error::{DataError, Result};
use crate::labelled_image::UNLABELLED;
use crate::time_series::TimeSeriesDataset;
use std::collections::BTreeMap;
use terradl_geo::Raster;

/// Concatenate single-date rasters (each with the same bands, grid and CRS) into one
/// date-major stack: all bands of date 0, then of date 1, ... A pixel that is nodata in its
/// date's raster becomes `NaN` in the stack (whose nodata is unset).
pub fn stack_dates(rasters: &[Raster]) -> Result<Raster> {
    let first = rasters.first().ok_or_else(|| DataError::Invalid("no dated rasters to stack".into()))?;
    for (i, r) in rasters.iter().enumerate().skip(1) {
        if (r.rows, r.cols, r.bands) != (first.rows, first.cols, first.bands) {
            return Err(DataError::Invalid(format!(
                "date {i} is {} bands x {} x {} but date 0 is {} x {} x {}",
                r.bands, r.rows, r.cols, first.bands, first.rows, first.cols
            )));
        }
        if r.transform != first.transform {
            return Err(DataError::Invalid(format!("date {i} is not on the grid of date 0 (geotransforms differ)")));
        }
        if r.crs.epsg != first.crs.epsg {
            return Err(DataError::Invalid(format!(
                "date {i} has CRS {:?} but date 0 has {:?}",
                r.crs.epsg, first.crs.epsg
            )));
        }
    }
    let mut data = Vec::with_capacity(first.data.len() * rasters.len());
    for r in rasters {
        data.extend(r.data.iter().map(|&v| if r.is_nodata(v) { f32::NAN } else { v }));
    }
    let mut out = Raster::from_vec(first.bands * rasters.len(), first.rows, first.cols, terradl_geo::DType::F32, data)?
        .with_georef_of(first);
    out.nodata = None;
    Ok(out)
}

/// Set to `NaN` every value outside `[lo, hi]` (e.g. saturated or fill values).
pub fn mask_outside(ts: &mut TimeSeriesDataset, lo: f32, hi: f32) -> usize {
    let mut n = 0;
    for v in ts.x.iter_mut().filter(|v| v.is_finite() && !(lo..=hi).contains(*v)) {
        *v = f32::NAN;
        n += 1;
    }
    n
}

/// Distinct field ids of `fields` (sorted), ignoring [`UNLABELLED`], and for each sample the
/// index of its field in that list.
pub fn field_index(fields: &[u32]) -> (Vec<u32>, Vec<usize>) {
    let ids: Vec<u32> = {
        let mut v: Vec<u32> = fields.iter().copied().filter(|&f| f != UNLABELLED).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let pos: BTreeMap<u32, usize> = ids.iter().enumerate().map(|(i, &f)| (f, i)).collect();
    (ids, fields.iter().map(|f| pos.get(f).copied().unwrap_or(usize::MAX)).collect())
}

/// Per-field series: the mean over the field's samples of each (date, band) value, skipping
/// `NaN`s. Returns `(field ids, x)` with `x` of `[n_fields, n_dates * n_bands]`; a value
/// with no valid sample stays `NaN`. The field label, when `ts` is labelled, is the majority
/// label of its samples (`y`, ties to the lower class id).
pub fn field_mean_series(ts: &TimeSeriesDataset, fields: &[u32]) -> Result<(Vec<u32>, Vec<f32>, Vec<u32>)> {
    if fields.len() != ts.n_samples {
        return Err(DataError::Invalid(format!("{} field ids for {} samples", fields.len(), ts.n_samples)));
    }
    let (ids, idx) = field_index(fields);
    let nf = ts.n_dates * ts.n_bands;
    let mut sum = vec![0f64; ids.len() * nf];
    let mut count = vec![0u32; ids.len() * nf];
    let k = ts.class_names.len();
    let mut votes = vec![0u32; ids.len() * k.max(1)];
    for s in 0..ts.n_samples {
        let f = idx[s];
        if f == usize::MAX {
            continue;
        }
        for (j, &v) in ts.series(s).iter().enumerate() {
            if v.is_finite() {
                sum[f * nf + j] += v as f64;
                count[f * nf + j] += 1;
            }
        }
        if let Some(&c) = ts.y.get(s) {
            if (c as usize) < k {
                votes[f * k + c as usize] += 1;
            }
        }
    }
    let x = sum.iter().zip(&count).map(|(&s, &c)| if c > 0 { (s / c as f64) as f32 } else { f32::NAN }).collect();
    let y = if ts.y.is_empty() || k == 0 {
        Vec::new()
    } else {
        votes.chunks_exact(k).map(|v| argmax_u32(v) as u32).collect()
    };
    Ok((ids, x, y))
}

fn argmax_u32(v: &[u32]) -> usize {
    v.iter().enumerate().fold(0, |b, (i, &c)| if c > v[b] { i } else { b })
}

/// Field-level aggregation of per-sample class probabilities (`[n, k]`, row-major): the mean
/// probability vector of each field's samples (soft voting). Returns `(field ids, [n_fields, k])`.
pub fn aggregate_probabilities(proba: &[f32], n_classes: usize, fields: &[u32]) -> Result<(Vec<u32>, Vec<f32>)> {
    if n_classes == 0 || proba.len() != fields.len() * n_classes {
        return Err(DataError::Invalid(format!(
            "{} probabilities for {} samples of {n_classes} classes",
            proba.len(),
            fields.len()
        )));
    }
    let (ids, idx) = field_index(fields);
    let mut sum = vec![0f64; ids.len() * n_classes];
    let mut count = vec![0u32; ids.len()];
    for (s, row) in proba.chunks_exact(n_classes).enumerate() {
        let f = idx[s];
        if f == usize::MAX {
            continue;
        }
        count[f] += 1;
        for (c, &p) in row.iter().enumerate() {
            sum[f * n_classes + c] += p as f64;
        }
    }
    let out = sum.iter().enumerate().map(|(i, &s)| (s / count[i / n_classes].max(1) as f64) as f32).collect();
    Ok((ids, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time_series::Date;
    use terradl_geo::DType;

    #[test]
    fn dates_stack_date_major_and_check_the_grid() {
        let mut a = Raster::from_vec(2, 1, 2, DType::I16, vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        a.nodata = Some(2.0);
        let b = Raster::from_vec(2, 1, 2, DType::I16, vec![5.0, 6.0, 7.0, 8.0]).unwrap();
        let s = stack_dates(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(s.bands, 4);
        assert_eq!(s.data[0], 1.0);
        assert!(s.data[1].is_nan());
        assert_eq!(&s.data[2..], &[3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
        let c = Raster::from_vec(1, 1, 2, DType::I16, vec![0.0, 0.0]).unwrap();
        assert!(stack_dates(&[a, c]).is_err());
        assert!(stack_dates(&[]).is_err());
    }

    fn series() -> TimeSeriesDataset {
        // 3 samples x 2 dates x 1 band; samples 0 and 1 in field 7, sample 2 in field 3
        TimeSeriesDataset {
            x: vec![1.0, 2.0, 3.0, f32::NAN, 10.0, 20.0],
            n_samples: 3,
            n_dates: 2,
            n_bands: 1,
            band_names: vec!["ndvi".into()],
            dates: vec![Date::from_yyyymmdd(20180101).unwrap(), Date::from_yyyymmdd(20180201).unwrap()],
            y: vec![1, 1, 0],
            class_names: vec!["a".into(), "b".into()],
            pixel: vec![0, 1, 2],
        }
    }

    #[test]
    fn field_means_skip_nan_and_take_majority_labels() {
        let (ids, x, y) = field_mean_series(&series(), &[7, 7, 3]).unwrap();
        assert_eq!(ids, vec![3, 7]);
        assert_eq!(x, vec![10.0, 20.0, 2.0, 2.0]);
        assert_eq!(y, vec![0, 1]);
        assert!(field_mean_series(&series(), &[7, 7]).is_err());
        let mut ts = series();
        assert_eq!(mask_outside(&mut ts, 0.0, 5.0), 2);
        assert!(ts.x[4].is_nan() && ts.x[5].is_nan());
    }

    #[test]
    fn probabilities_average_per_field() {
        let p = [0.8, 0.2, 0.4, 0.6, 0.1, 0.9, 0.5, 0.5];
        let (ids, agg) = aggregate_probabilities(&p, 2, &[5, 5, 9, UNLABELLED]).unwrap();
        assert_eq!(ids, vec![5, 9]);
        let want = [0.6, 0.4, 0.1, 0.9];
        assert!(agg.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6), "{agg:?}");
        assert!(aggregate_probabilities(&p, 2, &[5]).is_err());
    }
}
