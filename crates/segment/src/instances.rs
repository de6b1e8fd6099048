//! Instance separation of a plant/background mask into individual plants:
//! exact distance transform -> h-maxima markers -> marker-controlled
//! watershed -> per-instance statistics and outline polygons.

use crate::contour::outline_ring;
use crate::edt::edt;
use crate::error::{check_shape, Result, SegmentError};
use crate::markers::{maxima_markers, MarkerConfig};
use crate::mask::ObjectMask;
use crate::segmentation::connected_components;
use crate::stats::ShapeAccumulator;
use crate::watershed::watershed;
use serde::{Deserialize, Serialize};
use terradl_geo::PixelBox;

/// Parameters of [`separate_instances`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InstanceConfig {
    /// Markers on the distance transform (pixels): `h` is how far (in pixels
    /// of distance) a crown centre must rise above the neck joining it to a
    /// larger crown; `min_distance` is the smallest distance between centres.
    pub markers: MarkerConfig,
    /// Instances smaller than this (pixels) are dropped (set to background).
    pub min_area: usize,
    /// Douglas–Peucker tolerance (pixels) for the outline polygons.
    pub simplify_tolerance: f64,
}

impl Default for InstanceConfig {
    fn default() -> Self {
        InstanceConfig { markers: MarkerConfig { h: 1.0, min_distance: 3.0 }, min_area: 4, simplify_tolerance: 0.5 }
    }
}

/// One separated plant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    /// Label in [`Instances::labels`] (`1..=n`).
    pub id: u32,
    /// Pixels.
    pub area: usize,
    /// Bounding box of the instance's pixels (pixel edges).
    pub bbox: PixelBox,
    /// Mean `(row, col)` of the pixel centres.
    pub centroid: (f64, f64),
    /// Closed outline ring in pixel coordinates `(x, y) = (col + 0.5, row + 0.5)`,
    /// counter-clockwise as displayed (see [`crate::outline_ring`]).
    pub polygon: Vec<(f64, f64)>,
}

/// The separated instances and their label map (0 = background).
#[derive(Debug, Clone, PartialEq)]
pub struct Instances {
    /// Row-major instance label per pixel: 0 = background, `1..=n` = instance id.
    pub labels: Vec<u32>,
    /// Rows of the label map.
    pub rows: usize,
    /// Columns of the label map.
    pub cols: usize,
    /// The instances, ordered by id (`instances[i].id == i + 1`).
    pub instances: Vec<Instance>,
}

