//! Turning detector outputs into scored pixel boxes: 3x3 max-pool peak extraction,
//! top-k, score threshold, and greedy non-maximum suppression.

use burn::tensor::activation::sigmoid;
use burn::tensor::module::max_pool2d;
use burn::tensor::ops::MaxPoolOptions;

use terradl_geo::{PixelBox, Scored};

use super::detector::{DETECTOR_STRIDE, DetectorOutput};

/// Decoding settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecodeConfig {
    /// Keep at most this many peaks per image.
    pub top_k: usize,
    /// Minimum heat-map probability of a peak.
    pub score_threshold: f32,
    /// IoU above which a lower-scored box of the same class is suppressed
    /// (peaks are already local maxima, so this only removes near-duplicates).
    pub nms_iou: f64,
}

impl Default for DecodeConfig {
    fn default() -> Self {
        DecodeConfig {
            top_k: 200,
            score_threshold: 0.2,
            nms_iou: 0.5,
        }
    }
}

/// Decode a batch of detector outputs into boxes (input-pixel coordinates, with
/// their heat-map probability and class), one list per image, sorted by decreasing score.
pub fn decode_detections(out: &DetectorOutput, cfg: &DecodeConfig) -> Vec<Vec<Scored<PixelBox>>> {
    let heat = sigmoid(out.heatmap.clone());
    let pooled = max_pool2d(
        heat.clone(),
        MaxPoolOptions::new([3, 3])
            .with_stride([1, 1])
            .with_padding([1, 1]),
    );
    let peaks = heat.clone().mask_fill(heat.lower(pooled), 0.0);
    let [b, k, h, w] = peaks.dims();
    let peaks: Vec<f32> = peaks.into_data().try_to_vec::<f32>().unwrap_or_default();
    let size: Vec<f32> = out.size.clone().into_data().try_to_vec::<f32>().unwrap_or_default();
    let offset: Vec<f32> = out.offset.clone().into_data().try_to_vec::<f32>().unwrap_or_default();
    let plane = h * w;
    let s = DETECTOR_STRIDE as f32;
    (0..b)
        .map(|i| {
            let mut cands: Vec<(f32, usize, usize)> = Vec::new();
            for c in 0..k {
                let base = (i * k + c) * plane;
                for (p, &v) in peaks[base..base + plane].iter().enumerate() {
                    if v >= cfg.score_threshold {
                        cands.push((v, c, p));
                    }
                }
            }
            cands.sort_by(|a, b| b.0.total_cmp(&a.0));
            cands.truncate(cfg.top_k);
            let boxes = cands
                .into_iter()
                .map(|(score, class, p)| {
                    let (y, x) = (p / w, p % w);
                    let at = |t: &[f32], ch: usize| t[(i * 2 + ch) * plane + p];
                    let cx = (x as f32 + 0.5 + at(&offset, 0).clamp(-1.0, 1.0)) * s;
                    let cy = (y as f32 + 0.5 + at(&offset, 1).clamp(-1.0, 1.0)) * s;
                    let bw = at(&size, 0).clamp(-3.0, 5.0).exp() * s;
                    let bh = at(&size, 1).clamp(-3.0, 5.0).exp() * s;
                    // Corners in f32 (the network's precision), then widened exactly.
                    let (x0, y0, x1, y1) = (cx - bw / 2.0, cy - bh / 2.0, cx + bw / 2.0, cy + bh / 2.0);
                    let bbox = PixelBox::new(x0.into(), y0.into(), x1.into(), y1.into());
                    Scored::new(bbox, score.into()).with_class(class)
                })
                .collect();
            nms(boxes, cfg.nms_iou)
        })
        .collect()
}

/// Greedy per-class non-maximum suppression: boxes sorted by score, each kept
/// unless it overlaps an already kept box of the same class by more than `iou`.
pub fn nms(mut boxes: Vec<Scored<PixelBox>>, iou: f64) -> Vec<Scored<PixelBox>> {
    boxes.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut kept: Vec<Scored<PixelBox>> = Vec::with_capacity(boxes.len());
    for b in boxes {
        if kept.iter().all(|k| k.class != b.class || k.bbox.iou(&b.bbox) <= iou) {
            kept.push(b);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, Tensor};

    fn bx(x: f64, y: f64, s: f64, score: f64) -> Scored<PixelBox> {
        Scored::new(PixelBox::new(x, y, x + s, y + s), score).with_class(0)
    }

    #[test]
    fn nms_keeps_best_of_overlapping() {
        let kept = nms(
            vec![
                bx(0.0, 0.0, 10.0, 0.5),
                bx(1.0, 1.0, 10.0, 0.9),
                bx(30.0, 0.0, 10.0, 0.4),
            ],
            0.5,
        );
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].score, 0.9);
        let other_class = bx(0.0, 0.0, 10.0, 0.5).with_class(1);
        assert_eq!(
            nms(vec![bx(0.0, 0.0, 10.0, 0.9), other_class], 0.5).len(),
            2
        );
    }

    #[test]
    fn decode_places_a_peak_with_its_size() {
        let device = Device::default();
        let (h, w) = (8, 8);
        let mut heat = vec![-10f32; h * w];
        heat[3 * w + 5] = 5.0; // cell (x=5, y=3)
        heat[3 * w + 4] = 1.0; // neighbour, not a local maximum
        let heatmap = Tensor::<1>::from_floats(heat.as_slice(), &device).reshape([1, 1, h, w]);
        let mut size = vec![0f32; 2 * h * w];
        size[3 * w + 5] = (12.0f32 / 4.0).ln();
        size[h * w + 3 * w + 5] = (8.0f32 / 4.0).ln();
        let size = Tensor::<1>::from_floats(size.as_slice(), &device).reshape([1, 2, h, w]);
        let offset = Tensor::<4>::zeros([1, 2, h, w], &device);
        let out = DetectorOutput {
            heatmap,
            size,
            offset,
        };
        let boxes = decode_detections(&out, &DecodeConfig::default());
        assert_eq!(boxes[0].len(), 1);
        let (b, score) = (boxes[0][0].bbox, boxes[0][0].score);
        assert!(
            (b.xmin - 16.0).abs() < 1e-4 && (b.xmax - 28.0).abs() < 1e-4,
            "{b:?}"
        );
        assert!(
            (b.ymin - 10.0).abs() < 1e-4 && (b.ymax - 18.0).abs() < 1e-4,
            "{b:?}"
        );
        assert!(score > 0.99);
        assert_eq!(boxes[0][0].class, Some(0));
    }
}
