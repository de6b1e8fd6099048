//! CenterNet loss: penalty-reduced pixel-wise focal loss on the centre heat-map
//! plus L1 losses on log-size and offset at centre cells.

use burn::tensor::activation::log_sigmoid;
use burn::tensor::{Device, Tensor, TensorData};
use terradl_models::detection::DetectorOutput;

use super::target::DetectionTargets;

/// Loss terms (each a scalar tensor `[1]`) for one batch.
#[derive(Debug, Clone)]
pub struct DetectionLoss {
    /// Weighted sum of the three terms.
    pub total: Tensor<1>,
    /// Focal loss of the centre heat-map.
    pub heatmap: Tensor<1>,
    /// L1 loss of the log box sizes at the centres.
    pub size: Tensor<1>,
    /// L1 loss of the sub-cell centre offsets.
    pub offset: Tensor<1>,
}

/// Weights of the loss terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DetectionLossWeights {
    /// Weight of the heat-map term.
    pub heatmap: f32,
    /// Weight of the size term.
    pub size: f32,
    /// Weight of the offset term.
    pub offset: f32,
}

impl Default for DetectionLossWeights {
    fn default() -> Self {
        DetectionLossWeights { heatmap: 1.0, size: 1.0, offset: 1.0 }
    }
}

fn tensor4(v: &[f32], shape: [usize; 4], device: &Device) -> Tensor<4> {
    Tensor::from_data(TensorData::new(v.to_vec(), shape), device)
}

/// Compute the loss of `out` against `t` (focal alpha = 2, beta = 4 as in CenterNet).
pub fn detection_loss(out: &DetectorOutput, t: &DetectionTargets, w: DetectionLossWeights) -> DetectionLoss {
    let device = out.heatmap.device();
    let (b, k, h, wd) = (t.batch, t.classes, t.height, t.width);
    let gt = tensor4(&t.heatmap, [b, k, h, wd], &device);
    let pos_v: Vec<f32> = t.heatmap.iter().map(|&v| if v >= 1.0 { 1.0 } else { 0.0 }).collect();
    let pos = tensor4(&pos_v, [b, k, h, wd], &device);
    let n = (t.num_objects.max(1)) as f32;

    let logits = out.heatmap.clone();
    let p = burn::tensor::activation::sigmoid(logits.clone());
    let log_p = log_sigmoid(logits.clone());
    let log_1mp = log_sigmoid(logits.neg());
    let one_minus_p = p.clone().neg() + 1.0;
    let pos_loss = log_p * one_minus_p.powi_scalar(2) * pos.clone();
    let neg_weight = (gt.neg() + 1.0).powi_scalar(4) * (pos.neg() + 1.0);
    let neg_loss = log_1mp * p.powi_scalar(2) * neg_weight;
    let heatmap = (pos_loss.sum() + neg_loss.sum()).neg() / n;

    let mask = tensor4(&t.mask, [b, 1, h, wd], &device);
    let size_t = tensor4(&t.size, [b, 2, h, wd], &device);
    let off_t = tensor4(&t.offset, [b, 2, h, wd], &device);
    let size = ((out.size.clone() - size_t).abs() * mask.clone()).sum() / n;
    let offset = ((out.offset.clone() - off_t).abs() * mask).sum() / n;
    let total = heatmap.clone() * w.heatmap + size.clone() * w.size + offset.clone() * w.offset;
    DetectionLoss { total, heatmap, size, offset }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detection::encode_targets;
    use terradl_data::detection::BoxAnnotation;
    use terradl_geo::PixelBox;

    fn out_with_heat(logit_at_peak: f32, logit_elsewhere: f32, t: &DetectionTargets, device: &Device) -> DetectorOutput {
        let heat: Vec<f32> = t.heatmap.iter().map(|&g| if g >= 1.0 { logit_at_peak } else { logit_elsewhere }).collect();
        DetectorOutput {
            heatmap: tensor4(&heat, [1, 1, t.height, t.width], device),
            size: tensor4(&t.size, [1, 2, t.height, t.width], device),
            offset: tensor4(&t.offset, [1, 2, t.height, t.width], device),
        }
    }

    #[test]
    fn a_correct_heatmap_has_lower_loss() {
        let device = Device::default();
        let b = [BoxAnnotation::new(PixelBox::new(10.0, 10.0, 30.0, 30.0), "Tree")];
        let t = encode_targets(&[&b], 64, 64, 1, |_| Some(0));
        let good = detection_loss(&out_with_heat(6.0, -6.0, &t, &device), &t, Default::default());
        let bad = detection_loss(&out_with_heat(-6.0, 6.0, &t, &device), &t, Default::default());
        let g: f32 = good.total.into_scalar();
        let b: f32 = bad.total.into_scalar();
        assert!(g < 0.1 && b > 10.0, "good {g} bad {b}");
        let s: f32 = good.size.into_scalar();
        assert!(s.abs() < 1e-6);
    }
}
