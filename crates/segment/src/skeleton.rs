//! Object skeletons: Zhang–Suen thinning and the longest path through the result.

use crate::mask::ObjectMask;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Zhang–Suen (1984) thinning of a row-major binary mask; pixels outside the
/// mask count as background. Returns the thinned mask (8-connected, one
/// pixel wide away from junctions).
///
/// ```
/// use terradl_segment::zhang_suen;
/// // A 3 x 7 bar thins to (part of) its middle row.
/// let mask = vec![true; 21];
/// let thin = zhang_suen(&mask, 3, 7);
/// assert!(thin[7..14].iter().any(|&t| t));
/// assert!(!thin[..7].iter().any(|&t| t) && !thin[14..].iter().any(|&t| t));
/// ```
pub fn zhang_suen(mask: &[bool], rows: usize, cols: usize) -> Vec<bool> {
    let mut img = mask.to_vec();
    let at = |img: &[bool], r: i64, c: i64| -> bool {
        r >= 0 && c >= 0 && (r as usize) < rows && (c as usize) < cols && img[r as usize * cols + c as usize]
    };
    let mut to_clear = Vec::new();
    loop {
        let mut changed = false;
        for step in 0..2 {
            to_clear.clear();
            for r in 0..rows as i64 {
                for c in 0..cols as i64 {
                    if !img[r as usize * cols + c as usize] {
                        continue;
                    }
                    // P2..P9 clockwise from north.
                    let p = [
                        at(&img, r - 1, c),
                        at(&img, r - 1, c + 1),
                        at(&img, r, c + 1),
                        at(&img, r + 1, c + 1),
                        at(&img, r + 1, c),
                        at(&img, r + 1, c - 1),
                        at(&img, r, c - 1),
                        at(&img, r - 1, c - 1),
                    ];
                    let b = p.iter().filter(|&&v| v).count();
                    let a = (0..8).filter(|&i| !p[i] && p[(i + 1) % 8]).count();
                    let (p2, p4, p6, p8) = (p[0], p[2], p[4], p[6]);
                    let cond = if step == 0 {
                        !(p2 && p4 && p6) && !(p4 && p6 && p8)
                    } else {
                        !(p2 && p4 && p8) && !(p2 && p6 && p8)
                    };
                    if (2..=6).contains(&b) && a == 1 && cond {
                        to_clear.push(r as usize * cols + c as usize);
                    }
                }
            }
            changed |= !to_clear.is_empty();
            for &i in &to_clear {
                img[i] = false;
            }
        }
        if !changed {
            return img;
        }
    }
}

/// The skeleton of one object and the longest path through it.
#[derive(Debug, Clone, PartialEq)]
pub struct Skeleton {
    /// Every skeleton pixel, image `(row, col)`, raster order.
    pub pixels: Vec<(usize, usize)>,
    /// The longest geodesic path through the skeleton, ordered end to end
    /// (8-connected steps).
    pub path: Vec<(usize, usize)>,
}

impl Skeleton {
    /// Thin the object and find its longest path (double sweep of Dijkstra's
    /// algorithm with step lengths 1 and sqrt 2, exact on tree-like skeletons).
    /// An object that thins to nothing gets the single pixel nearest its centroid.
    pub fn of(object: &ObjectMask) -> Skeleton {
        let (rows, cols) = (object.rows, object.cols);
        let thin = zhang_suen(&object.mask, rows, cols);
        let local: Vec<usize> = (0..thin.len()).filter(|&i| thin[i]).collect();
        let to_image = |i: usize| (object.row0 + i / cols, object.col0 + i % cols);
        if local.is_empty() {
            let n = object.area().max(1) as f64;
            let (sr, sc) = object.pixels().fold((0.0, 0.0), |(a, b), (r, c)| (a + r as f64, b + c as f64));
            let p = object.nearest_pixel(sr / n, sc / n);
            return Skeleton { pixels: vec![p], path: vec![p] };
        }
        let (far, _) = farthest(&thin, rows, cols, local[0]);
        let (other, prev) = farthest(&thin, rows, cols, far);
        let mut path = vec![to_image(other)];
        let mut at = other;
        while at != far {
            at = prev[at];
            path.push(to_image(at));
        }
        Skeleton { pixels: local.into_iter().map(to_image).collect(), path }
    }

    /// Length of [`Skeleton::path`] in pixels (1 per axial step, sqrt 2 per diagonal).
    pub fn length(&self) -> f64 {
        self.path
            .windows(2)
            .map(|w| if w[0].0 != w[1].0 && w[0].1 != w[1].1 { std::f64::consts::SQRT_2 } else { 1.0 })
            .sum()
    }

    /// Path pixels at arc lengths `0, spacing, 2 spacing, ...` along the path
    /// (the pixel whose cumulative length is nearest each target).
    pub fn sample(&self, spacing: f64) -> Vec<(usize, usize)> {
        let total = self.length();
        if self.path.len() < 2 || !(spacing > 0.0) {
            return self.path.first().copied().into_iter().collect();
        }
        let n = (total / spacing).floor() as usize + 1;
        self.sample_n_over(n, spacing)
    }

    /// `n >= 1` path pixels evenly spread from one end to the other (both ends
    /// included when `n >= 2`; the middle of the path when `n == 1`).
    pub fn sample_evenly(&self, n: usize) -> Vec<(usize, usize)> {
        let total = self.length();
        match n {
            0 => Vec::new(),
            1 => self.sample_at(&[total / 2.0]),
            _ => self.sample_n_over(n, total / (n - 1) as f64),
        }
    }

