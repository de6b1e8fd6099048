//! OCNN patch placement (Zhang et al. 2018, "An object-based convolutional
//! neural network (OCNN) for urban land use classification"): where to cut
//! CNN input patches for one object, according to its shape.

use crate::error::{Result, SegmentError};
use crate::mask::ObjectMask;
use crate::skeleton::Skeleton;
use crate::stats::ObjectStats;
use serde::{Deserialize, Serialize};

/// Parameters of [`place_patches`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PatchPlacementConfig {
    /// Objects with `elongation >= elongation_threshold` are treated as linear.
    pub elongation_threshold: f64,
    /// Side (pixels) of the single patch of a compact object.
    pub large_patch: usize,
    /// Side (pixels) of the patches along a linear object.
    pub small_patch: usize,
    /// At most this many small patches per object.
    pub max_small_patches: usize,
    /// Distance (pixels, along the skeleton) between small patches.
    pub spacing: f64,
}

impl Default for PatchPlacementConfig {
    fn default() -> Self {
        PatchPlacementConfig { elongation_threshold: 3.0, large_patch: 48, small_patch: 16, max_small_patches: 10, spacing: 16.0 }
    }
}

/// Where to cut one patch: its centre pixel `(row, col)` and side length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchSite {
    /// Centre pixel `(row, col)` in the image.
    pub centre: (usize, usize),
    /// Side length of the square patch in pixels.
    pub size: usize,
}

/// Patch sites for one object.
///
/// - Compact objects (`elongation < elongation_threshold`): one `large_patch`
///   at the centroid, or at the object pixel nearest the centroid when the
///   centroid falls outside the object (concave shapes).
/// - Linear objects: `small_patch` patches spread evenly along the longest
///   skeleton path from end to end, about `spacing` pixels apart (at least 2,
///   at most `max_small_patches`). When the
///   skeleton is a single pixel the points are taken along the major axis
///   instead, each snapped to the nearest object pixel.
///
/// Every centre is an object pixel.
pub fn place_patches(
    stats: &ObjectStats,
    object: &ObjectMask,
    skeleton: &Skeleton,
    config: &PatchPlacementConfig,
) -> Result<Vec<PatchSite>> {
    if config.large_patch == 0 || config.small_patch == 0 || config.max_small_patches == 0 {
        return Err(SegmentError::InvalidConfig("patch sizes and max_small_patches must be >= 1".into()));
    }
    if !(config.spacing > 0.0 && config.elongation_threshold.is_finite()) {
        return Err(SegmentError::InvalidConfig(format!(
            "patch spacing must be > 0 and elongation_threshold finite (got {}, {})",
            config.spacing, config.elongation_threshold
        )));
    }
    let (cr, cc) = stats.centroid;
    let centre_pixel = || {
        let (r, c) = (cr.round().max(0.0) as usize, cc.round().max(0.0) as usize);
        if object.contains(r, c) { (r, c) } else { object.nearest_pixel(cr, cc) }
    };
    if stats.elongation < config.elongation_threshold {
        return Ok(vec![PatchSite { centre: centre_pixel(), size: config.large_patch }]);
    }
    let centres = if skeleton.path.len() >= 2 {
        let n = ((skeleton.length() / config.spacing).round() as usize + 1).clamp(2, config.max_small_patches.max(2));
        skeleton.sample_evenly(n.min(config.max_small_patches))
    } else {
        along_major_axis(stats, object, config)
    };
    let mut sites: Vec<PatchSite> = Vec::with_capacity(centres.len());
    for centre in centres {
        if !sites.iter().any(|s| s.centre == centre) {
            sites.push(PatchSite { centre, size: config.small_patch });
        }
    }
    Ok(sites)
}

