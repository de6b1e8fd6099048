//! Separable resampling kernels from one north-up band onto a north-up target grid.
//!
//! Every kernel works on pixel-corner coordinates: output column `c` covers
//! `[c, c + 1)` on the output grid; its centre `c + 0.5` maps to a fractional source
//! column through the two transforms. Because both grids are north-up, the weights along
//! x depend on the column only and those along y on the row only, so each output pixel is
//! a weighted sum over a small source rectangle.

use serde::{Deserialize, Serialize};

/// How a band is resampled onto the stack's grid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resampling {
    /// The source pixel that contains the output pixel's centre (class rasters, masks).
    Nearest,
    /// Bilinear interpolation between the four source pixel centres around the output
    /// pixel's centre (GDAL's `bilinear`; edges repeat the border pixel).
    #[default]
    Bilinear,
    /// Mean of the source pixels the output pixel covers, weighted by the overlapped area
    /// (GDAL's `average`); when upsampling it equals `nearest`.
    Average,
}

impl Resampling {
    /// The name used in the TOML and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Resampling::Nearest => "nearest",
            Resampling::Bilinear => "bilinear",
            Resampling::Average => "average",
        }
    }
}

impl std::str::FromStr for Resampling {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "nearest" => Ok(Resampling::Nearest),
            "bilinear" => Ok(Resampling::Bilinear),
            "average" => Ok(Resampling::Average),
            other => Err(format!("unknown resampling {other:?} (expected nearest, bilinear or average)")),
        }
    }
}

/// Source indices and weights of one output column (or row).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Taps {
    /// `(source index, weight)`; empty when the output pixel lies outside the source.
    pub taps: Vec<(usize, f64)>,
}

/// Taps of `n_out` output pixels along one axis. Output pixel `i` covers source
/// coordinates `[start + i * step, start + (i + 1) * step)` (source pixel units, corner
/// convention); the source has `n_src` pixels.
pub(super) fn axis_taps(kind: Resampling, start: f64, step: f64, n_out: usize, n_src: usize) -> Vec<Taps> {
    (0..n_out)
        .map(|i| {
            let lo = start + i as f64 * step;
            let hi = lo + step;
            let centre = 0.5 * (lo + hi);
            let taps = match kind {
                Resampling::Nearest => nearest(centre, n_src),
                Resampling::Bilinear => bilinear(centre, n_src),
                Resampling::Average => average(lo, hi, n_src),
            };
            Taps { taps }
        })
        .collect()
}

/// Rounding slack for coordinates that should fall exactly on a pixel edge.
const EPS: f64 = 1e-9;

fn nearest(centre: f64, n: usize) -> Vec<(usize, f64)> {
    let i = (centre + EPS).floor();
    if i < 0.0 || i >= n as f64 {
        return Vec::new();
    }
    vec![(i as usize, 1.0)]
}

fn bilinear(centre: f64, n: usize) -> Vec<(usize, f64)> {
    if centre < -EPS || centre > n as f64 + EPS {
        return Vec::new();
    }
    // Between the centres of pixels i0 and i0 + 1.
    let t = centre - 0.5;
    let i0 = t.floor();
    let w1 = t - i0;
    let clamp = |i: f64| i.clamp(0.0, n as f64 - 1.0) as usize;
    let (a, b) = (clamp(i0), clamp(i0 + 1.0));
    if a == b || w1 < EPS {
        return vec![(a, 1.0)];
    }
    if w1 > 1.0 - EPS {
        return vec![(b, 1.0)];
    }
    vec![(a, 1.0 - w1), (b, w1)]
}

fn average(lo: f64, hi: f64, n: usize) -> Vec<(usize, f64)> {
    let (lo, hi) = (lo.max(0.0), hi.min(n as f64));
    if hi - lo < EPS {
        return Vec::new();
    }
    let first = (lo + EPS).floor() as usize;
    let last = ((hi - EPS).ceil() as usize).min(n);
    (first..last)
        .filter_map(|j| {
            let w = (hi.min(j as f64 + 1.0) - lo.max(j as f64)).max(0.0);
            (w > EPS).then_some((j, w))
        })
        .collect()
}

