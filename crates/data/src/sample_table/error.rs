//! Errors of sample-table reading: each names the file, and the row (line number, 1-based,
//! the header being line 1) and column where it has one.

use std::path::PathBuf;

/// A sample table that cannot be read as labelled series.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file cannot be opened or read.
    #[error("cannot read sample table {path}")]
    Io {
        /// The table.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The CSV reader rejected the bytes (bad quoting, invalid UTF-8, ...).
    #[error("{path}: malformed table")]
    Csv {
        /// The table.
        path: PathBuf,
        /// The cause.
        #[source]
        source: csv::Error,
    },
    /// A row has a different number of cells than the header (or the first row).
    #[error("{path}, row {row}: {found} columns, but the table has {expected}")]
    Ragged {
        /// The table.
        path: PathBuf,
        /// Line number.
        row: u64,
        /// Cells in this row.
        found: usize,
        /// Cells in the header / first row.
        expected: usize,
    },
    /// A value cell is not a number.
    #[error("{path}, row {row}, column {column}: {value:?} is not a number")]
    NotNumeric {
        /// The table.
        path: PathBuf,
        /// Line number.
        row: u64,
        /// Column name (or `#index`).
        column: String,
        /// The cell.
        value: String,
    },
    /// A missing value (empty, NaN, NA) where the layout rejects them.
    #[error(
        "{path}, row {row}, column {column}: missing value; set `missing = \"interpolate\"` in the table layout to fill gaps in time"
    )]
    Missing {
        /// The table.
        path: PathBuf,
        /// Line number.
        row: u64,
        /// Column name (or `#index`).
        column: String,
    },
    /// Interpolation cannot fill a band that has no value on any date.
    #[error("{path}, row {row}: band {band:?} has no value on any date")]
    AllMissing {
        /// The table.
        path: PathBuf,
        /// Line number.
        row: u64,
        /// Band name.
        band: String,
    },
    /// A label of a test table that the training table does not have.
    #[error("{path}, row {row}, column {column}: label {label:?} does not occur in the training samples (classes: {known})")]
    UnseenLabel {
        /// The table.
        path: PathBuf,
        /// Line number.
        row: u64,
        /// Label column.
        column: String,
        /// The label.
        label: String,
        /// The training classes, comma-separated.
        known: String,
    },
    /// An empty label or coordinate cell.
    #[error("{path}, row {row}, column {column}: empty {what}")]
    Empty {
        /// The table.
        path: PathBuf,
        /// Line number.
        row: u64,
        /// Column name (or `#index`).
        column: String,
        /// "label", "x", ...
        what: &'static str,
    },
    /// A column named in the layout is not in the table.
    #[error("{path}: no column {column} ({available})")]
    NoColumn {
        /// The table.
        path: PathBuf,
        /// The layout's reference.
        column: String,
        /// What the table has.
        available: String,
    },
    /// The value columns do not make `dates x bands`.
    #[error("{path}: {found} value columns, but {dates} dates x {bands} bands need {expected}{hint}")]
    Shape {
        /// The table.
        path: PathBuf,
        /// Value columns found.
        found: usize,
        /// Dates expected.
        dates: usize,
        /// Bands per date.
        bands: usize,
        /// `dates * bands`.
        expected: usize,
        /// Extra advice (non-value columns to list in `ignore`, ...).
        hint: String,
    },
    /// Anything else about the table as a whole (no rows, no dates, ...).
    #[error("{path}: {message}")]
    Invalid {
        /// The table.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}
