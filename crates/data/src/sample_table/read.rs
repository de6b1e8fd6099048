//! Reading a CSV / TSV sample table into labelled series.

use super::error::TableError;
use super::header::date_band;
use super::layout::{ColumnRef, MissingValues, TableLayout};
use crate::gap_fill::fill_gaps;
use crate::time_series::{Date, TimeSeriesDataset};
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// The time axis of a table's value columns.
#[derive(Debug, Clone, PartialEq)]
pub enum TimeAxis {
    /// Known acquisition dates, strictly increasing.
    Dates(Vec<Date>),
    /// `n` evenly spaced steps of unknown dates (as in the UCR archive); labelled `t01`, `t02`, ...
    Steps(usize),
    /// The dates are read from the header's value-column names (`<date>_<band>`).
    FromHeader,
}

/// A sample table read as labelled series.
#[derive(Debug, Clone)]
pub struct SampleTable {
    /// The labelled series (samples x dates x bands); missing values filled when the layout says so.
    pub series: TimeSeriesDataset,
    /// Name of each time step: the date (`2018-04-29`) or `t01`, `t02`, ... for [`TimeAxis::Steps`].
    pub time_labels: Vec<String>,
    /// Line number of each sample in the file (1-based).
    pub rows: Vec<u64>,
    /// Sample ids from the id column, when the layout names one.
    pub ids: Option<Vec<String>>,
    /// Field ids from the field column, when the layout names one.
    pub fields: Option<Vec<String>>,
    /// `[x, y]` of each sample, when the layout names both columns.
    pub coordinates: Option<Vec<[f64; 2]>>,
    /// Missing values filled by interpolation in time.
    pub filled: usize,
}

/// Classes of a training table: the distinct labels, in numeric order when every label is a
/// number (`"2" < "10"`), else in text order.
pub fn class_table(labels: &[String]) -> Vec<String> {
    let distinct: BTreeSet<&String> = labels.iter().collect();
    let mut classes: Vec<String> = distinct.into_iter().cloned().collect();
    if classes.iter().all(|c| c.parse::<f64>().is_ok()) {
        classes.sort_by(|a, b| a.parse::<f64>().unwrap_or(0.0).total_cmp(&b.parse::<f64>().unwrap_or(0.0)));
    }
    classes
}

fn is_missing(cell: &str) -> bool {
    cell.is_empty() || ["nan", "na", "null", "none"].iter().any(|m| cell.eq_ignore_ascii_case(m))
}

/// Resolved column positions.
struct Columns {
    names: Vec<String>,
    label: usize,
    id: Option<usize>,
    x: Option<usize>,
    y: Option<usize>,
    field: Option<usize>,
    /// Value columns in series order (date-major).
    values: Vec<usize>,
}

fn resolve(path: &Path, header: Option<&[String]>, n_cols: usize, c: &ColumnRef) -> Result<usize, TableError> {
    let available = || match header {
        Some(h) => format!("columns: {}", h.join(", ")),
        None => format!("{n_cols} columns, no header: refer to columns by 0-based position"),
    };
    let found = match (c, header) {
        (ColumnRef::Index(i), _) => (*i < n_cols).then_some(*i),
        (ColumnRef::Name(n), Some(h)) => h.iter().position(|x| x == n).or_else(|| h.iter().position(|x| x.eq_ignore_ascii_case(n))),
        (ColumnRef::Name(_), None) => None,
    };
    found.ok_or_else(|| TableError::NoColumn { path: path.to_path_buf(), column: c.to_string(), available: available() })
}

