//! Greedy score-ordered matching, precision/recall/F1 and count error.

use serde::{Deserialize, Serialize};
use terradl_geo::{BBox, Pixel, Scored};

/// Predictions and ground truth of one image (or tile), both in coordinate space `S`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct DetectionImage<S = Pixel> {
    /// Predicted boxes with their scores.
    pub predictions: Vec<Scored<BBox<S>>>,
    /// Ground-truth boxes.
    pub truths: Vec<BBox<S>>,
}

impl<S> Default for DetectionImage<S> {
    fn default() -> Self {
        DetectionImage { predictions: Vec::new(), truths: Vec::new() }
    }
}

/// The outcome of matching one image.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageMatch {
    /// For each prediction (input order): the matched truth index and IoU.
    pub matched: Vec<Option<(usize, f64)>>,
    /// Predictions matched to a truth box.
    pub true_positives: usize,
    /// Predictions left unmatched.
    pub false_positives: usize,
    /// Truth boxes left unmatched.
    pub false_negatives: usize,
}

/// Greedy matching at an IoU threshold (see the module docs). Ties in score
/// keep input order; a prediction needs `IoU >= iou_threshold` to match.
pub fn match_greedy<S>(predictions: &[Scored<BBox<S>>], truths: &[BBox<S>], iou_threshold: f64) -> ImageMatch {
    let mut order: Vec<usize> = (0..predictions.len()).collect();
    order.sort_by(|&a, &b| predictions[b].score.total_cmp(&predictions[a].score));
    let mut taken = vec![false; truths.len()];
    let mut matched = vec![None; predictions.len()];
    for p in order {
        let best = truths
            .iter()
            .enumerate()
            .filter(|(t, _)| !taken[*t])
            .map(|(t, gt)| (t, predictions[p].bbox.iou(gt)))
            .fold(None::<(usize, f64)>, |acc, (t, iou)| match acc {
                Some((_, b)) if b >= iou => acc,
                _ => Some((t, iou)),
            });
        if let Some((t, iou)) = best
            && iou >= iou_threshold
        {
            taken[t] = true;
            matched[p] = Some((t, iou));
        }
    }
    let tp = matched.iter().filter(|m| m.is_some()).count();
    ImageMatch { matched, true_positives: tp, false_positives: predictions.len() - tp, false_negatives: truths.len() - tp }
}

/// Error of the predicted number of objects per image.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CountError {
    /// Mean over images of `|predicted − true|`.
    pub mean_absolute: f64,
    /// Mean over images of `predicted − true` (positive = over-counting).
    pub mean_signed: f64,
    /// `Σ |predicted − true| / Σ true`; `None` when there is no ground truth.
    pub relative: Option<f64>,
}

/// Detection metrics over a set of images at one IoU threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectionMetrics {
    /// IoU a prediction needs to match a truth box.
    pub iou_threshold: f64,
    /// Matched predictions over all images.
    pub true_positives: usize,
    /// Unmatched predictions over all images.
    pub false_positives: usize,
    /// Unmatched truth boxes over all images.
    pub false_negatives: usize,
    /// `TP / (TP + FP)`; `None` without predictions.
    pub precision: Option<f64>,
    /// `TP / (TP + FN)`; `None` without ground truth.
    pub recall: Option<f64>,
    /// Harmonic mean of precision and recall; `None` if either is undefined
    /// (0 when both are 0).
    pub f1: Option<f64>,
    /// All-point interpolated AP over all images; `None` without ground truth.
    pub average_precision: Option<f64>,
    /// Count error; `None` for an empty image list.
    pub count_error: Option<CountError>,
}