    fn sample_n_over(&self, n: usize, spacing: f64) -> Vec<(usize, usize)> {
        let targets: Vec<f64> = (0..n).map(|i| i as f64 * spacing).collect();
        self.sample_at(&targets)
    }

    fn sample_at(&self, targets: &[f64]) -> Vec<(usize, usize)> {
        let mut cumulative = Vec::with_capacity(self.path.len());
        let mut acc = 0.0;
        for (i, p) in self.path.iter().enumerate() {
            if i > 0 {
                let q = self.path[i - 1];
                acc += if p.0 != q.0 && p.1 != q.1 { std::f64::consts::SQRT_2 } else { 1.0 };
            }
            cumulative.push(acc);
        }
        targets
            .iter()
            .map(|&t| {
                let i = (0..self.path.len())
                    .min_by(|&a, &b| (cumulative[a] - t).abs().total_cmp(&(cumulative[b] - t).abs()))
                    .unwrap_or(0);
                self.path[i]
            })
            .collect()
    }
}

/// Dijkstra over 8-connected `true` pixels from `start`: the farthest pixel
/// and the predecessor of every reached pixel.
fn farthest(mask: &[bool], rows: usize, cols: usize, start: usize) -> (usize, Vec<usize>) {
    // Integer step costs 1000 / 1414 keep the heap on exact integers.
    let mut dist = vec![u64::MAX; mask.len()];
    let mut prev: Vec<usize> = (0..mask.len()).collect();
    let mut heap = BinaryHeap::new();
    dist[start] = 0;
    heap.push(Reverse((0u64, start)));
    let mut best = (0u64, start);
    while let Some(Reverse((d, p))) = heap.pop() {
        if d > dist[p] {
            continue;
        }
        if d > best.0 {
            best = (d, p);
        }
        let (r, c) = (p / cols, p % cols);
        for q in crate::segmentation::neighbours8(r, c, rows, cols) {
            if !mask[q] {
                continue;
            }
            let step = if q / cols != r && q % cols != c { 1414 } else { 1000 };
            if d + step < dist[q] {
                dist[q] = d + step;
                prev[q] = p;
                heap.push(Reverse((d + step, q)));
            }
        }
    }
    (best.1, prev)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask_of(rows: usize, cols: usize, inside: impl Fn(usize, usize) -> bool) -> ObjectMask {
        let labels: Vec<u32> = (0..rows * cols).map(|p| (!inside(p / cols, p % cols)) as u32).collect();
        ObjectMask::from_labels(&labels, rows, cols, 0).unwrap()
    }

    #[test]
    fn thick_horizontal_line_thins_to_a_line_of_about_its_length() {
        // 5 rows x 40 cols bar at rows 5..10, cols 5..45.
        let m = mask_of(15, 50, |r, c| (5..10).contains(&r) && (5..45).contains(&c));
        let s = Skeleton::of(&m);
        // Thin: at most one skeleton pixel per column.
        for c in 0..50 {
            assert!(s.pixels.iter().filter(|p| p.1 == c).count() <= 1, "column {c}");
        }
        // Inside the bar, along its middle row, roughly bar length minus width.
        assert!(s.pixels.iter().all(|&(r, c)| m.contains(r, c)));
        assert!(s.pixels.iter().all(|&(r, _)| r == 7), "{:?}", s.pixels);
        let len = s.length();
        assert!((34.0..=40.0).contains(&len), "length {len}");
        assert_eq!(s.path.len(), s.pixels.len());
    }

    #[test]
    fn thick_diagonal_line_skeleton_follows_the_diagonal() {
        // Band |r - c| <= 2 in a 40 x 40 image: a diagonal strip ~5 px thick.
        let m = mask_of(40, 40, |r, c| (r as i64 - c as i64).abs() <= 2);
        let s = Skeleton::of(&m);
        let len = s.length();
        // Diagonal length 39 * sqrt 2 = 55.2; ends shortened by thinning.
        assert!((45.0..=57.0).contains(&len), "length {len}");
        assert!(s.path.iter().all(|&(r, c)| (r as i64 - c as i64).abs() <= 1));
        // Path steps are 8-connected.
        assert!(s.path.windows(2).all(|w| w[0].0.abs_diff(w[1].0) <= 1 && w[0].1.abs_diff(w[1].1) <= 1));
    }

    #[test]
    fn sampling_is_evenly_spaced_along_the_path() {
        let m = mask_of(3, 30, |r, _| r == 1);
        let s = Skeleton::of(&m);
        let pts = s.sample(10.0);
        // A 1-pixel line is its own skeleton (ends may lose a pixel): ~29 long.
        assert!(pts.len() == 3 || pts.len() == 4, "{pts:?}");
        assert!(pts.windows(2).all(|w| w[0].1.abs_diff(w[1].1) == 10));
        let even = s.sample_evenly(2);
        assert_eq!(even, vec![s.path[0], *s.path.last().unwrap()]);
    }

    #[test]
    fn tiny_object_falls_back_to_a_pixel() {
        let m = mask_of(4, 4, |r, c| (1..3).contains(&r) && (1..3).contains(&c));
        let s = Skeleton::of(&m);
        assert!(!s.pixels.is_empty());
        assert!(s.pixels.iter().all(|&(r, c)| m.contains(r, c)));
    }
}
