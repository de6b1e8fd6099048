//! Object-detection metrics for tree crowns and other plants.
//!
//! Boxes are [`terradl_geo::BBox`]es in pixel (or map) coordinates, predictions
//! [`terradl_geo::Scored`] boxes; both sides of a match share one space. Matching
//! follows DeepForest / NeonTreeEvaluation practice in its greedy form:
//! within an image, predictions are visited by descending score and each is
//! matched to the *unmatched* ground-truth box with the highest IoU, provided
//! that IoU reaches the threshold; otherwise it is a false positive.
//! Ground truth left unmatched are false negatives.
//!
//! ```
//! use terradl_assess::detection::{DetectionImage, evaluate};
//! use terradl_geo::{PixelBox, Scored};
//! let img = DetectionImage {
//!     predictions: vec![Scored::new(PixelBox::new(0.0, 0.0, 10.0, 10.0), 0.9)],
//!     truths: vec![PixelBox::new(0.0, 0.0, 10.0, 10.0), PixelBox::new(50.0, 50.0, 60.0, 60.0)],
//! };
//! let m = evaluate(&[img], 0.5);
//! assert_eq!((m.true_positives, m.false_positives, m.false_negatives), (1, 0, 1));
//! assert_eq!(m.recall, Some(0.5));
//! ```

mod average_precision;
mod matching;

pub use average_precision::{average_precision, mean_average_precision};
pub use matching::{CountError, DetectionImage, DetectionMetrics, ImageMatch, evaluate, match_greedy};