/// Precision, recall, F1, AP and count error over several images.
pub fn evaluate<S>(images: &[DetectionImage<S>], iou_threshold: f64) -> DetectionMetrics {
    let (mut tp, mut fp, mut fn_) = (0, 0, 0);
    for img in images {
        let m = match_greedy(&img.predictions, &img.truths, iou_threshold);
        tp += m.true_positives;
        fp += m.false_positives;
        fn_ += m.false_negatives;
    }
    let precision = (tp + fp > 0).then(|| tp as f64 / (tp + fp) as f64);
    let recall = (tp + fn_ > 0).then(|| tp as f64 / (tp + fn_) as f64);
    let f1 = match (precision, recall) {
        (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
        (Some(_), Some(_)) => Some(0.0),
        _ => None,
    };
    DetectionMetrics {
        iou_threshold,
        true_positives: tp,
        false_positives: fp,
        false_negatives: fn_,
        precision,
        recall,
        f1,
        average_precision: super::average_precision(images, iou_threshold),
        count_error: count_error(images),
    }
}

fn count_error<S>(images: &[DetectionImage<S>]) -> Option<CountError> {
    if images.is_empty() {
        return None;
    }
    let n = images.len() as f64;
    let diffs: Vec<f64> = images.iter().map(|i| i.predictions.len() as f64 - i.truths.len() as f64).collect();
    let truth: usize = images.iter().map(|i| i.truths.len()).sum();
    let abs_sum: f64 = diffs.iter().map(|d| d.abs()).sum();
    Some(CountError {
        mean_absolute: abs_sum / n,
        mean_signed: diffs.iter().sum::<f64>() / n,
        relative: (truth > 0).then(|| abs_sum / truth as f64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use terradl_geo::PixelBox;

    fn b(x0: f64, y0: f64, x1: f64, y1: f64) -> PixelBox {
        PixelBox::new(x0, y0, x1, y1)
    }

    #[test]
    fn score_order_decides_who_gets_the_truth() {
        // Truth A = (0,0,10,10), B = (20,0,30,10).
        // p0 (score 0.9) overlaps A with IoU 90/110 = 0.818 and takes it;
        // p1 (0.8) is identical to A but A is taken, and B does not overlap: FP;
        // p2 (0.7) equals B: TP. TP = 2, FP = 1, FN = 0.
        let truths = [b(0.0, 0.0, 10.0, 10.0), b(20.0, 0.0, 30.0, 10.0)];
        let preds = [
            Scored::new(b(1.0, 0.0, 11.0, 10.0), 0.9),
            Scored::new(b(0.0, 0.0, 10.0, 10.0), 0.8),
            Scored::new(b(20.0, 0.0, 30.0, 10.0), 0.7),
        ];
        let m = match_greedy(&preds, &truths, 0.5);
        assert_eq!(m.matched[0].map(|x| x.0), Some(0));
        assert!((m.matched[0].unwrap().1 - 90.0 / 110.0).abs() < 1e-12);
        assert_eq!(m.matched[1], None);
        assert_eq!(m.matched[2].map(|x| x.0), Some(1));
        assert_eq!((m.true_positives, m.false_positives, m.false_negatives), (2, 1, 0));
        let e = evaluate(&[DetectionImage { predictions: preds.to_vec(), truths: truths.to_vec() }], 0.5);
        assert!((e.precision.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(e.recall, Some(1.0));
        assert!((e.f1.unwrap() - 0.8).abs() < 1e-12);
    }

    #[test]
    fn threshold_is_inclusive_and_matters() {
        // IoU = 1/3 exactly (half-shifted 4x4 boxes).
        let truths = [b(0.0, 0.0, 4.0, 4.0)];
        let preds = [Scored::new(b(2.0, 0.0, 6.0, 4.0), 0.5)];
        assert_eq!(match_greedy(&preds, &truths, 1.0 / 3.0).true_positives, 1);
        assert_eq!(match_greedy(&preds, &truths, 0.4).true_positives, 0);
    }

    #[test]
    fn count_error_and_empty_cases() {
        let images = [
            DetectionImage { predictions: vec![Scored::new(b(0.0, 0.0, 1.0, 1.0), 0.5); 3], truths: vec![b(0.0, 0.0, 1.0, 1.0)] },
            DetectionImage { predictions: vec![], truths: vec![b(0.0, 0.0, 1.0, 1.0); 3] },
        ];
        // Differences +2 and -3: mean |.| = 2.5, mean signed = -0.5, relative 5/4.
        let e = evaluate(&images, 0.5);
        let c = e.count_error.unwrap();
        assert_eq!((c.mean_absolute, c.mean_signed, c.relative), (2.5, -0.5, Some(1.25)));
        // Duplicates of one truth: only one can match.
        assert_eq!((e.true_positives, e.false_positives, e.false_negatives), (1, 2, 3));
        let none = evaluate::<Pixel>(&[], 0.5);
        assert_eq!((none.precision, none.recall, none.f1, none.count_error), (None, None, None, None));
    }
}