/// The value columns in date-major order, and the dates.
fn order_values(
    path: &Path,
    names: &[String],
    candidates: &[usize],
    header: bool,
    axis: &TimeAxis,
    band_names: &[String],
) -> Result<(Vec<usize>, Vec<Date>, Vec<String>), TableError> {
    let nb = band_names.len();
    let parsed: Option<Vec<(Date, Option<String>)>> =
        if header { candidates.iter().map(|&c| date_band(&names[c])).collect() } else { None };
    let shape = |dates: usize, hint: &str| TableError::Shape {
        path: path.to_path_buf(),
        found: candidates.len(),
        dates,
        bands: nb,
        expected: dates * nb,
        hint: hint.to_string(),
    };
    let hint = if header { format!("; value columns: {}", candidates.iter().map(|&c| names[c].as_str()).collect::<Vec<_>>().join(", ")) } else { String::new() };
    let (dates, labels) = match axis {
        TimeAxis::Dates(d) => (d.clone(), d.iter().map(Date::to_string).collect::<Vec<_>>()),
        TimeAxis::Steps(n) => {
            let dates = (0..*n).map(|t| Date::from_days_since_epoch(t as i64)).collect();
            (dates, (1..=*n).map(|t| format!("t{t:02}")).collect())
        }
        TimeAxis::FromHeader => {
            let p = parsed.as_ref().ok_or_else(|| TableError::Invalid {
                path: path.to_path_buf(),
                message: "the pipeline gives no dates and the value columns are not named <date>_<band>: give `dates` or `steps`".into(),
            })?;
            let d: Vec<Date> = p.iter().map(|(d, _)| *d).collect::<BTreeSet<_>>().into_iter().collect();
            let labels = d.iter().map(Date::to_string).collect();
            (d, labels)
        }
    };
    let nt = dates.len();
    if nt == 0 {
        return Err(TableError::Invalid { path: path.to_path_buf(), message: "no dates".into() });
    }
    if candidates.len() != nt * nb {
        return Err(shape(nt, &hint));
    }
    let Some(parsed) = parsed.filter(|_| !matches!(axis, TimeAxis::Steps(_))) else {
        return Ok((candidates.to_vec(), dates, labels));
    };
    // Named columns: place each by its (date, band).
    let mut slots: Vec<Option<usize>> = vec![None; nt * nb];
    for (&c, (date, band)) in candidates.iter().zip(parsed) {
        let bad = |why: String| TableError::Invalid { path: path.to_path_buf(), message: format!("value column {:?}: {why}", names[c]) };
        let t = dates.binary_search(&date).map_err(|_| bad(format!("date {date} is not one of the pipeline's dates")))?;
        let b = match band {
            Some(b) => band_names
                .iter()
                .position(|x| x.eq_ignore_ascii_case(&b))
                .ok_or_else(|| bad(format!("band {b:?} is not one of band_names ({})", band_names.join(", "))))?,
            None if nb == 1 => 0,
            None => return Err(bad(format!("names a date but no band, and there are {nb} bands"))),
        };
        if slots[t * nb + b].replace(c).is_some() {
            return Err(bad(format!("a second column for date {date}, band {}", band_names[b])));
        }
    }
    Ok((slots.into_iter().map(|s| s.expect("nt * nb columns fill nt * nb distinct slots")).collect(), dates, labels))
}