/// Points every `spacing` along the major axis through the centroid (within
/// the axis length), snapped to the nearest object pixel.
fn along_major_axis(stats: &ObjectStats, object: &ObjectMask, config: &PatchPlacementConfig) -> Vec<(usize, usize)> {
    // Orientation is counter-clockwise as displayed: rows grow downward.
    let (dr, dc) = (-stats.orientation.sin(), stats.orientation.cos());
    let half = stats.major_axis / 2.0;
    let n = ((stats.major_axis / config.spacing).floor() as usize + 1).clamp(2, config.max_small_patches.max(1));
    let step = if n > 1 { stats.major_axis / (n - 1) as f64 } else { 0.0 };
    (0..n)
        .map(|i| {
            let t = -half + i as f64 * step;
            object.nearest_pixel(stats.centroid.0 + t * dr, stats.centroid.1 + t * dc)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{object_stats, Segmentation};

    fn single_object(rows: usize, cols: usize, inside: impl Fn(usize, usize) -> bool) -> (ObjectStats, ObjectMask, Skeleton) {
        let labels: Vec<u32> = (0..rows * cols).map(|p| inside(p / cols, p % cols) as u32).collect();
        let seg = Segmentation::from_labels(labels, rows, cols).unwrap();
        let id = (0..rows * cols).find(|&p| inside(p / cols, p % cols)).map(|p| seg.labels[p]).unwrap();
        let stats = object_stats(&seg, None).unwrap().swap_remove(id as usize);
        let mask = ObjectMask::from_labels_in(&seg.labels, cols, id, stats.bbox);
        let skeleton = Skeleton::of(&mask);
        (stats, mask, skeleton)
    }

    #[test]
    fn disc_gets_one_large_patch_at_its_centre() {
        let (s, m, k) = single_object(41, 41, |r, c| (r as f64 - 20.0).powi(2) + (c as f64 - 20.0).powi(2) <= 144.0);
        let sites = place_patches(&s, &m, &k, &PatchPlacementConfig::default()).unwrap();
        assert_eq!(sites, vec![PatchSite { centre: (20, 20), size: 48 }]);
    }

    #[test]
    fn long_diagonal_strip_gets_several_small_patches_inside_it() {
        let (s, m, k) = single_object(100, 100, |r, c| (r as i64 - c as i64).abs() <= 2 && (5..95).contains(&r));
        let cfg = PatchPlacementConfig::default();
        assert!(s.elongation > cfg.elongation_threshold, "elongation {}", s.elongation);
        let sites = place_patches(&s, &m, &k, &cfg).unwrap();
        // Skeleton ~ 89 * sqrt 2 = 126 px long: 126 / 16 + 1 = 8 patches.
        assert!((6..=9).contains(&sites.len()), "{} sites", sites.len());
        assert!(sites.iter().all(|p| p.size == 16 && m.contains(p.centre.0, p.centre.1)));
        // Spread from one end of the strip to the other.
        let rows: Vec<usize> = sites.iter().map(|p| p.centre.0).collect();
        let (lo, hi) = (*rows.iter().min().unwrap(), *rows.iter().max().unwrap());
        assert!(lo < 15 && hi > 84, "rows {lo}..{hi}");
        let capped = place_patches(&s, &m, &k, &PatchPlacementConfig { max_small_patches: 3, ..cfg }).unwrap();
        assert_eq!(capped.len(), 3);
    }

    #[test]
    fn concave_object_patch_is_moved_inside() {
        // A ring: the centroid (the hole's centre) is not an object pixel.
        let ring = |r: usize, c: usize| {
            let d2 = (r as f64 - 15.0).powi(2) + (c as f64 - 15.0).powi(2);
            (64.0..=144.0).contains(&d2)
        };
        let (s, m, k) = single_object(31, 31, ring);
        let sites = place_patches(&s, &m, &k, &PatchPlacementConfig::default()).unwrap();
        assert_eq!(sites.len(), 1);
        let (r, c) = sites[0].centre;
        assert!(m.contains(r, c));
        let d = ((r as f64 - 15.0).powi(2) + (c as f64 - 15.0).powi(2)).sqrt();
        assert!((8.0..=8.5).contains(&d), "patch at distance {d} from the centre");
    }

    #[test]
    fn bad_config_is_an_error() {
        let (s, m, k) = single_object(5, 5, |r, _| r == 2);
        assert!(place_patches(&s, &m, &k, &PatchPlacementConfig { spacing: 0.0, ..Default::default() }).is_err());
        assert!(place_patches(&s, &m, &k, &PatchPlacementConfig { small_patch: 0, ..Default::default() }).is_err());
    }
}
