//! Scene-wide greedy non-maximum suppression with a spatial grid, so merging
//! detections of a large scene stays near-linear in the number of boxes.

use std::collections::HashMap;
use terradl_geo::{PixelBox, Scored};

/// Greedy per-class NMS over a whole scene: boxes in decreasing score order are
/// kept unless they overlap a kept box of the same class by more than `iou`.
/// Only kept boxes in the grid cells a box touches are compared (cell side
/// `cell` pixels; any positive value is correct, ~2x the typical box is fast).
pub(crate) fn scene_nms(mut boxes: Vec<Scored<PixelBox>>, iou: f64, cell: f64) -> Vec<Scored<PixelBox>> {
    let cell = if cell.is_finite() && cell > 0.0 { cell } else { 256.0 };
    boxes.retain(|b| b.bbox.is_finite() && b.score.is_finite());
    boxes.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut grid: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    let mut kept: Vec<Scored<PixelBox>> = Vec::new();
    let span = |lo: f64, hi: f64| ((lo / cell).floor() as i64)..=((hi / cell).floor() as i64);
    for b in boxes {
        let bb = b.bbox;
        let mut suppressed = false;
        'outer: for gy in span(bb.ymin, bb.ymax) {
            for gx in span(bb.xmin, bb.xmax) {
                if let Some(ids) = grid.get(&(gx, gy)) {
                    if ids.iter().any(|&k| kept[k].class == b.class && kept[k].bbox.iou(&bb) > iou) {
                        suppressed = true;
                        break 'outer;
                    }
                }
            }
        }
        if suppressed {
            continue;
        }
        let id = kept.len();
        for gy in span(bb.ymin, bb.ymax) {
            for gx in span(bb.xmin, bb.xmax) {
                grid.entry((gx, gy)).or_default().push(id);
            }
        }
        kept.push(b);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use terradl_models::detection::nms;

    #[test]
    fn grid_nms_equals_brute_force() {
        let mut boxes = Vec::new();
        let mut s = 12345u64;
        let mut rnd = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 33) as f32 / (1u64 << 31) as f32) as f64
        };
        for _ in 0..400 {
            let (x, y, w, h) = (rnd() * 1000.0, rnd() * 1000.0, 10.0 + rnd() * 60.0, 10.0 + rnd() * 60.0);
            boxes.push(Scored::new(PixelBox::new(x, y, x + w, y + h), rnd()).with_class((rnd() * 2.0) as usize));
        }
        let a = scene_nms(boxes.clone(), 0.3, 50.0);
        let b = nms(boxes, 0.3);
        assert_eq!(a, b);
        assert!(a.len() < 400);
    }
}
