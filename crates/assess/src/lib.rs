//! Accuracy assessment for terradl maps and detections.
//!
//! - [`confusion`]: confusion matrix (rows = reference, columns = map), OA,
//!   Cohen's kappa, producer's/user's accuracy, F1.
//! - [`area`]: Olofsson et al. (2014) stratified area and accuracy estimates
//!   with standard errors and 95% confidence intervals.
//! - [`detection`]: boxes, IoU, greedy matching, precision/recall/F1, AP/mAP,
//!   count error.
//! - [`calibration`]: expected calibration error, reliability curve,
//!   temperature scaling.
//! - [`map_assessment`]: everything `terradl assess` reports, with CSV tables.
//! - [`uncertainty_error`]: uncertainty of wrong vs correct samples (means, AUROC).
//!
//! ```
//! use terradl_assess::ConfusionMatrix;
//! let cm = ConfusionMatrix::from_labels(&[0, 0, 1, 1], &[0, 1, 1, 1], 2, None).unwrap();
//! assert_eq!(cm.overall_accuracy(), Some(0.75));
//! ```

pub mod area;
pub mod calibration;
pub mod confusion;
pub mod detection;
pub mod error;
pub mod map_assessment;
pub mod uncertainty_error;

pub use area::{AreaAdjusted, ClassAreaEstimate, Estimate};
pub use confusion::{AccuracySummary, ConfusionMatrix};
pub use error::{AssessError, Result};
pub use map_assessment::{MapAssessment, MapAssessmentInput};