/// Read `path` as labelled series of `band_names` on `axis`.
///
/// `classes` is the class table of the training samples when reading a test table (a label
/// not in it is an error); `None` builds the table from the labels ([`class_table`]).
pub fn read_sample_table(
    path: &Path,
    layout: &TableLayout,
    axis: &TimeAxis,
    band_names: &[String],
    classes: Option<&[String]>,
) -> Result<SampleTable, TableError> {
    let p = || path.to_path_buf();
    if band_names.is_empty() {
        return Err(TableError::Invalid { path: p(), message: "band_names is empty".into() });
    }
    let file = std::fs::File::open(path).map_err(|source| TableError::Io { path: p(), source })?;
    let delimiter = layout.delimiter_for(path);
    let delimiter = u8::try_from(delimiter).map_err(|_| TableError::Invalid { path: p(), message: format!("delimiter {delimiter:?} is not one byte") })?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(None)
        .from_reader(std::io::BufReader::new(file));
    let mut records = reader.records();
    let csv_err = |source| TableError::Csv { path: p(), source };
    let header: Option<Vec<String>> = if layout.header {
        match records.next() {
            Some(r) => Some(r.map_err(csv_err)?.iter().map(str::to_string).collect()),
            None => return Err(TableError::Invalid { path: p(), message: "the file is empty".into() }),
        }
    } else {
        None
    };
    let mut first = None;
    if header.is_none() {
        first = records.next().transpose().map_err(csv_err)?;
    }
    let n_cols = header.as_ref().map(Vec::len).or(first.as_ref().map(csv::StringRecord::len)).unwrap_or(0);
    let names: Vec<String> = header.clone().unwrap_or_else(|| (0..n_cols).map(|i| format!("#{i}")).collect());
    let h = header.as_deref();
    let opt = |c: &Option<ColumnRef>| c.as_ref().map(|c| resolve(path, h, n_cols, c)).transpose();
    let label = resolve(path, h, n_cols, &layout.label_column())?;
    let (id, x, y, field) = (opt(&layout.id)?, opt(&layout.x)?, opt(&layout.y)?, opt(&layout.field)?);
    let mut special: Vec<usize> = [Some(label), id, x, y, field].into_iter().flatten().collect();
    for c in &layout.ignore {
        special.push(resolve(path, h, n_cols, c)?);
    }
    let candidates: Vec<usize> = (0..n_cols).filter(|c| !special.contains(c)).collect();
    let (values, dates, time_labels) = order_values(path, &names, &candidates, layout.header, axis, band_names)?;
    let cols = Columns { names, label, id, x, y, field, values };

    let known: Option<HashMap<&str, u32>> = classes.map(|cs| cs.iter().enumerate().map(|(i, c)| (c.as_str(), i as u32)).collect());
    let mut labels = Vec::new();
    let mut label_ids = Vec::new();
    let mut rows = Vec::new();
    let mut data = Vec::new();
    let mut ids = cols.id.map(|_| Vec::new());
    let mut fields = cols.field.map(|_| Vec::new());
    let mut coordinates = cols.x.zip(cols.y).map(|_| Vec::new());
    let mut missing = 0usize;
    for record in first.map(Ok).into_iter().chain(records) {
        let record = record.map_err(csv_err)?;
        let row = record.position().map_or(0, csv::Position::line);
        if record.len() == 1 && record[0].is_empty() {
            continue; // a blank line
        }
        if record.len() != n_cols {
            return Err(TableError::Ragged { path: p(), row, found: record.len(), expected: n_cols });
        }
        let label_text = &record[cols.label];
        if label_text.is_empty() {
            return Err(TableError::Empty { path: p(), row, column: cols.names[cols.label].clone(), what: "label" });
        }
        if let Some(k) = &known {
            let c = k.get(label_text).ok_or_else(|| TableError::UnseenLabel {
                path: p(),
                row,
                column: cols.names[cols.label].clone(),
                label: label_text.to_string(),
                known: classes.unwrap_or_default().join(", "),
            })?;
            label_ids.push(*c);
        } else {
            labels.push(label_text.to_string());
        }
        for &c in &cols.values {
            let cell = &record[c];
            let v = if is_missing(cell) {
                f32::NAN
            } else {
                cell.parse::<f32>().map_err(|_| TableError::NotNumeric {
                    path: p(),
                    row,
                    column: cols.names[c].clone(),
                    value: cell.to_string(),
                })?
            };
            if !v.is_finite() {
                if layout.missing == MissingValues::Reject {
                    return Err(TableError::Missing { path: p(), row, column: cols.names[c].clone() });
                }
                missing += 1;
            }
            data.push(if v.is_finite() { v } else { f32::NAN });
        }
        if let (Some(ids), Some(c)) = (ids.as_mut(), cols.id) {
            ids.push(record[c].to_string());
        }
        if let (Some(fields), Some(c)) = (fields.as_mut(), cols.field) {
            if record[c].is_empty() {
                return Err(TableError::Empty { path: p(), row, column: cols.names[c].clone(), what: "field id" });
            }
            fields.push(record[c].to_string());
        }
        if let (Some(xy), Some((cx, cy))) = (coordinates.as_mut(), cols.x.zip(cols.y)) {
            let coord = |c: usize, what: &'static str| -> Result<f64, TableError> {
                let cell = &record[c];
                if cell.is_empty() {
                    return Err(TableError::Empty { path: p(), row, column: cols.names[c].clone(), what });
                }
                cell.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| TableError::NotNumeric {
                    path: p(),
                    row,
                    column: cols.names[c].clone(),
                    value: cell.to_string(),
                })
            };
            xy.push([coord(cx, "x")?, coord(cy, "y")?]);
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(TableError::Invalid { path: p(), message: "the table has no samples".into() });
    }
    let class_names: Vec<String> = match classes {
        Some(cs) => cs.to_vec(),
        None => class_table(&labels),
    };
    let y: Vec<u32> = match known {
        Some(_) => label_ids,
        None => {
            let index: HashMap<&str, u32> = class_names.iter().enumerate().map(|(i, c)| (c.as_str(), i as u32)).collect();
            labels.iter().map(|l| index[l.as_str()]).collect()
        }
    };
    let n_samples = rows.len();
    let mut series = TimeSeriesDataset {
        x: data,
        n_samples,
        n_dates: dates.len(),
        n_bands: band_names.len(),
        band_names: band_names.to_vec(),
        dates,
        y,
        class_names,
        pixel: Vec::new(),
    };
    if missing > 0 {
        let report = fill_gaps(&mut series);
        if report.all_missing > 0 {
            let (nt, nb) = (series.n_dates, series.n_bands);
            for s in 0..n_samples {
                for b in 0..nb {
                    if (0..nt).all(|t| series.get(s, t, b).is_nan()) {
                        return Err(TableError::AllMissing { path: p(), row: rows[s], band: band_names[b].clone() });
                    }
                }
            }
        }
    }
    Ok(SampleTable { series, time_labels, rows, ids, fields, coordinates, filled: missing })
}
