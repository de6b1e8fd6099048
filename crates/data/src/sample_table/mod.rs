//! Sample tables: labelled time series as CSV / TSV, the way users bring them from Earth
//! Engine, openEO or sits exports: one row a sample, a label column, optional id / x / y /
//! field id columns, and one column per date (or per date and band).
//!
//! Every error names the file, and the row (line number) and column where there is one:
//! ragged rows, non-numeric cells, missing values (rejected, or filled by linear
//! interpolation in time), a label of a test table unseen in training.
//!
//! ```
//! use terradl_data::sample_table::{read_sample_table, TableLayout, TimeAxis};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("train.csv");
//! std::fs::write(&path, "id,label,2018-04-29,2018-05-13\na,corn,0.21,0.35\nb,wheat,0.50,0.61\n").unwrap();
//! let layout = TableLayout { id: Some(terradl_data::sample_table::ColumnRef::Name("id".into())), ..TableLayout::default() };
//! let table = read_sample_table(&path, &layout, &TimeAxis::FromHeader, &["ndvi".into()], None).unwrap();
//! assert_eq!(table.series.class_names, ["corn", "wheat"]);
//! assert_eq!(table.time_labels, ["2018-04-29", "2018-05-13"]);
//! assert_eq!(table.series.get(1, 1, 0), 0.61);
//! ```

mod error;
mod header;
mod layout;
mod read;

pub use error::TableError;
pub use layout::{ColumnRef, MissingValues, TableLayout};
pub use read::{class_table, read_sample_table, SampleTable, TimeAxis};

#[cfg(test)]
mod tests;
