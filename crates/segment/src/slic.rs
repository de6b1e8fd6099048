//! SLIC superpixels (Achanta et al. 2012) for multi-band imagery.

use crate::error::{Result, SegmentError};
use crate::image::ImageView;
use crate::merge::merge_small_objects;
use crate::segmentation::Segmentation;
use crate::smooth::gaussian_smooth;
use serde::{Deserialize, Serialize};

/// How the initial SLIC grid is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlicGrid {
    /// About this many superpixels (grid step `sqrt(pixels / n)`).
    Segments(usize),
    /// Grid step in pixels.
    RegionSize(usize),
}

/// Parameters of [`slic`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlicConfig {
    /// How the initial cluster centres are spaced.
    pub grid: SlicGrid,
    /// Weight of spatial against spectral distance, in image units: the
    /// distance is `sqrt(d_colour² + (d_xy / step)² * compactness²)`, so a
    /// spectral difference equal to `compactness` costs as much as one grid step.
    pub compactness: f32,
    /// k-means iterations.
    pub iterations: usize,
    /// Gaussian pre-smoothing (pixels); 0 disables it.
    pub sigma: f32,
    /// After enforcing connectivity, parts smaller than this fraction of
    /// `step²` are merged into their most similar neighbour.
    pub min_size_factor: f32,
}

impl Default for SlicConfig {
    fn default() -> Self {
        SlicConfig { grid: SlicGrid::Segments(400), compactness: 20.0, iterations: 10, sigma: 0.0, min_size_factor: 0.25 }
    }
}

impl SlicConfig {
    fn step(&self, rows: usize, cols: usize) -> Result<usize> {
        if !(self.compactness.is_finite() && self.compactness >= 0.0) {
            return Err(SegmentError::InvalidConfig(format!("slic compactness must be >= 0, got {}", self.compactness)));
        }
        if !(self.sigma.is_finite() && self.sigma >= 0.0) {
            return Err(SegmentError::InvalidConfig(format!("slic sigma must be >= 0, got {}", self.sigma)));
        }
        if !(self.min_size_factor.is_finite() && self.min_size_factor >= 0.0) {
            return Err(SegmentError::InvalidConfig(format!("slic min_size_factor must be >= 0, got {}", self.min_size_factor)));
        }
        match self.grid {
            SlicGrid::Segments(0) | SlicGrid::RegionSize(0) => {
                Err(SegmentError::InvalidConfig("slic needs at least one segment and a region size >= 1".into()))
            }
            SlicGrid::Segments(k) => Ok((((rows * cols) as f64 / k as f64).sqrt().round() as usize).max(1)),
            SlicGrid::RegionSize(s) => Ok(s),
        }
    }
}

struct Centre {
    row: f32,
    col: f32,
    colour: Vec<f32>,
}