/// Resample one band (`src`, `src_cols` wide) with separable taps into `out`
/// (`cols.len()` x `rows.len()`). Source values equal to `nodata` (or NaN) are left out
/// and the remaining weights renormalised; an output pixel with no valid source value is
/// `fill`.
pub(super) fn resample_band(
    src: &[f32],
    src_cols: usize,
    nodata: Option<f64>,
    cols: &[Taps],
    rows: &[Taps],
    fill: f32,
    out: &mut [f32],
) {
    let is_valid = |v: f32| !v.is_nan() && nodata.is_none_or(|nd| v as f64 != nd);
    for (r, rt) in rows.iter().enumerate() {
        let line = &mut out[r * cols.len()..(r + 1) * cols.len()];
        for (c, ct) in cols.iter().enumerate() {
            let (mut sum, mut wsum) = (0.0f64, 0.0f64);
            for &(sr, wr) in &rt.taps {
                let row = &src[sr * src_cols..(sr + 1) * src_cols];
                for &(sc, wc) in &ct.taps {
                    let v = row[sc];
                    if is_valid(v) {
                        sum += v as f64 * wr * wc;
                        wsum += wr * wc;
                    }
                }
            }
            line[c] = if wsum > EPS { (sum / wsum) as f32 } else { fill };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kind: Resampling, src: &[f32], src_cols: usize, start: f64, step: f64, n_out: usize, nodata: Option<f64>) -> Vec<f32> {
        let src_rows = src.len() / src_cols;
        let cols = axis_taps(kind, start, step, n_out, src_cols);
        let rows = axis_taps(kind, start, step, n_out, src_rows);
        let mut out = vec![0.0; n_out * n_out];
        resample_band(src, src_cols, nodata, &cols, &rows, -1.0, &mut out);
        out
    }

    // A 2 x 2 source of 20 m pixels onto 10 m: each source pixel becomes 2 x 2.
    const SRC: [f32; 4] = [0.0, 10.0, 20.0, 30.0];

    #[test]
    fn nearest_and_average_replicate_when_upsampling() {
        let expect = [0., 0., 10., 10., 0., 0., 10., 10., 20., 20., 30., 30., 20., 20., 30., 30.];
        assert_eq!(run(Resampling::Nearest, &SRC, 2, 0.0, 0.5, 4, None), expect);
        assert_eq!(run(Resampling::Average, &SRC, 2, 0.0, 0.5, 4, None), expect);
    }

    #[test]
    fn bilinear_interpolates_between_centres_and_repeats_edges() {
        let out = run(Resampling::Bilinear, &SRC, 2, 0.0, 0.5, 4, None);
        // Output centres at source x = 0.25, 0.75, 1.25, 1.75: weights of the right pixel
        // 0 (edge), 0.25, 0.75, 1 (edge).
        assert_eq!(&out[..4], &[0.0, 2.5, 7.5, 10.0]);
        // Row 1 (y = 0.75): 25 % of the way from row 0 to row 1.
        assert!((out[4] - 5.0).abs() < 1e-6 && (out[5] - 7.5).abs() < 1e-6);
        assert_eq!(&out[12..], &[20.0, 22.5, 27.5, 30.0]);
    }

    #[test]
    fn average_downsamples_by_area_and_skips_nodata() {
        // 4 x 4 source -> 2 x 2 at twice the pixel size.
        let src: Vec<f32> = (0..16).map(|v| v as f32).collect();
        assert_eq!(run(Resampling::Average, &src, 4, 0.0, 2.0, 2, None), [2.5, 4.5, 10.5, 12.5]);
        // Non-integer ratio: output pixel 0 covers source [0, 1.5): 1 x 1 + half-weights.
        let taps = axis_taps(Resampling::Average, 0.0, 1.5, 2, 3);
        assert_eq!(taps[0].taps, [(0, 1.0), (1, 0.5)]);
        assert_eq!(taps[1].taps, [(1, 0.5), (2, 1.0)]);
        // Nodata left out; all-nodata gives the fill value.
        let mut src = src;
        src[0] = -9.0;
        src[1] = -9.0;
        src[4] = -9.0;
        let out = run(Resampling::Average, &src, 4, 0.0, 2.0, 2, Some(-9.0));
        assert_eq!(out[0], 5.0);
        let all = vec![-9.0f32; 16];
        assert_eq!(run(Resampling::Average, &all, 4, 0.0, 2.0, 2, Some(-9.0)), [-1.0; 4]);
    }

    #[test]
    fn outside_the_source_is_fill() {
        // Output starting one source pixel left of the source.
        let out = run(Resampling::Nearest, &SRC, 2, -1.0, 1.0, 3, None);
        assert_eq!(out[0], -1.0);
        assert_eq!(out[4], 0.0);
        assert_eq!("average".parse::<Resampling>(), Ok(Resampling::Average));
        assert!("cubic".parse::<Resampling>().unwrap_err().contains("cubic"));
    }
}
