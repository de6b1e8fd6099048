//! Resampling of one raster band to a display size: nearest neighbour for
//! class maps, block mean (nodata-aware) for continuous data.

/// Output size for a `rows` x `cols` raster so that the longer side is at most
/// `max_dim`; rasters whose longer side is below `min_dim` are enlarged by an
/// integer factor (pixel replication) so small maps stay visible.
pub(crate) fn display_size(rows: usize, cols: usize, max_dim: usize, min_dim: usize) -> (usize, usize) {
    let long = rows.max(cols).max(1);
    let max_dim = max_dim.max(1);
    if long > max_dim {
        let s = max_dim as f64 / long as f64;
        (((rows as f64 * s).round() as usize).max(1), ((cols as f64 * s).round() as usize).max(1))
    } else if long < min_dim {
        let k = (min_dim / long).max(1).min(max_dim / long).max(1);
        (rows * k, cols * k)
    } else {
        (rows, cols)
    }
}

/// Source index range `[start, end)` covered by output index `i` of `n_out`.
fn source_range(i: usize, n_out: usize, n_src: usize) -> (usize, usize) {
    let start = i * n_src / n_out;
    let end = ((i + 1) * n_src / n_out).max(start + 1).min(n_src);
    (start, end)
}

/// Nearest-neighbour resampling (output pixel centre looks up the source pixel).
pub(crate) fn nearest(src: &[f32], rows: usize, cols: usize, out_rows: usize, out_cols: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(out_rows * out_cols);
    let col_idx: Vec<usize> = (0..out_cols)
        .map(|c| (((c as f64 + 0.5) * cols as f64 / out_cols as f64) as usize).min(cols - 1))
        .collect();
    for r in 0..out_rows {
        let sr = (((r as f64 + 0.5) * rows as f64 / out_rows as f64) as usize).min(rows - 1);
        let row = &src[sr * cols..(sr + 1) * cols];
        out.extend(col_idx.iter().map(|&c| row[c]));
    }
    out
}

/// Block-mean resampling ignoring samples for which `is_nodata` holds; an
/// output pixel with no valid sample is NaN. Enlarging falls back to replication.
pub(crate) fn mean(
    src: &[f32],
    rows: usize,
    cols: usize,
    out_rows: usize,
    out_cols: usize,
    is_nodata: impl Fn(f32) -> bool,
) -> Vec<f32> {
    let mut out = vec![f32::NAN; out_rows * out_cols];
    let col_ranges: Vec<(usize, usize)> = (0..out_cols).map(|c| source_range(c, out_cols, cols)).collect();
    let mut sums = vec![0f64; out_cols];
    let mut counts = vec![0u32; out_cols];
    for r in 0..out_rows {
        let (r0, r1) = source_range(r, out_rows, rows);
        sums.iter_mut().for_each(|s| *s = 0.0);
        counts.iter_mut().for_each(|n| *n = 0);
        for sr in r0..r1 {
            let row = &src[sr * cols..(sr + 1) * cols];
            for (oc, &(c0, c1)) in col_ranges.iter().enumerate() {
                for &v in &row[c0..c1] {
                    if !is_nodata(v) {
                        sums[oc] += v as f64;
                        counts[oc] += 1;
                    }
                }
            }
        }
        for oc in 0..out_cols {
            if counts[oc] > 0 {
                out[r * out_cols + oc] = (sums[oc] / counts[oc] as f64) as f32;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_size_limits() {
        assert_eq!(display_size(4000, 2000, 1000, 256), (1000, 500));
        assert_eq!(display_size(300, 500, 1024, 256), (300, 500));
        assert_eq!(display_size(10, 20, 1024, 256), (120, 240));
        assert_eq!(display_size(1, 1, 1, 256), (1, 1));
    }

    #[test]
    fn nearest_and_mean_downsample() {
        // 4x4 -> 2x2
        let src: Vec<f32> = (0..16).map(|v| v as f32).collect();
        let m = mean(&src, 4, 4, 2, 2, |v| v.is_nan());
        assert_eq!(m, vec![2.5, 4.5, 10.5, 12.5]);
        let n = nearest(&src, 4, 4, 2, 2);
        assert_eq!(n, vec![5.0, 7.0, 13.0, 15.0]);
        // nodata ignored, all-nodata block -> NaN
        let src = vec![1.0, -9.0, -9.0, -9.0];
        let m = mean(&src, 2, 2, 1, 2, |v| v == -9.0);
        assert_eq!(m[0], 1.0);
        assert!(m[1].is_nan());
        // enlarge by replication
        assert_eq!(nearest(&[1.0, 2.0], 1, 2, 2, 4), vec![1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 2.0]);
        assert_eq!(mean(&[1.0, 2.0], 1, 2, 1, 4, |_| false), vec![1.0, 1.0, 2.0, 2.0]);
    }
}