/// SLIC superpixels: k-means in (band values, row, col) space with each centre
/// searching a `2 step x 2 step` window, then connectivity enforcement (each
/// superpixel split into 4-connected parts, parts smaller than
/// `min_size_factor * step²` merged into their most similar neighbour).
///
/// Nodata pixels are never assigned to a centre: every 4-connected nodata
/// region becomes an object of its own, flagged in
/// [`Segmentation::nodata_objects`].
///
/// ```
/// use terradl_segment::{slic, ImageView, SlicConfig, SlicGrid};
/// let data: Vec<f32> = (0..400).map(|p| if p % 20 < 10 { 0.0 } else { 100.0 }).collect();
/// let img = ImageView::new(&data, 1, 20, 20).unwrap();
/// let cfg = SlicConfig { grid: SlicGrid::RegionSize(10), ..Default::default() };
/// let seg = slic(&img, &cfg).unwrap();
/// seg.check_invariants().unwrap();
/// // No superpixel straddles the edge between columns 9 and 10.
/// assert!((0..20).all(|r| seg.label_at(r, 9) != seg.label_at(r, 10)));
/// ```
pub fn slic(image: &ImageView, config: &SlicConfig) -> Result<Segmentation> {
    let (rows, cols, n, bands) = (image.rows(), image.cols(), image.pixels(), image.bands());
    let step = config.step(rows, cols)?;
    let smoothed = gaussian_smooth(image, config.sigma);
    let valid = image.valid_mask();
    let colour = |p: usize, b: usize| smoothed[b * n + p];
    let colour_dist2 = |p: usize, c: &Centre| (0..bands).map(|b| colour(p, b) - c.colour[b]).map(|d| d * d).sum::<f32>();

    let mut centres = initial_centres(image, &smoothed, &valid, step);
    let spatial_weight = (config.compactness / step as f32).powi(2);
    const UNASSIGNED: u32 = u32::MAX;
    let mut labels = vec![UNASSIGNED; n];
    let mut best = vec![f32::INFINITY; n];
    for _ in 0..config.iterations.max(1) {
        labels.fill(UNASSIGNED);
        best.fill(f32::INFINITY);
        for (k, c) in centres.iter().enumerate() {
            let r0 = (c.row - step as f32).floor().max(0.0) as usize;
            let r1 = ((c.row + step as f32).ceil() as usize + 1).min(rows);
            let c0 = (c.col - step as f32).floor().max(0.0) as usize;
            let c1 = ((c.col + step as f32).ceil() as usize + 1).min(cols);
            for r in r0..r1 {
                for cc in c0..c1 {
                    let p = r * cols + cc;
                    if !valid[p] {
                        continue;
                    }
                    let ds2 = (r as f32 - c.row).powi(2) + (cc as f32 - c.col).powi(2);
                    let d = colour_dist2(p, c) + ds2 * spatial_weight;
                    if d < best[p] {
                        best[p] = d;
                        labels[p] = k as u32;
                    }
                }
            }
        }
        // Update every centre to the mean of its pixels (empty centres stay).
        let mut sums = vec![vec![0f64; bands + 2]; centres.len()];
        let mut counts = vec![0usize; centres.len()];
        for p in 0..n {
            let k = labels[p];
            if k == UNASSIGNED {
                continue;
            }
            let s = &mut sums[k as usize];
            counts[k as usize] += 1;
            s[0] += (p / cols) as f64;
            s[1] += (p % cols) as f64;
            for b in 0..bands {
                s[2 + b] += colour(p, b) as f64;
            }
        }
        for ((c, s), &m) in centres.iter_mut().zip(&sums).zip(&counts) {
            if m > 0 {
                let m = m as f64;
                c.row = (s[0] / m) as f32;
                c.col = (s[1] / m) as f32;
                for b in 0..bands {
                    c.colour[b] = (s[2 + b] / m) as f32;
                }
            }
        }
    }

    // Valid pixels no centre reached keep the UNASSIGNED label (merged below if
    // small); nodata pixels get a label of their own.
    let nodata: Vec<bool> = valid.iter().map(|v| !v).collect();
    let nodata_label = centres.len() as u32;
    let labels: Vec<u32> = (0..n).map(|p| if valid[p] { labels[p] } else { nodata_label }).collect();
    let mut seg = Segmentation::from_labels_with_nodata(labels, &nodata, rows, cols)?;
    let min_size = (config.min_size_factor * (step * step) as f32).round() as usize;
    merge_small_objects(&mut seg, image, min_size);
    Ok(seg)
}

/// [`slic`] on a geo [`terradl_geo::Raster`] (all bands, nodata honoured).
pub fn slic_raster(raster: &terradl_geo::Raster, config: &SlicConfig) -> Result<Segmentation> {
    slic(&ImageView::from_raster(raster)?, config)
}

