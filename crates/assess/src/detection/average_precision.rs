//! Average precision (PASCAL VOC 2010+ all-point interpolation) and mAP.

use super::matching::{DetectionImage, match_greedy};

/// All-point interpolated average precision at one IoU threshold.
///
/// Predictions from all images are ranked by score; each is a TP or FP as
/// decided by [`match_greedy`] within its image. With the precision envelope
/// `p_interp(r) = max_{r' >= r} p(r')`, AP is the area under the
/// interpolated precision–recall curve, `Σ (r_k − r_{k−1}) p_interp(r_k)`.
/// `None` when there is no ground truth.
///
/// ```
/// use terradl_assess::detection::{average_precision, DetectionImage};
/// use terradl_geo::{PixelBox, Scored};
/// let gt = PixelBox::new(0.0, 0.0, 1.0, 1.0);
/// let img = DetectionImage { predictions: vec![Scored::new(gt, 0.9)], truths: vec![gt] };
/// assert_eq!(average_precision(&[img], 0.5), Some(1.0));
/// ```
pub fn average_precision<S>(images: &[DetectionImage<S>], iou_threshold: f64) -> Option<f64> {
    let n_truth: usize = images.iter().map(|i| i.truths.len()).sum();
    if n_truth == 0 {
        return None;
    }
    let mut ranked: Vec<(f64, bool)> = Vec::new();
    for img in images {
        let m = match_greedy(&img.predictions, &img.truths, iou_threshold);
        ranked.extend(img.predictions.iter().zip(&m.matched).map(|(p, mm)| (p.score, mm.is_some())));
    }
    // Stable sort: equal scores keep image order.
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut tp, mut fp) = (0usize, 0usize);
    let mut recall = vec![0.0];
    let mut precision = vec![0.0];
    for (_, is_tp) in ranked {
        if is_tp { tp += 1 } else { fp += 1 }
        recall.push(tp as f64 / n_truth as f64);
        precision.push(tp as f64 / (tp + fp) as f64);
    }
    for k in (0..precision.len() - 1).rev() {
        precision[k] = precision[k].max(precision[k + 1]);
    }
    Some((1..recall.len()).map(|k| (recall[k] - recall[k - 1]) * precision[k]).sum())
}

/// Mean of [`average_precision`] over several IoU thresholds (e.g.
/// `0.5, 0.55, ..., 0.95` for a COCO-like summary, or `[0.4, 0.5]`).
/// `None` when there is no ground truth or no threshold.
pub fn mean_average_precision<S>(images: &[DetectionImage<S>], iou_thresholds: &[f64]) -> Option<f64> {
    let aps: Option<Vec<f64>> = iou_thresholds.iter().map(|&t| average_precision(images, t)).collect();
    let aps = aps?;
    (!aps.is_empty()).then(|| aps.iter().sum::<f64>() / aps.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use terradl_geo::{Pixel, PixelBox, Scored};

    fn unit(x: f64) -> PixelBox {
        PixelBox::new(x, 0.0, x + 1.0, 1.0)
    }

    #[test]
    fn hand_computed_curve() {
        // Truths at x = 0, 10, 20. Ranked predictions: TP (0.9), FP (0.8), TP (0.7).
        // recall 1/3, 1/3, 2/3; precision 1, 1/2, 2/3; envelope 1, 2/3, 2/3.
        // AP = 1/3 * 1 + 1/3 * 2/3 = 5/9.
        let img = DetectionImage {
            predictions: vec![
                Scored::new(unit(0.0), 0.9),
                Scored::new(unit(50.0), 0.8),
                Scored::new(unit(10.0), 0.7),
            ],
            truths: vec![unit(0.0), unit(10.0), unit(20.0)],
        };
        assert!((average_precision(std::slice::from_ref(&img), 0.5).unwrap() - 5.0 / 9.0).abs() < 1e-12);
        // Ranking across images: the same three predictions split over two images.
        let a = DetectionImage { predictions: vec![img.predictions[0], img.predictions[2]], truths: vec![unit(0.0), unit(10.0)] };
        let b = DetectionImage { predictions: vec![img.predictions[1]], truths: vec![unit(20.0)] };
        assert!((average_precision(&[a, b], 0.5).unwrap() - 5.0 / 9.0).abs() < 1e-12);
    }

    #[test]
    fn map_over_thresholds() {
        // One prediction with IoU 1/3 to its truth: AP = 1 at 0.3, 0 at 0.5; mAP = 0.5.
        let img = DetectionImage {
            predictions: vec![Scored::new(PixelBox::new(2.0, 0.0, 6.0, 4.0), 0.5)],
            truths: vec![PixelBox::new(0.0, 0.0, 4.0, 4.0)],
        };
        assert_eq!(average_precision(std::slice::from_ref(&img), 0.3), Some(1.0));
        assert_eq!(average_precision(std::slice::from_ref(&img), 0.5), Some(0.0));
        assert_eq!(mean_average_precision(std::slice::from_ref(&img), &[0.3, 0.5]), Some(0.5));
        assert_eq!(mean_average_precision(&[img], &[]), None);
        assert_eq!(average_precision::<Pixel>(&[], 0.5), None);
    }
}
