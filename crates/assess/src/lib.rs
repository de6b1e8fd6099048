//! Accuracy assessment for terradl maps and detections.
//!
//! - [`ConfusionMatrix`]: confusion matrix (rows = reference, columns = map), OA,
//!   Cohen's kappa, producer's/user's accuracy, F1.
//! - [`AreaAdjusted`]: Olofsson et al. (2014) stratified area and accuracy estimates
//!   with standard errors and 95% confidence intervals.
//! - [`detection`]: boxes, IoU, greedy matching, precision/recall/F1, AP/mAP,
//!   count error.
//! - [`calibration`]: expected calibration error, reliability curve,
//!   temperature scaling.
//! - [`MapAssessment`]: everything `terradl assess` reports, with CSV tables.
//! - [`split_by_outcome`]: uncertainty of wrong vs correct samples (means, AUROC).
//!
//! ```
//! use terradl_assess::ConfusionMatrix;
//! let cm = ConfusionMatrix::from_labels(&[0, 0, 1, 1], &[0, 1, 1, 1], 2, None).unwrap();
//! assert_eq!(cm.overall_accuracy(), Some(0.75));
//! ```

mod area;
pub mod calibration;
mod confusion;
pub mod detection;
mod error;
mod map_assessment;
mod uncertainty_error;

pub use area::{AreaAdjusted, ClassAreaEstimate, Estimate};
pub use confusion::{AccuracySummary, ConfusionMatrix};
pub use error::{AssessError, Result};
pub use map_assessment::{CalibrationSummary, ClassRow, MapAssessment, MapAssessmentInput};
pub use uncertainty_error::{OutcomeSplit, auroc, split_by_outcome};
