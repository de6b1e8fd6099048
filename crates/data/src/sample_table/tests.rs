//! Sample-table parsing and every bad-table error, on small written tables.

use super::*;
use crate::time_series::Date;
use std::path::PathBuf;

fn write(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn ndvi() -> Vec<String> {
    vec!["ndvi".into()]
}

fn read(name: &str, text: &str, layout: &TableLayout, axis: &TimeAxis, bands: &[String], classes: Option<&[String]>) -> Result<SampleTable, TableError> {
    let (_dir, path) = write(name, text);
    read_sample_table(&path, layout, axis, bands, classes)
}

fn err(name: &str, text: &str, layout: &TableLayout, axis: &TimeAxis) -> String {
    let e = read(name, text, layout, axis, &ndvi(), None).unwrap_err();
    format!("{e}")
}

#[test]
fn headerless_ucr_rows_are_label_then_steps() {
    let t = read("c.tsv", "2\t0.1\t0.2\t0.3\n10\t0.4\t0.5\t0.6\n2\t0.7\t0.8\t0.9\n", &TableLayout::ucr(), &TimeAxis::Steps(3), &ndvi(), None).unwrap();
    assert_eq!(t.series.class_names, ["2", "10"], "numeric labels sort as numbers");
    assert_eq!(t.series.y, [0, 1, 0]);
    assert_eq!((t.series.n_samples, t.series.n_dates, t.series.n_bands), (3, 3, 1));
    assert_eq!(t.series.get(1, 2, 0), 0.6);
    assert_eq!(t.time_labels, ["t01", "t02", "t03"]);
    assert_eq!(t.rows, [1, 2, 3]);
    assert!(t.ids.is_none() && t.fields.is_none() && t.coordinates.is_none());
}

#[test]
fn named_columns_are_put_in_date_order_whatever_the_file_order() {
    // band-major export order (Earth Engine toBands() style names), plus id/x/y/field
    let text = "system:index,crop,B4_20180513,B4_20180429,B8_20180429,B8_20180513,lon,lat,parcel\n\
                p1,corn,40,30,300,400,1.5,43.2,f1\n\
                p2,soy,41,31,301,401,1.6,43.3,f2\n";
    let layout: TableLayout =
        toml::from_str("label = \"crop\"\nid = \"system:index\"\nx = \"lon\"\ny = \"lat\"\nfield = \"parcel\"").unwrap();
    let bands = vec!["B4".to_string(), "B8".to_string()];
    let t = read("s.csv", text, &layout, &TimeAxis::FromHeader, &bands, None).unwrap();
    assert_eq!(t.time_labels, ["2018-04-29", "2018-05-13"]);
    // sample 0: date 0 = (B4 30, B8 300), date 1 = (B4 40, B8 400)
    assert_eq!(t.series.series(0), [30.0, 300.0, 40.0, 400.0]);
    assert_eq!(t.ids.unwrap(), ["p1", "p2"]);
    assert_eq!(t.fields.unwrap(), ["f1", "f2"]);
    assert_eq!(t.coordinates.unwrap()[1], [1.6, 43.3]);
    // the same dates given by the pipeline also reorder
    let dates = vec![Date::parse("2018-04-29").unwrap(), Date::parse("2018-05-13").unwrap()];
    let t2 = read("s.csv", text, &layout, &TimeAxis::Dates(dates), &bands, None).unwrap();
    assert_eq!(t2.series.x, [30.0, 300.0, 40.0, 400.0, 31.0, 301.0, 41.0, 401.0]);
}

#[test]
fn test_tables_use_the_training_class_table() {
    let classes = vec!["corn".to_string(), "soy".to_string()];
    let t = read("t.csv", "label,a,b\nsoy,1,2\n", &TableLayout::default(), &TimeAxis::Steps(2), &ndvi(), Some(&classes)).unwrap();
    assert_eq!(t.series.y, [1]);
    assert_eq!(t.series.class_names, classes);
    let e = read("t.csv", "label,a,b\nsoy,1,2\nrice,3,4\n", &TableLayout::default(), &TimeAxis::Steps(2), &ndvi(), Some(&classes))
        .unwrap_err()
        .to_string();
    assert!(e.contains("t.csv, row 3, column label: label \"rice\" does not occur in the training samples (classes: corn, soy)"), "{e}");
}

#[test]
fn missing_values_are_rejected_or_interpolated_in_time() {
    let text = "label,d1,d2,d3\na,1,,3\nb,4,5,6\n";
    let e = err("m.csv", text, &TableLayout::default(), &TimeAxis::Steps(3));
    assert!(e.contains("m.csv, row 2, column d2: missing value"), "{e}");
    let fill = TableLayout { missing: MissingValues::Interpolate, ..TableLayout::default() };
    let t = read("m.csv", "label,d1,d2,d3\na,1,NaN,3\nb,4,5,NA\n", &fill, &TimeAxis::Steps(3), &ndvi(), None).unwrap();
    assert_eq!(t.series.series(0), [1.0, 2.0, 3.0]);
    assert_eq!(t.series.series(1), [4.0, 5.0, 5.0]);
    assert_eq!(t.filled, 2);
    let e = read("m.csv", "label,d1,d2\na,1,2\nb,,nan\n", &fill, &TimeAxis::Steps(2), &ndvi(), None).unwrap_err().to_string();
    assert!(e.contains("m.csv, row 3: band \"ndvi\" has no value on any date"), "{e}");
}

#[test]
fn bad_tables_name_file_row_and_column() {
    let d = TableLayout::default();
    let steps = TimeAxis::Steps(2);
    let e = err("r.csv", "label,a,b\nx,1,2\ny,1\n", &d, &steps);
    assert!(e.contains("r.csv, row 3: 2 columns, but the table has 3"), "{e}");
    let e = err("n.csv", "label,a,b\nx,1,2\ny,1,high\n", &d, &steps);
    assert!(e.contains("n.csv, row 3, column b: \"high\" is not a number"), "{e}");
    let e = err("h.tsv", "1\t0.5\tzero\n", &TableLayout::ucr(), &steps);
    assert!(e.contains("h.tsv, row 1, column #2: \"zero\" is not a number"), "{e}");
    let e = err("l.csv", "crop,a,b\nx,1,2\n", &d, &steps);
    assert!(e.contains("no column \"label\" (columns: crop, a, b)"), "{e}");
    let e = err("e.csv", "label,a,b\n,1,2\n", &d, &steps);
    assert!(e.contains("e.csv, row 2, column label: empty label"), "{e}");
    let e = err("s.csv", "label,a,b,c\nx,1,2,3\n", &d, &steps);
    assert!(e.contains("3 value columns, but 2 dates x 1 bands need 2; value columns: a, b, c"), "{e}");
    let e = err("z.csv", "label,a,b\n", &d, &steps);
    assert!(e.contains("no samples"), "{e}");
    let e = err("f.csv", "label,t1,t2\nx,1,2\n", &d, &TimeAxis::FromHeader);
    assert!(e.contains("give `dates` or `steps`"), "{e}");
    let e = err("q.csv", "label,a,b\nx,\"1,2\n", &d, &steps);
    assert!(e.contains("q.csv"), "{e}");
    let e = read("b.csv", "label,20180429_B4,20180429_B5\nx,1,2\n", &d, &TimeAxis::FromHeader, &["B4".into(), "B8".into()], None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("value column \"20180429_B5\": band \"B5\" is not one of band_names (B4, B8)"), "{e}");
    let missing = std::path::Path::new("/nonexistent/terradl/table.csv");
    let e = read_sample_table(missing, &d, &steps, &ndvi(), None).unwrap_err();
    assert!(e.to_string().contains("cannot read sample table /nonexistent/terradl/table.csv"));
    assert!(std::error::Error::source(&e).is_some(), "the io cause is kept");
}
