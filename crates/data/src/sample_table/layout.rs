//! How a sample table is laid out: which column holds the label, the ids, the coordinates and
//! the field, and how missing values are treated.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// A column, by header name or by 0-based position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ColumnRef {
    /// 0-based position in the row.
    Index(usize),
    /// Header name (needs `header = true`).
    Name(String),
}

impl std::fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ColumnRef::Index(i) => write!(f, "#{i}"),
            ColumnRef::Name(n) => write!(f, "{n:?}"),
        }
    }
}

/// What to do with a missing value (empty cell, `NaN`, `NA`) in a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingValues {
    /// A missing value is an error naming the file, row and column.
    #[default]
    Reject,
    /// Missing values are filled by linear interpolation in time (the pipeline's gap rule);
    /// a band with no value on any date is still an error.
    Interpolate,
}

/// The columns of a sample table: one row a sample, the label, optional id / x / y / field
/// id, and every other column a value of the series.
///
/// The value columns are taken in file order as date-major (`date0_band0, date0_band1, ...,
/// date1_band0, ...`), unless the header names them `<date>_<band>` (or `<band>_<date>`, or a
/// bare date for one band), in which case they are put in date order whatever their order in
/// the file.
///
/// ```toml
/// [table]
/// header = true          # false for headerless files such as the UCR archive's TSV
/// label = "crop"         # or a 0-based position: label = 0
/// field = "parcel_id"    # optional; the split keeps a field's samples on one side
/// x = "lon"              # optional coordinates, kept with the samples
/// y = "lat"
/// ignore = ["system:index", ".geo"]
/// missing = "interpolate"
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TableLayout {
    /// The first line names the columns.
    pub header: bool,
    /// Field delimiter; by default a tab for `.tsv` / `.tab` / `.txt` files and a comma otherwise.
    pub delimiter: Option<char>,
    /// The label column; by default `"label"` with a header, the first column without.
    pub label: Option<ColumnRef>,
    /// An optional sample id column (used in error messages and outputs).
    pub id: Option<ColumnRef>,
    /// Optional x (easting / longitude) column.
    pub x: Option<ColumnRef>,
    /// Optional y (northing / latitude) column.
    pub y: Option<ColumnRef>,
    /// Optional field (parcel) id column; samples of one field stay on one side of a split.
    pub field: Option<ColumnRef>,
    /// Other non-value columns to skip.
    pub ignore: Vec<ColumnRef>,
    /// Missing-value rule.
    pub missing: MissingValues,
}

impl Default for TableLayout {
    fn default() -> Self {
        TableLayout {
            header: true,
            delimiter: None,
            label: None,
            id: None,
            x: None,
            y: None,
            field: None,
            ignore: Vec::new(),
            missing: MissingValues::Reject,
        }
    }
}

impl TableLayout {
    /// The layout of the UCR time-series archive's files: no header, tab-separated, the label
    /// first and every other column one time step.
    pub fn ucr() -> Self {
        TableLayout { header: false, delimiter: Some('\t'), label: Some(ColumnRef::Index(0)), ..TableLayout::default() }
    }

    /// The delimiter used for `path`.
    pub fn delimiter_for(&self, path: &Path) -> char {
        self.delimiter.unwrap_or_else(|| {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            if matches!(ext.as_str(), "tsv" | "tab" | "txt") { '\t' } else { ',' }
        })
    }

    /// The label column.
    pub fn label_column(&self) -> ColumnRef {
        self.label.clone().unwrap_or(if self.header { ColumnRef::Name("label".into()) } else { ColumnRef::Index(0) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_file() {
        let l = TableLayout::default();
        assert_eq!(l.delimiter_for(Path::new("a.TSV")), '\t');
        assert_eq!(l.delimiter_for(Path::new("a.csv")), ',');
        assert_eq!(l.label_column(), ColumnRef::Name("label".into()));
        assert_eq!(TableLayout::ucr().label_column(), ColumnRef::Index(0));
        let t: TableLayout = toml::from_str("label = 3\nfield = \"parcel\"\nmissing = \"interpolate\"").unwrap();
        assert_eq!(t.label, Some(ColumnRef::Index(3)));
        assert_eq!(t.field, Some(ColumnRef::Name("parcel".into())));
        assert_eq!(t.missing, MissingValues::Interpolate);
        assert!(toml::from_str::<TableLayout>("lable = 3").is_err());
    }
}
