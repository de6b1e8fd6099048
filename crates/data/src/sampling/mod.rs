//! Sample designs: which labelled pixels/objects train and which test.
//!
//! - [`stratified`]: a seeded random sample of at most *n* (or a fraction)
//!   per class, so rare classes are not swamped.
//! - [`per_object`]: split by labelled object (polygon) so pixels of one
//!   polygon never sit on both sides, and cap pixels per object.
//! - [`blocked_kfold`]: spatially blocked k-fold cross-validation; folds are
//!   assigned per square block of pixels, so no block contributes to both
//!   training and test of a fold (reduces spatial-autocorrelation optimism).
//! - [`stratified_kfold`]: class-stratified k-fold assignment of independent samples.
//!
//! All take a `seed` and are deterministic for a given seed.

mod blocked_kfold;
mod per_object;
mod stratified;
mod stratified_kfold;

pub use blocked_kfold::{BlockedKFold, Fold};
pub use per_object::{object_split, object_split_blocked, sample_per_object, ObjectSplit};
pub use stratified::{stratified_sample, PerClass};
pub use stratified_kfold::stratified_folds;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub(crate) fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}
