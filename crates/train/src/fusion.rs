//! Object-level decision fusion of a deep and a classical classifier: the OSVM-OCNN rule
//! (Zhang et al. 2018, "An object-based convolutional neural network (OCNN) for urban land use
//! classification", *Remote Sensing of Environment* 216).
//!
//! For each object (field, segment) the CNN's class is kept when its top probability is at least
//! a threshold; below it the CNN is deemed unsure and the object-based SVM / random-forest label
//! is used instead. The threshold is chosen on validation objects ([`choose_threshold`]) and then
//! applied unchanged to the test objects ([`fuse`]).

use crate::error::TrainError;
use crate::inference::ClassProbabilities;

/// The threshold picked on validation data and what it reached there.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FusionThreshold {
    /// Keep the CNN label when its top probability is `>= threshold`.
    pub threshold: f32,
    /// Validation accuracy of the fused labels at `threshold`.
    pub accuracy: f64,
    /// Validation accuracy of the CNN alone.
    pub cnn_accuracy: f64,
    /// Validation accuracy of the object-based classifier alone.
    pub object_accuracy: f64,
    /// Share of validation objects that kept the CNN label.
    pub cnn_share: f64,
}

fn check(cnn: &ClassProbabilities, object_labels: &[u32]) -> Result<(), TrainError> {
    if cnn.n_classes == 0 || cnn.len() != object_labels.len() {
        return Err(TrainError::Data(format!(
            "{} CNN probability rows but {} object labels",
            cnn.len(),
            object_labels.len()
        )));
    }
    Ok(())
}

/// Top class and its probability of each row.
fn top(cnn: &ClassProbabilities) -> Vec<(u32, f32)> {
    cnn.values
        .chunks_exact(cnn.n_classes)
        .map(|row| {
            let (k, p) = row
                .iter()
                .enumerate()
                .fold((0, f32::NEG_INFINITY), |b, (k, &p)| if p > b.1 { (k, p) } else { b });
            (k as u32, p)
        })
        .collect()
}

/// Fused labels: the CNN's top class where its probability is `>= threshold`, the object-based
/// classifier's label elsewhere. `threshold = 0` always keeps the CNN, `> 1` never does.
pub fn fuse(cnn: &ClassProbabilities, object_labels: &[u32], threshold: f32) -> Result<Vec<u32>, TrainError> {
    check(cnn, object_labels)?;
    Ok(top(cnn)
        .into_iter()
        .zip(object_labels)
        .map(|((k, p), &o)| if p >= threshold { k } else { o })
        .collect())
}

fn accuracy(pred: impl Iterator<Item = u32>, y: &[u32]) -> f64 {
    let hits = pred.zip(y).filter(|(p, t)| p == *t).count();
    hits as f64 / y.len().max(1) as f64
}

/// The threshold that maximises the accuracy of [`fuse`] on validation objects with reference
/// labels `y`. Candidates are 0 (CNN only), every distinct top probability (the only places the
/// fused labels change) and a value above 1 (object classifier only); ties go to the lowest
/// threshold, so that the CNN is trusted as long as doing so costs nothing on validation data.
pub fn choose_threshold(cnn: &ClassProbabilities, object_labels: &[u32], y: &[u32]) -> Result<FusionThreshold, TrainError> {
    check(cnn, object_labels)?;
    if y.len() != object_labels.len() || y.is_empty() {
        return Err(TrainError::Data(format!(
            "{} reference labels for {} validation objects",
            y.len(),
            object_labels.len()
        )));
    }
    let tops = top(cnn);
    let mut candidates: Vec<f32> = tops.iter().map(|t| t.1).filter(|p| p.is_finite()).collect();
    candidates.push(0.0);
    candidates.push(1.0 + f32::EPSILON * 4.0);
    candidates.sort_by(f32::total_cmp);
    candidates.dedup();
    let fused_at = |thr: f32| tops.iter().zip(object_labels).map(move |(&(k, p), &o)| if p >= thr { k } else { o });
    let mut best = (f64::NEG_INFINITY, 0f32);
    for &thr in &candidates {
        let acc = accuracy(fused_at(thr), y);
        if acc > best.0 {
            best = (acc, thr);
        }
    }
    let threshold = best.1;
    Ok(FusionThreshold {
        threshold,
        accuracy: best.0,
        cnn_accuracy: accuracy(tops.iter().map(|t| t.0), y),
        object_accuracy: accuracy(object_labels.iter().copied(), y),
        cnn_share: tops.iter().filter(|t| t.1 >= threshold).count() as f64 / y.len() as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probs(rows: &[[f32; 3]]) -> ClassProbabilities {
        ClassProbabilities { n_classes: 3, values: rows.iter().flatten().copied().collect() }
    }

    #[test]
    fn fuse_keeps_confident_cnn_labels_only() {
        let cnn = probs(&[[0.9, 0.05, 0.05], [0.4, 0.35, 0.25], [0.1, 0.1, 0.8], [0.34, 0.33, 0.33]]);
        let obj = [1, 1, 0, 2];
        assert_eq!(fuse(&cnn, &obj, 0.5).unwrap(), vec![0, 1, 2, 2]);
        assert_eq!(fuse(&cnn, &obj, 0.0).unwrap(), vec![0, 0, 2, 0]);
        assert_eq!(fuse(&cnn, &obj, 1.01).unwrap(), obj.to_vec());
        // the boundary is inclusive
        assert_eq!(fuse(&cnn, &obj, 0.8).unwrap(), vec![0, 1, 2, 2]);
        assert!(fuse(&cnn, &obj[..3], 0.5).is_err());
    }

    #[test]
    fn threshold_is_chosen_where_fusion_beats_both() {
        // CNN right when confident (rows 0, 2), wrong when unsure (rows 1, 3);
        // the object classifier is right on 1 and 3 but wrong on 0 and 2.
        let cnn = probs(&[[0.9, 0.05, 0.05], [0.4, 0.35, 0.25], [0.1, 0.1, 0.8], [0.45, 0.3, 0.25]]);
        let obj = [1, 1, 0, 2];
        let y = [0, 1, 2, 2];
        let t = choose_threshold(&cnn, &obj, &y).unwrap();
        assert_eq!(t.accuracy, 1.0);
        assert_eq!(t.cnn_accuracy, 0.5);
        assert_eq!(t.object_accuracy, 0.5);
        // lowest threshold reaching 100%: just above 0.45, i.e. the next top probability 0.8
        assert_eq!(t.threshold, 0.8);
        assert_eq!(t.cnn_share, 0.5);
        assert_eq!(fuse(&cnn, &obj, t.threshold).unwrap(), y.to_vec());
    }

    #[test]
    fn perfect_cnn_gets_threshold_zero_and_useless_cnn_is_switched_off() {
        let cnn = probs(&[[0.5, 0.3, 0.2], [0.2, 0.6, 0.2]]);
        let t = choose_threshold(&cnn, &[2, 2], &[0, 1]).unwrap();
        assert_eq!((t.threshold, t.accuracy, t.cnn_share), (0.0, 1.0, 1.0));
        let t = choose_threshold(&cnn, &[1, 0], &[1, 0]).unwrap();
        assert!(t.threshold > 1.0);
        assert_eq!((t.accuracy, t.cnn_share), (1.0, 0.0));
        assert!(choose_threshold(&cnn, &[1, 0], &[1]).is_err());
    }
}
