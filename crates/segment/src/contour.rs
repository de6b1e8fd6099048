//! Object outlines: Moore-neighbour tracing and Douglas–Peucker simplification.

use crate::mask::ObjectMask;

/// Clockwise (as displayed, rows growing downward) Moore neighbourhood,
/// starting west.
const MOORE: [(i64, i64); 8] = [(0, -1), (-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1)];

/// Outer boundary pixels of the object, in order, by Moore-neighbour tracing
/// (Jacob's stopping criterion) from its first pixel in raster order. The
/// trace goes clockwise as displayed; holes are not traced.
pub fn trace_boundary(object: &ObjectMask) -> Vec<(usize, usize)> {
    let inside = |r: i64, c: i64| r >= 0 && c >= 0 && object.contains(r as usize, c as usize);
    let Some(start) = object.pixels().next() else {
        return Vec::new();
    };
    let start = (start.0 as i64, start.1 as i64);
    // The first pixel in raster order has no object pixel to its west.
    let start_back = (start.0, start.1 - 1);
    let (mut p, mut back) = (start, start_back);
    let mut out = vec![(p.0 as usize, p.1 as usize)];
    // Each boundary pixel is entered at most 4 times; the bound only guards
    // against an endless loop on malformed input.
    for _ in 0..4 * object.rows * object.cols + 8 {
        let from = MOORE.iter().position(|&(dr, dc)| (p.0 + dr, p.1 + dc) == back).unwrap_or(0);
        let mut next = None;
        for k in 1..=8 {
            let (dr, dc) = MOORE[(from + k) % 8];
            if inside(p.0 + dr, p.1 + dc) {
                let (br, bc) = MOORE[(from + k - 1) % 8];
                next = Some(((p.0 + dr, p.1 + dc), (p.0 + br, p.1 + bc)));
                break;
            }
        }
        let Some((np, nb)) = next else {
            return out; // a single isolated pixel
        };
        if np == start && nb == start_back {
            break;
        }
        // Jacob's criterion compares the backtrack on entering `start`; the
        // entry direction may differ, so also stop when re-entering from any
        // side once the trace has looped back to its second pixel.
        if p == start && out.len() > 2 && (np.0 as usize, np.1 as usize) == out[1] {
            out.pop();
            break;
        }
        p = np;
        back = nb;
        out.push((p.0 as usize, p.1 as usize));
    }
    if out.len() > 1 && out.last() == out.first() {
        out.pop();
    }
    out
}

/// Closed polygon ring of the object's outline in pixel coordinates
/// `(x, y) = (col + 0.5, row + 0.5)` (pixel centres, GDAL's corner-based
/// convention, ready for a `GeoTransform`), simplified by Douglas–Peucker
/// with `tolerance` pixels (0 keeps every boundary pixel). The ring is closed
/// (first point repeated last) and counter-clockwise as displayed, i.e. an
/// RFC 7946 exterior ring once mapped through a north-up transform.
///
/// ```
/// use terradl_segment::{outline_ring, ObjectMask};
/// let labels = vec![1u32; 16]; // a 4 x 4 square
/// let ring = outline_ring(&ObjectMask::from_labels(&labels, 4, 4, 1).unwrap(), 0.1);
/// assert_eq!(ring, vec![(0.5, 0.5), (0.5, 3.5), (3.5, 3.5), (3.5, 0.5), (0.5, 0.5)]);
/// ```
pub fn outline_ring(object: &ObjectMask, tolerance: f64) -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> =
        trace_boundary(object).into_iter().map(|(r, c)| (c as f64 + 0.5, r as f64 + 0.5)).collect();
    points.reverse();
    if points.len() > 2 {
        points.rotate_right(1); // keep the first traced pixel first
        points = simplify_ring(&points, tolerance);
    }
    if let Some(&first) = points.first() {
        points.push(first);
    }
    points
}

/// Douglas–Peucker on an open ring (no repeated closing point): split at the
/// first point and the point farthest from it, simplify both halves.
fn simplify_ring(points: &[(f64, f64)], tolerance: f64) -> Vec<(f64, f64)> {
    let d2 = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).powi(2) + (a.1 - b.1).powi(2);
    let far = (1..points.len()).max_by(|&i, &j| d2(points[0], points[i]).total_cmp(&d2(points[0], points[j]))).unwrap_or(0);
    let mut closed = points.to_vec();
    closed.push(points[0]);
    let mut first = douglas_peucker(&closed[..=far], tolerance);
    let second = douglas_peucker(&closed[far..], tolerance);
    first.pop(); // `far` starts the second half
    first.extend(second);
    first.pop(); // the closing point
    first
}

