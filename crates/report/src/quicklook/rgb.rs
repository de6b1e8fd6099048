//! RGB composite quick-look with a per-band percentile stretch.

use super::layout::{MARGIN, MapPlacement, check_band, draw_title, paint_map, title_height};
use super::{Quicklook, QuicklookOptions};
use crate::canvas::Canvas;
use crate::color::Rgba;
use crate::error::{ReportError, Result};
use crate::resample;
use terradl_geo::Raster;

/// Percentile stretch: values at `low` % map to 0, at `high` % to 255.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stretch {
    /// Lower percentile (0..100), mapped to 0.
    pub low: f64,
    /// Upper percentile (0..100), mapped to 255.
    pub high: f64,
}

impl Default for Stretch {
    fn default() -> Self {
        Stretch { low: 2.0, high: 98.0 }
    }
}

/// The `p`-th percentile (0..=100, nearest rank on the sorted values) of the
/// non-NaN values; `None` when there are none.
fn percentile(values: &[f32], p: f64) -> Option<f32> {
    let mut v: Vec<f32> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return None;
    }
    let k = ((p.clamp(0.0, 100.0) / 100.0) * (v.len() - 1) as f64).round() as usize;
    let (_, x, _) = v.select_nth_unstable_by(k, |a, b| a.total_cmp(b));
    Some(*x)
}

/// Render bands `bands = [r, g, b]` as a true/false-colour composite. Each band
/// is mean-downsampled, then stretched between its `stretch.low` and
/// `stretch.high` percentiles (computed on the displayed pixels). Pixels where
/// any band is nodata are transparent.
pub fn rgb_composite(raster: &Raster, bands: [usize; 3], stretch: Stretch, opts: &QuicklookOptions) -> Result<Quicklook> {
    for b in bands {
        check_band(raster, b)?;
    }
    if stretch.low.partial_cmp(&stretch.high) != Some(std::cmp::Ordering::Less) {
        return Err(ReportError::Invalid(format!("stretch {stretch:?}: low must be below high")));
    }
    let (rows, cols) = (raster.rows, raster.cols);
    let (out_rows, out_cols) = resample::display_size(rows, cols, opts.max_dim, opts.min_dim);
    let nodata = |v: f32| raster.is_nodata(v) || !v.is_finite();
    let small: Vec<Vec<f32>> = bands
        .iter()
        .map(|&b| resample::mean(raster.band(b), rows, cols, out_rows, out_cols, nodata))
        .collect();
    // A pixel counts only where all three bands are valid.
    let valid: Vec<bool> = (0..out_rows * out_cols).map(|i| small.iter().all(|b| !b[i].is_nan())).collect();
    let mut scaled = Vec::with_capacity(3);
    for b in &small {
        let vals: Vec<f32> = b.iter().zip(&valid).filter(|(_, ok)| **ok).map(|(v, _)| *v).collect();
        let lo = percentile(&vals, stretch.low).unwrap_or(0.0);
        let hi = percentile(&vals, stretch.high).unwrap_or(1.0);
        let span = if hi > lo { hi - lo } else { 1.0 };
        scaled.push(b.iter().map(|&v| (((v - lo) / span).clamp(0.0, 1.0) * 255.0).round() as u8).collect::<Vec<u8>>());
    }

    let top = MARGIN + title_height(&opts.title);
    let mut c = Canvas::new(MARGIN * 2 + out_cols, top + out_rows + MARGIN, Rgba::WHITE);
    draw_title(&mut c, &opts.title);
    let map = MapPlacement { x: MARGIN, y: top, width: out_cols, height: out_rows, src_cols: cols, src_rows: rows };
    paint_map(
        &mut c,
        &map,
        (0..out_rows * out_cols).map(|i| {
            if valid[i] { Rgba::rgb(scaled[0][i], scaled[1][i], scaled[2][i]) } else { Rgba::TRANSPARENT }
        }),
    );
    Ok(Quicklook { image: c, map, legend: Vec::new(), color_bar: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use terradl_geo::DType;

    #[test]
    fn percentiles() {
        let v: Vec<f32> = (0..=100).map(|x| x as f32).collect();
        assert_eq!(percentile(&v, 2.0), Some(2.0));
        assert_eq!(percentile(&v, 98.0), Some(98.0));
        assert_eq!(percentile(&[f32::NAN], 50.0), None);
    }

    #[test]
    fn stretch_maps_percentiles_to_full_range() {
        // 101 pixels 0..=100 in each band; band order reversed for blue.
        let n = 101;
        let mut data = Vec::new();
        data.extend((0..n).map(|x| x as f32));
        data.extend((0..n).map(|x| (x * 2) as f32));
        data.extend((0..n).map(|x| (n - 1 - x) as f32));
        let r = Raster::from_vec(3, 1, n, DType::U16, data).unwrap();
        let q = rgb_composite(&r, [0, 1, 2], Stretch::default(), &QuicklookOptions { min_dim: 0, ..Default::default() }).unwrap();
        let m = q.map;
        assert_eq!(q.image.get(m.x, m.y), Some(Rgba::rgb(0, 0, 255)));
        assert_eq!(q.image.get(m.x + 100, m.y), Some(Rgba::rgb(255, 255, 0)));
        assert_eq!(q.image.get(m.x + 50, m.y), Some(Rgba::rgb(128, 128, 128)));
        assert!(rgb_composite(&r, [0, 1, 3], Stretch::default(), &QuicklookOptions::default()).is_err());
    }
}
