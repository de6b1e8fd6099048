//! Per-object statistics: area, centroid, bounding box, band means,
//! second-order moments (orientation, axis lengths, elongation), perimeter.

use crate::error::{Result, SegmentError};
use crate::image::ImageView;
use crate::merge::object_means;
use crate::segmentation::Segmentation;
use serde::{Deserialize, Serialize};
use terradl_geo::PixelBox;

/// Statistics of one object of a [`Segmentation`].
///
/// Moments treat each pixel as a unit square (a `1/12` is added to both
/// variances), so a solid `w x h` rectangle has axis lengths in the ratio
/// `w : h` exactly. Axis lengths are those of the ellipse with the same
/// second moments (`4 sqrt(eigenvalue)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectStats {
    /// Object id in the segmentation.
    pub id: u32,
    /// Pixels.
    pub area: usize,
    /// Mean `(row, col)` of pixel centres (pixel `(r, c)` has centre `(r, c)`).
    pub centroid: (f64, f64),
    /// Bounding box of the object's pixels (pixel edges: pixel `(r, c)` spans `[c, c + 1) x [r, r + 1)`).
    pub bbox: PixelBox,
    /// Mean of every band over valid pixels (NaN where none; empty without an image).
    pub mean: Vec<f32>,
    /// Central second moments (variances / covariance per pixel, unit-square corrected).
    pub mu_rr: f64,
    /// Column variance.
    pub mu_cc: f64,
    /// Row-column covariance.
    pub mu_rc: f64,
    /// Angle from the column axis (east) to the major axis, counter-clockwise as
    /// displayed (rows grow downward), in `(-pi/2, pi/2]`.
    pub orientation: f64,
    /// Major axis length in pixels.
    pub major_axis: f64,
    /// Minor axis length in pixels.
    pub minor_axis: f64,
    /// `major_axis / minor_axis` (>= 1).
    pub elongation: f64,
    /// Number of pixel edges between the object and other objects or the image border.
    pub perimeter: usize,
    /// Whether the object is made of nodata pixels.
    pub nodata: bool,
}

/// Running sums of pixel coordinates for one region.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ShapeAccumulator {
    pub area: usize,
    sum_r: f64,
    sum_c: f64,
    sum_rr: f64,
    sum_cc: f64,
    sum_rc: f64,
    pub bbox: PixelBox,
}

impl Default for ShapeAccumulator {
    fn default() -> Self {
        ShapeAccumulator {
            area: 0,
            sum_r: 0.0,
            sum_c: 0.0,
            sum_rr: 0.0,
            sum_cc: 0.0,
            sum_rc: 0.0,
            bbox: PixelBox::empty(),
        }
    }
}

/// Moment-derived shape descriptors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pub centroid: (f64, f64),
    pub mu_rr: f64,
    pub mu_cc: f64,
    pub mu_rc: f64,
    pub orientation: f64,
    pub major_axis: f64,
    pub minor_axis: f64,
}

impl ShapeAccumulator {
    pub(crate) fn add(&mut self, r: usize, c: usize) {
        let (rf, cf) = (r as f64, c as f64);
        self.area += 1;
        self.sum_r += rf;
        self.sum_c += cf;
        self.sum_rr += rf * rf;
        self.sum_cc += cf * cf;
        self.sum_rc += rf * cf;
        self.bbox = self.bbox.union(&PixelBox::of_pixel(r, c));
    }

    pub(crate) fn shape(&self) -> Shape {
        let n = self.area.max(1) as f64;
        let (mr, mc) = (self.sum_r / n, self.sum_c / n);
        let mu_rr = (self.sum_rr / n - mr * mr).max(0.0) + 1.0 / 12.0;
        let mu_cc = (self.sum_cc / n - mc * mc).max(0.0) + 1.0 / 12.0;
        let mu_rc = self.sum_rc / n - mr * mc;
        let half_trace = (mu_rr + mu_cc) / 2.0;
        let root = (((mu_cc - mu_rr) / 2.0).powi(2) + mu_rc * mu_rc).sqrt();
        let (l1, l2) = (half_trace + root, (half_trace - root).max(0.0));
        let mut orientation = 0.5 * (-2.0 * mu_rc).atan2(mu_cc - mu_rr);
        if orientation <= -std::f64::consts::FRAC_PI_2 {
            orientation += std::f64::consts::PI;
        }
        Shape {
            centroid: (mr, mc),
            mu_rr,
            mu_cc,
            mu_rc,
            orientation,
            major_axis: 4.0 * l1.sqrt(),
            minor_axis: 4.0 * l2.sqrt(),
        }
    }
}

