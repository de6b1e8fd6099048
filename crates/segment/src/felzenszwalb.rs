//! Felzenszwalb–Huttenlocher graph-based segmentation (IJCV 2004).

use crate::dsu::DisjointSet;
use crate::error::{Result, SegmentError};
use crate::image::ImageView;
use crate::merge::merge_small_objects;
use crate::segmentation::Segmentation;
use crate::smooth::gaussian_smooth;
use serde::{Deserialize, Serialize};

/// Parameters of [`felzenszwalb`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FelzenszwalbConfig {
    /// Scale `k` of the threshold function `k / |C|`, in image units: larger
    /// values give larger objects.
    pub scale: f32,
    /// Standard deviation (pixels) of the Gaussian pre-smoothing; 0 disables it.
    pub sigma: f32,
    /// Objects smaller than this (pixels) are merged into a neighbour.
    pub min_size: usize,
}

impl Default for FelzenszwalbConfig {
    fn default() -> Self {
        FelzenszwalbConfig { scale: 300.0, sigma: 0.8, min_size: 20 }
    }
}

impl FelzenszwalbConfig {
    fn validate(&self) -> Result<()> {
        if !(self.scale.is_finite() && self.scale > 0.0) {
            return Err(SegmentError::InvalidConfig(format!("felzenszwalb scale must be > 0, got {}", self.scale)));
        }
        if !(self.sigma.is_finite() && self.sigma >= 0.0) {
            return Err(SegmentError::InvalidConfig(format!("felzenszwalb sigma must be >= 0, got {}", self.sigma)));
        }
        Ok(())
    }
}

/// Segment a multi-band image with the Felzenszwalb–Huttenlocher algorithm.
///
/// The graph joins 8-neighbouring valid pixels with weights equal to the
/// Euclidean distance of their (smoothed) band vectors. Edges are processed in
/// increasing weight and two components merge when the edge is no heavier
/// than both internal differences plus `scale / size`. Components below
/// `min_size` are then merged along their lightest edges. Finally objects are
/// split into 4-connected parts (8-neighbour links can join pixels that touch
/// only diagonally) and parts below `min_size` are merged into their most
/// similar 4-neighbour.
///
/// Nodata pixels (NaN or the nodata value) take no part in the graph: every
/// 4-connected nodata region becomes an object of its own, flagged in
/// [`Segmentation::nodata_objects`].
///
/// ```
/// use terradl_segment::{felzenszwalb, FelzenszwalbConfig, ImageView};
/// // Two flat halves, 0 and 100, of an 8 x 8 image.
/// let data: Vec<f32> = (0..64).map(|p| if p % 8 < 4 { 0.0 } else { 100.0 }).collect();
/// let img = ImageView::new(&data, 1, 8, 8).unwrap();
/// let cfg = FelzenszwalbConfig { scale: 10.0, sigma: 0.0, min_size: 1 };
/// let seg = felzenszwalb(&img, &cfg).unwrap();
/// assert_eq!(seg.n_objects, 2);
/// ```
pub fn felzenszwalb(image: &ImageView, config: &FelzenszwalbConfig) -> Result<Segmentation> {
    config.validate()?;
    let smoothed = gaussian_smooth(image, config.sigma);
    let (rows, cols, n, bands) = (image.rows(), image.cols(), image.pixels(), image.bands());
    let valid = image.valid_mask();
    let weight = |p: usize, q: usize| -> f32 {
        (0..bands).map(|b| smoothed[b * n + p] - smoothed[b * n + q]).map(|d| d * d).sum::<f32>().sqrt()
    };

    let mut edges: Vec<(f32, u32, u32)> = Vec::with_capacity(4 * n);
    for r in 0..rows {
        for c in 0..cols {
            let p = r * cols + c;
            if !valid[p] {
                continue;
            }
            let mut push = |q: usize| {
                if valid[q] {
                    edges.push((weight(p, q), p as u32, q as u32));
                }
            };
            if c + 1 < cols {
                push(p + 1);
            }
            if r + 1 < rows {
                push(p + cols);
                if c + 1 < cols {
                    push(p + cols + 1);
                }
                if c > 0 {
                    push(p + cols - 1);
                }
            }
        }
    }
    edges.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));

    let mut dsu = DisjointSet::new(n);
    let mut threshold = vec![config.scale; n];
    for &(w, p, q) in &edges {
        let (a, b) = (dsu.find(p as usize), dsu.find(q as usize));
        if a != b && w <= threshold[a] && w <= threshold[b] {
            let root = dsu.union(a, b);
            threshold[root] = w + config.scale / dsu.size(root) as f32;
        }
    }
    for &(_, p, q) in &edges {
        let (a, b) = (dsu.find(p as usize), dsu.find(q as usize));
        if a != b && (dsu.size(a) < config.min_size || dsu.size(b) < config.min_size) {
            dsu.union(a, b);
        }
    }

    // Nodata pixels get labels beyond every pixel index, so they never share
    // a label with valid pixels; connected relabelling splits them into regions.
    let roots = dsu.roots();
    let nodata: Vec<bool> = valid.iter().map(|v| !v).collect();
    let labels: Vec<u32> = (0..n).map(|p| if valid[p] { roots[p] } else { n as u32 }).collect();
    let mut seg = Segmentation::from_labels_with_nodata(labels, &nodata, rows, cols)?;
    merge_small_objects(&mut seg, image, config.min_size);
    Ok(seg)
}