/// Split a binary mask (row-major, `true` = plant) into individual instances.
///
/// Each 4-connected instance gets an id `1..=n` in raster order of its first
/// pixel. Distances are measured to the nearest background pixel inside the
/// image (the image border is not background, so crowns cut by a tile edge
/// keep their centre near the edge); a mask with no background at all gives
/// one instance per connected region.
///
/// ```
/// use terradl_segment::{separate_instances, InstanceConfig};
/// let mut mask = vec![false; 100];
/// for p in [33, 34, 43, 44] { mask[p] = true; } // a 2 x 2 blob
/// let inst = separate_instances(&mask, 10, 10, &InstanceConfig { min_area: 1, ..Default::default() }).unwrap();
/// assert_eq!(inst.instances.len(), 1);
/// assert_eq!(inst.instances[0].area, 4);
/// assert_eq!(inst.instances[0].centroid, (3.5, 3.5));
/// ```
pub fn separate_instances(mask: &[bool], rows: usize, cols: usize, config: &InstanceConfig) -> Result<Instances> {
    check_shape("mask", mask.len(), 1, rows, cols)?;
    if !(config.simplify_tolerance >= 0.0) {
        return Err(SegmentError::InvalidConfig(format!(
            "simplify_tolerance must be >= 0, got {}",
            config.simplify_tolerance
        )));
    }
    let cap = (rows + cols) as f64;
    let distance: Vec<f64> = edt(mask, rows, cols)?.into_iter().map(|d| d.min(cap)).collect();
    let (markers, _) = maxima_markers(&distance, mask, rows, cols, &config.markers)?;
    let elevation: Vec<f64> = distance.iter().map(|d| -d).collect();
    let (flooded, _) = watershed(&elevation, &markers, mask, rows, cols)?;

    // Renumber 4-connected regions, background (0) excluded, dropping small ones.
    let (regions, n) = connected_components(&flooded, rows, cols);
    let mut acc = vec![ShapeAccumulator::default(); n];
    for p in 0..mask.len() {
        if mask[p] {
            acc[regions[p] as usize].add(p / cols, p % cols);
        }
    }
    let mut new_id = vec![0u32; n];
    let mut next = 0;
    for p in 0..mask.len() {
        let r = regions[p] as usize;
        if mask[p] && new_id[r] == 0 && acc[r].area >= config.min_area.max(1) {
            next += 1;
            new_id[r] = next;
        }
    }
    let labels: Vec<u32> = (0..mask.len()).map(|p| if mask[p] { new_id[regions[p] as usize] } else { 0 }).collect();
    let mut instances: Vec<Instance> = (0..n)
        .filter(|&r| new_id[r] != 0)
        .map(|r| {
            let a = &acc[r];
            let object = ObjectMask::from_labels_in(&labels, cols, new_id[r], a.bbox);
            Instance {
                id: new_id[r],
                area: a.area,
                bbox: a.bbox,
                centroid: a.shape().centroid,
                polygon: outline_ring(&object, config.simplify_tolerance),
            }
        })
        .collect();
    instances.sort_by_key(|i| i.id);
    Ok(Instances { labels, rows, cols, instances })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn discs(rows: usize, cols: usize, centres: &[(f64, f64, f64)]) -> Vec<bool> {
        (0..rows * cols)
            .map(|p| {
                let (r, c) = ((p / cols) as f64, (p % cols) as f64);
                centres.iter().any(|&(cr, cc, rad)| (r - cr).powi(2) + (c - cc).powi(2) <= rad * rad)
            })
            .collect()
    }

    #[test]
    fn two_touching_discs_become_two_instances() {
        // Radius-10 discs whose centres are 18 apart: they overlap in a neck.
        let mask = discs(40, 60, &[(20.0, 20.0, 10.0), (20.0, 38.0, 10.0)]);
        let one_disc = discs(40, 60, &[(20.0, 20.0, 10.0)]).iter().filter(|&&m| m).count();
        let total = mask.iter().filter(|&&m| m).count();
        let inst = separate_instances(&mask, 40, 60, &InstanceConfig::default()).unwrap();
        assert_eq!(inst.instances.len(), 2);
        for i in &inst.instances {
            // Each gets about one disc (the overlap lens is split between them).
            assert!((i.area as f64 - total as f64 / 2.0).abs() <= 15.0, "area {} of {total}", i.area);
            assert!(i.area <= one_disc);
            assert!((i.centroid.0 - 20.0).abs() < 0.5);
        }
        let cols: Vec<f64> = inst.instances.iter().map(|i| i.centroid.1).collect();
        assert!((cols[0] - 19.5).abs() < 1.5 && (cols[1] - 38.5).abs() < 1.5, "{cols:?}");
        assert_eq!(inst.instances.iter().map(|i| i.area).sum::<usize>(), total);
        // Every mask pixel labelled, background never.
        assert!((0..mask.len()).all(|p| mask[p] == (inst.labels[p] != 0)));
    }

    #[test]
    fn separation_is_invariant_to_translation() {
        let spec = |dr: f64, dc: f64| discs(50, 70, &[(15.0 + dr, 15.0 + dc, 8.0), (15.0 + dr, 29.0 + dc, 7.0)]);
        let a = separate_instances(&spec(0.0, 0.0), 50, 70, &InstanceConfig::default()).unwrap();
        let b = separate_instances(&spec(13.0, 21.0), 50, 70, &InstanceConfig::default()).unwrap();
        assert_eq!(a.instances.len(), 2);
        assert_eq!(a.instances.len(), b.instances.len());
        for (x, y) in a.instances.iter().zip(&b.instances) {
            assert_eq!(x.area, y.area);
            assert!((y.centroid.0 - x.centroid.0 - 13.0).abs() < 1e-9);
            assert!((y.centroid.1 - x.centroid.1 - 21.0).abs() < 1e-9);
            let shifted: Vec<(f64, f64)> = x.polygon.iter().map(|&(px, py)| (px + 21.0, py + 13.0)).collect();
            assert_eq!(shifted, y.polygon);
        }
    }

    #[test]
    fn small_instances_are_dropped_and_polygons_enclose_the_instance() {
        let mut mask = discs(30, 30, &[(10.0, 10.0, 6.0)]);
        mask[25 * 30 + 25] = true; // a single stray pixel
        let inst = separate_instances(&mask, 30, 30, &InstanceConfig::default()).unwrap();
        assert_eq!(inst.instances.len(), 1);
        assert_eq!(inst.labels[25 * 30 + 25], 0);
        let i = &inst.instances[0];
        assert_eq!(i.polygon.first(), i.polygon.last());
        let (xs, ys): (Vec<f64>, Vec<f64>) = i.polygon.iter().copied().unzip();
        assert!(xs.iter().all(|&x| x >= i.bbox.xmin && x <= i.bbox.xmax));
        assert!(ys.iter().all(|&y| y >= i.bbox.ymin && y <= i.bbox.ymax));
    }
}
