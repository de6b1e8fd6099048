//! Object-detection metrics for tree crowns and other plants.
//!
//! Boxes are axis-aligned in continuous pixel (or map) coordinates. Matching
//! follows DeepForest / NeonTreeEvaluation practice in its greedy form:
//! within an image, predictions are visited by descending score and each is
//! matched to the *unmatched* ground-truth box with the highest IoU, provided
//! that IoU reaches the threshold; otherwise it is a false positive.
//! Ground truth left unmatched are false negatives.
//!
//! ```
//! use terradl_assess::detection::{BBox, DetectionImage, ScoredBox, evaluate};
//! let img = DetectionImage {
//!     predictions: vec![ScoredBox::new(BBox::new(0.0, 0.0, 10.0, 10.0), 0.9)],
//!     truths: vec![BBox::new(0.0, 0.0, 10.0, 10.0), BBox::new(50.0, 50.0, 60.0, 60.0)],
//! };
//! let m = evaluate(&[img], 0.5);
//! assert_eq!((m.true_positives, m.false_positives, m.false_negatives), (1, 0, 1));
//! assert_eq!(m.recall, Some(0.5));
//! ```

mod average_precision;
mod bbox;
mod matching;

pub use average_precision::{average_precision, mean_average_precision};
pub use bbox::{BBox, ScoredBox};
pub use matching::{CountError, DetectionImage, DetectionMetrics, ImageMatch, evaluate, match_greedy};