/// [`felzenszwalb`] on a geo [`terradl_geo::Raster`] (all bands, nodata honoured).
pub fn felzenszwalb_raster(raster: &terradl_geo::Raster, config: &FelzenszwalbConfig) -> Result<Segmentation> {
    felzenszwalb(&ImageView::from_raster(raster)?, config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quadrants(rows: usize, cols: usize) -> Vec<f32> {
        // 3 bands; quadrant colours differ in different bands.
        let n = rows * cols;
        let mut d = vec![0.0; 3 * n];
        for r in 0..rows {
            for c in 0..cols {
                let q = (r >= rows / 2) as usize * 2 + (c >= cols / 2) as usize;
                let colour = [[10.0, 10.0, 10.0], [200.0, 10.0, 10.0], [10.0, 200.0, 10.0], [10.0, 10.0, 200.0]][q];
                for b in 0..3 {
                    d[b * n + r * cols + c] = colour[b];
                }
            }
        }
        d
    }

    #[test]
    fn four_flat_quadrants_give_four_objects() {
        let data = quadrants(20, 30);
        let img = ImageView::new(&data, 3, 20, 30).unwrap();
        // Without smoothing the steps stay sharp (smoothing would create thin
        // objects of intermediate colour along them, as in the original algorithm).
        let cfg = FelzenszwalbConfig { sigma: 0.0, ..Default::default() };
        let seg = felzenszwalb(&img, &cfg).unwrap();
        seg.check_invariants().unwrap();
        assert_eq!(seg.n_objects, 4);
        assert_eq!(seg.object_sizes(), vec![150; 4]);
        // Pixels of one quadrant share a label; different quadrants do not.
        assert_eq!(seg.label_at(0, 0), seg.label_at(9, 14));
        assert_ne!(seg.label_at(0, 0), seg.label_at(0, 15));
        assert_ne!(seg.label_at(19, 0), seg.label_at(19, 29));
    }

    #[test]
    fn nodata_region_becomes_its_own_flagged_object() {
        let mut data = vec![50.0f32; 100];
        for r in 3..6 {
            for c in 3..6 {
                data[r * 10 + c] = -9999.0;
            }
        }
        let img = ImageView::new(&data, 1, 10, 10).unwrap().with_nodata(Some(-9999.0));
        let seg = felzenszwalb(&img, &FelzenszwalbConfig::default()).unwrap();
        seg.check_invariants().unwrap();
        assert_eq!(seg.n_objects, 2);
        let nd = seg.label_at(4, 4) as usize;
        assert!(seg.nodata_objects[nd]);
        assert_eq!(seg.object_sizes()[nd], 9);
    }

    #[test]
    fn larger_scale_gives_fewer_objects_on_noise() {
        let data: Vec<f32> = (0..1600u32).map(|i| ((i.wrapping_mul(2654435761) >> 24) % 64) as f32).collect();
        let img = ImageView::new(&data, 1, 40, 40).unwrap();
        let small = felzenszwalb(&img, &FelzenszwalbConfig { scale: 20.0, sigma: 0.5, min_size: 5 }).unwrap();
        let large = felzenszwalb(&img, &FelzenszwalbConfig { scale: 2000.0, sigma: 0.5, min_size: 5 }).unwrap();
        small.check_invariants().unwrap();
        large.check_invariants().unwrap();
        assert!(large.n_objects < small.n_objects, "{} vs {}", large.n_objects, small.n_objects);
    }

    #[test]
    fn invalid_config_is_an_error() {
        let data = [0.0f32; 4];
        let img = ImageView::new(&data, 1, 2, 2).unwrap();
        assert!(felzenszwalb(&img, &FelzenszwalbConfig { scale: -1.0, ..Default::default() }).is_err());
        assert!(felzenszwalb(&img, &FelzenszwalbConfig { sigma: f32::NAN, ..Default::default() }).is_err());
    }
}
