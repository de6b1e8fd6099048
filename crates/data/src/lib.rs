//! terradl-data: labelled datasets and sample designs.
//!
//! - [`LabelledImage`], [`LabelledSamples`] and [`TimeSeriesDataset`]: the typed datasets;
//! - [`sources`]: loaders for the real sample data (docs/DATA.md);
//! - [`detection`]: box annotations, detection images and chip sampling;
//! - [`select_spread`]: most uncertain, spatially spread locations to label;
//! - [`sample_table`]: labelled series from CSV / TSV sample tables;
//! - [`sampling`]: stratified, per-object and spatially blocked k-fold designs;
//! - [`inverse_frequency`], [`NormStats`], [`fill_gaps`], [`pixel_features`]: training-set
//!   preparation (imbalance weights, mean/std statistics, cloud-gap
//!   interpolation, band values plus spectral indices);
//! - [`stack_dates`], [`field_mean_series`], [`aggregate_probabilities`]: dated rasters
//!   stacked, per-field mean series and field-level aggregation of per-pixel probabilities.
mod active_learning;
mod class_weights;
pub mod detection;
mod error;
mod features;
mod field_series;
mod gap_fill;
mod labelled_image;
mod normalize;
mod samples;
pub mod sample_table;
pub mod sampling;
pub mod sources;
mod time_series;

pub use active_learning::{select_spread, Proposal};
pub use class_weights::inverse_frequency;
pub use error::{DataError, Result};
pub use features::{normalized_difference, pixel_features, NormalizedDifference};
pub use field_series::{aggregate_probabilities, field_index, field_mean_series, mask_outside, stack_dates};
pub use gap_fill::{fill_gaps, interpolate, mask_invalid, GapReport};
pub use labelled_image::{LabelledImage, UNLABELLED};
pub use normalize::NormStats;
pub use samples::LabelledSamples;
pub use time_series::{Date, TimeSeriesDataset};