/// Statistics of every object, indexed by id. Band means come from `image`
/// when given (it must have the segmentation's rows and cols).
///
/// ```
/// use terradl_segment::{object_stats, Segmentation};
/// // A 2 x 10 horizontal bar (id 0) above a 2 x 10 bar (id 1).
/// let labels: Vec<u32> = (0..40).map(|p| (p / 20) as u32).collect();
/// let seg = Segmentation::from_labels(labels, 4, 10).unwrap();
/// let s = &object_stats(&seg, None).unwrap()[0];
/// assert_eq!((s.area, s.perimeter), (20, 24));
/// assert!(s.orientation.abs() < 1e-12 && (s.elongation - 5.0).abs() < 1e-9);
/// ```
pub fn object_stats(seg: &Segmentation, image: Option<&ImageView>) -> Result<Vec<ObjectStats>> {
    seg.check_invariants()?;
    let (rows, cols) = (seg.rows, seg.cols);
    let means = match image {
        Some(img) => {
            if (img.rows(), img.cols()) != (rows, cols) {
                return Err(SegmentError::ShapeMismatch {
                    what: "image for object statistics",
                    got: img.pixels(),
                    expected: rows * cols,
                    bands: 1,
                    rows,
                    cols,
                });
            }
            object_means(seg, img)
        }
        None => vec![Vec::new(); seg.n_objects],
    };
    let mut acc = vec![ShapeAccumulator::default(); seg.n_objects];
    let mut perimeter = vec![0usize; seg.n_objects];
    for r in 0..rows {
        for c in 0..cols {
            let l = seg.labels[r * cols + c];
            acc[l as usize].add(r, c);
            let differs = |rr: Option<usize>, cc: Option<usize>| match (rr, cc) {
                (Some(rr), Some(cc)) if rr < rows && cc < cols => seg.labels[rr * cols + cc] != l,
                _ => true,
            };
            perimeter[l as usize] += [
                differs(r.checked_sub(1), Some(c)),
                differs(Some(r + 1), Some(c)),
                differs(Some(r), c.checked_sub(1)),
                differs(Some(r), Some(c + 1)),
            ]
            .iter()
            .filter(|&&d| d)
            .count();
        }
    }
    Ok(acc
        .iter()
        .zip(means)
        .enumerate()
        .map(|(id, (a, mean))| {
            let s = a.shape();
            ObjectStats {
                id: id as u32,
                area: a.area,
                centroid: s.centroid,
                bbox: a.bbox,
                mean,
                mu_rr: s.mu_rr,
                mu_cc: s.mu_cc,
                mu_rc: s.mu_rc,
                orientation: s.orientation,
                major_axis: s.major_axis,
                minor_axis: s.minor_axis,
                elongation: s.major_axis / s.minor_axis,
                perimeter: perimeter[id],
                nodata: seg.nodata_objects[id],
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::{FRAC_PI_2, FRAC_PI_4};

    /// Object 1 = the given pixels, object 0 = everything else.
    fn stats_of(pixels: &[(usize, usize)], rows: usize, cols: usize) -> ObjectStats {
        let mut labels = vec![0u32; rows * cols];
        for &(r, c) in pixels {
            labels[r * cols + c] = 1;
        }
        let seg = Segmentation::from_labels(labels, rows, cols).unwrap();
        let id = seg.label_at(pixels[0].0, pixels[0].1) as usize;
        object_stats(&seg, None).unwrap().swap_remove(id)
    }

    #[test]
    fn horizontal_rectangle() {
        let px: Vec<_> = (3..5).flat_map(|r| (2..12).map(move |c| (r, c))).collect();
        let s = stats_of(&px, 8, 14);
        assert_eq!(s.area, 20);
        assert_eq!(s.centroid, (3.5, 6.5));
        assert_eq!(s.bbox, PixelBox::new(2.0, 3.0, 12.0, 5.0));
        assert!(s.orientation.abs() < 1e-12);
        assert!((s.elongation - 5.0).abs() < 1e-9);
        // Variance of a unit-square-corrected run of 10 pixels: 100 / 12.
        assert!((s.mu_cc - 100.0 / 12.0).abs() < 1e-9);
        assert!((s.major_axis - 4.0 * (100.0f64 / 12.0).sqrt()).abs() < 1e-9);
        assert_eq!(s.perimeter, 24);
    }

    #[test]
    fn vertical_and_diagonal_lines() {
        let vertical: Vec<_> = (1..11).map(|r| (r, 4)).collect();
        let v = stats_of(&vertical, 12, 9);
        assert!((v.orientation - FRAC_PI_2).abs() < 1e-12, "{}", v.orientation);

        // Diagonal bands 3 px thick inside a square, symmetric under swapping rows
        // and columns, so mu_rr == mu_cc and the orientation is exactly +-45 degrees.
        // Going up-right as displayed (row decreases as col increases): +45.
        let square = |f: &dyn Fn(i64, i64) -> bool| -> Vec<(usize, usize)> {
            (1..11).flat_map(|r| (1..11).map(move |c| (r, c))).filter(|&(r, c)| f(r as i64, c as i64)).collect()
        };
        let u = stats_of(&square(&|r, c| (r + c - 11).abs() <= 1), 12, 12);
        assert!((u.orientation - FRAC_PI_4).abs() < 1e-12, "{}", u.orientation);
        assert!(u.elongation > 3.0);
        let d = stats_of(&square(&|r, c| (r - c).abs() <= 1), 12, 12);
        assert!((d.orientation + FRAC_PI_4).abs() < 1e-12, "{}", d.orientation);
        assert!((d.elongation - u.elongation).abs() < 1e-9);
    }

    #[test]
    fn square_is_not_elongated_and_means_follow_the_image() {
        let labels: Vec<u32> = (0..16).map(|p| ((p % 4) >= 2) as u32).collect();
        let seg = Segmentation::from_labels(labels, 4, 4).unwrap();
        let data: Vec<f32> = (0..32).map(|i| if i < 16 { (i % 4) as f32 } else { 7.0 }).collect();
        let img = ImageView::new(&data, 2, 4, 4).unwrap();
        let st = object_stats(&seg, Some(&img)).unwrap();
        // Object 0: columns 0-1 (band 0 values 0, 1); object 1: columns 2-3.
        assert_eq!(st[0].mean, vec![0.5, 7.0]);
        assert_eq!(st[1].mean, vec![2.5, 7.0]);
        assert!((st[0].elongation - 2.0).abs() < 1e-9); // 4 x 2
        let wrong = ImageView::new(&data[..16], 1, 2, 8).unwrap();
        assert!(object_stats(&seg, Some(&wrong)).is_err());
    }
}