/// Douglas–Peucker simplification of an open polyline (ends kept).
pub fn douglas_peucker(points: &[(f64, f64)], tolerance: f64) -> Vec<(f64, f64)> {
    if points.len() < 3 {
        return points.to_vec();
    }
    let mut keep = vec![false; points.len()];
    keep[0] = true;
    keep[points.len() - 1] = true;
    let mut stack = vec![(0, points.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        let (mut worst, mut worst_d) = (0, -1.0);
        for i in a + 1..b {
            let d = segment_distance(points[i], points[a], points[b]);
            if d > worst_d {
                (worst, worst_d) = (i, d);
            }
        }
        if worst_d > tolerance {
            keep[worst] = true;
            stack.push((a, worst));
            stack.push((worst, b));
        }
    }
    points.iter().zip(keep).filter(|(_, k)| *k).map(|(p, _)| *p).collect()
}

/// Distance from `p` to the segment `a`–`b`.
fn segment_distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 { 0.0 } else { (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0) };
    ((p.0 - a.0 - t * dx).powi(2) + (p.1 - a.1 - t * dy).powi(2)).sqrt()
}

/// Signed area of a closed ring by the shoelace formula (positive when
/// counter-clockwise in the coordinates given).
#[cfg(test)]
fn ring_area(ring: &[(f64, f64)]) -> f64 {
    ring.windows(2).map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1).sum::<f64>() / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(rows: usize, cols: usize, inside: impl Fn(usize, usize) -> bool) -> ObjectMask {
        let labels: Vec<u32> = (0..rows * cols).map(|p| inside(p / cols, p % cols) as u32).collect();
        ObjectMask::from_labels(&labels, rows, cols, 1).unwrap()
    }

    #[test]
    fn boundary_of_a_rectangle_visits_every_border_pixel_once() {
        let m = mask(6, 8, |r, c| (1..5).contains(&r) && (2..7).contains(&c));
        let b = trace_boundary(&m);
        // 4 x 5 rectangle: 2 * (4 + 5) - 4 = 14 border pixels.
        assert_eq!(b.len(), 14);
        let mut unique = b.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 14);
        assert_eq!(b[0], (1, 2));
        assert_eq!(b[1], (1, 3), "clockwise as displayed: east first along the top");
    }

    #[test]
    fn ring_of_a_disc_is_closed_ccw_and_close_in_area() {
        let m = mask(21, 21, |r, c| (r as f64 - 10.0).powi(2) + (c as f64 - 10.0).powi(2) <= 64.0);
        let ring = outline_ring(&m, 0.5);
        assert_eq!(ring.first(), ring.last());
        // In (x, y-down) coordinates a counter-clockwise-as-displayed ring has
        // negative shoelace area; flip y to compare with the pixel count.
        let flipped: Vec<(f64, f64)> = ring.iter().map(|&(x, y)| (x, -y)).collect();
        let area = ring_area(&flipped);
        // Through pixel centres the ring encloses about area - perimeter / 2.
        let pixels = m.area() as f64;
        assert!(area > 0.8 * pixels && area < pixels, "ring area {area}, {pixels} pixels");
        assert!(ring.len() < 40, "simplified to {} points", ring.len());
    }

    #[test]
    fn thin_and_single_pixel_objects() {
        assert_eq!(trace_boundary(&mask(3, 3, |r, c| (r, c) == (1, 1))), vec![(1, 1)]);
        // A 1-pixel-wide line is traced out and back.
        let line = trace_boundary(&mask(3, 5, |r, c| r == 1 && (1..4).contains(&c)));
        assert_eq!(line, vec![(1, 1), (1, 2), (1, 3), (1, 2)]);
        // A diagonal (8-connected) pair.
        let diag = trace_boundary(&mask(3, 3, |r, c| (r, c) == (0, 0) || (r, c) == (1, 1)));
        assert_eq!(diag, vec![(0, 0), (1, 1)]);
    }

    #[test]
    fn douglas_peucker_drops_collinear_points() {
        let pts = [(0.0, 0.0), (1.0, 0.05), (2.0, 0.0), (3.0, 3.0)];
        assert_eq!(douglas_peucker(&pts, 0.1), vec![(0.0, 0.0), (2.0, 0.0), (3.0, 3.0)]);
    }
}
