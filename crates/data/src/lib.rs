//! terradl-data: labelled datasets and sample designs.
//!
//! - [`labelled_image::LabelledImage`], [`samples::LabelledSamples`] and
//!   [`time_series::TimeSeriesDataset`]: the typed datasets;
//! - [`sources`]: loaders for the real sample data (docs/DATA.md);
//! - [`active_learning`]: most uncertain, spatially spread locations to label;
//! - [`sampling`]: stratified, per-object and spatially blocked k-fold designs;
//! - [`class_weights`], [`normalize`], [`gap_fill`], [`features`]: training-set
//!   preparation (imbalance weights, mean/std statistics, cloud-gap
//!   interpolation, band values plus spectral indices);
//! - [`field_series`]: dated rasters stacked, per-field mean series and field-level
//!   aggregation of per-pixel probabilities.
pub mod active_learning;
pub mod class_weights;
pub mod detection;
pub mod error;
pub mod features;
pub mod field_series;
pub mod gap_fill;
pub mod labelled_image;
pub mod normalize;
pub mod samples;
pub mod sampling;
pub mod sources;
pub mod time_series;

pub use error::{DataError, Result};
pub use labelled_image::{LabelledImage, UNLABELLED};
pub use samples::LabelledSamples;
pub use time_series::{Date, TimeSeriesDataset};