/// Centres on a regular grid of `step`, each moved to the lowest-gradient
/// valid pixel of its 3 x 3 neighbourhood; grid points on nodata are skipped.
fn initial_centres(image: &ImageView, smoothed: &[f32], valid: &[bool], step: usize) -> Vec<Centre> {
    let (rows, cols, n, bands) = (image.rows(), image.cols(), image.pixels(), image.bands());
    let value = |r: usize, c: usize, b: usize| smoothed[b * n + r * cols + c];
    let gradient = |r: usize, c: usize| -> f32 {
        let (ru, rd) = (r.saturating_sub(1), (r + 1).min(rows - 1));
        let (cl, cr) = (c.saturating_sub(1), (c + 1).min(cols - 1));
        (0..bands)
            .map(|b| (value(rd, c, b) - value(ru, c, b)).powi(2) + (value(r, cr, b) - value(r, cl, b)).powi(2))
            .sum()
    };
    let mut centres = Vec::new();
    // Cell i covers pixels [i step, (i + 1) step): its centre is at i step + (step - 1) / 2.
    let offset = (step as f32 - 1.0) / 2.0;
    for gr in (0..rows).step_by(step) {
        for gc in (0..cols).step_by(step) {
            let (fr, fc) = ((gr as f32 + offset).min(rows as f32 - 1.0), (gc as f32 + offset).min(cols as f32 - 1.0));
            let (r, c) = (fr as usize, fc as usize);
            // The grid point itself comes first so that it wins ties.
            let window = (r.saturating_sub(1)..=(r + 1).min(rows - 1))
                .flat_map(|rr| (c.saturating_sub(1)..=(c + 1).min(cols - 1)).map(move |cc| (rr, cc)));
            let mut best: Option<(f32, usize, usize)> = None;
            for (rr, cc) in std::iter::once((r, c)).chain(window) {
                if !valid[rr * cols + cc] {
                    continue;
                }
                let g = gradient(rr, cc);
                if best.is_none_or(|(bg, _, _)| g < bg) {
                    best = Some((g, rr, cc));
                }
            }
            if let Some((_, br, bc)) = best {
                let colour = (0..bands).map(|b| value(br, bc, b)).collect();
                // Keep the exact cell centre unless a lower-gradient pixel was found.
                let (row, col) = if (br, bc) == (r, c) { (fr, fc) } else { (br as f32, bc as f32) };
                centres.push(Centre { row, col, colour });
            }
        }
    }
    centres
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_image_gives_roughly_the_requested_number_of_segments() {
        let data = vec![1.0f32; 60 * 60];
        let img = ImageView::new(&data, 1, 60, 60).unwrap();
        let seg = slic(&img, &SlicConfig { grid: SlicGrid::Segments(36), ..Default::default() }).unwrap();
        seg.check_invariants().unwrap();
        // A flat image gives the 6 x 6 grid of 10 x 10 squares exactly.
        assert_eq!(seg.n_objects, 36);
        assert!(seg.object_sizes().iter().all(|&s| s == 100), "{:?}", seg.object_sizes());
    }

    #[test]
    fn nodata_is_kept_apart() {
        let mut data = vec![3.0f32; 30 * 30];
        for p in data.iter_mut().take(30 * 5) {
            *p = f32::NAN;
        }
        let img = ImageView::new(&data, 1, 30, 30).unwrap();
        let seg = slic(&img, &SlicConfig { grid: SlicGrid::RegionSize(10), ..Default::default() }).unwrap();
        seg.check_invariants().unwrap();
        let nd = seg.label_at(0, 0) as usize;
        assert!(seg.nodata_objects[nd]);
        assert_eq!(seg.object_sizes()[nd], 150);
        assert_eq!(seg.nodata_objects.iter().filter(|&&f| f).count(), 1);
    }

    #[test]
    fn zero_segments_is_an_error() {
        let data = [0.0f32; 4];
        let img = ImageView::new(&data, 1, 2, 2).unwrap();
        assert!(slic(&img, &SlicConfig { grid: SlicGrid::Segments(0), ..Default::default() }).is_err());
    }
}
