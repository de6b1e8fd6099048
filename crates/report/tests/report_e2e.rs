//! End to end: a run directory becomes a self-contained report.html.

mod common;

use terradl_report::html::base64;
use terradl_report::{LoadOptions, REPORT_FILE, decode_png, load_run_dir, load_run_dir_with, write_run_report};

#[test]
fn run_dir_report_embeds_every_figure_and_nothing_external() {
    let dir = tempfile::tempdir().unwrap();
    let expected = common::write_run_dir(dir.path());
    let read = common::reader(common::rasters());
    let opts = LoadOptions { raster_reader: Some(&read), ..Default::default() };
    let data = load_run_dir_with(dir.path(), &opts).unwrap();
    assert_eq!(data.figures.len(), expected, "{:?}", data.figures.iter().map(|f| &f.title).collect::<Vec<_>>());
    let path = write_run_report(dir.path(), &opts).unwrap();
    assert_eq!(path, dir.path().join(REPORT_FILE));
    let html = std::fs::read_to_string(&path).unwrap();

    let payloads = common::data_uri_payloads(&html);
    if let Ok(keep) = std::env::var("TERRADL_REPORT_KEEP") {
        std::fs::create_dir_all(&keep).unwrap();
        for (i, p) in payloads.iter().enumerate() {
            std::fs::write(std::path::Path::new(&keep).join(format!("figure{}.png", i + 1)), base64::decode(p).unwrap()).unwrap();
        }
    }
    assert_eq!(payloads.len(), expected);
    assert_eq!(html.matches("<img ").count(), expected, "every img is a data URI");
    for p in &payloads {
        let img = decode_png(&base64::decode(p).expect("valid base64")).expect("embedded PNG decodes");
        assert!(img.width() >= 32 && img.height() >= 32);
    }
    for t in ["Class map", "Uncertainty map", "Training curves", "Confusion matrix", "Reliability diagram", "F1 per class", "Feature importance per date", "extra plot"] {
        assert!(html.contains(&format!("<figcaption>{t}")), "figure {t} present");
    }
    for bad in ["http://", "https://", "<script", "<link", "src=\"file:", "url("] {
        assert!(!html.contains(bad), "no external reference: found {bad}");
    }
    assert!(html.contains("Crop map — test run"));
    assert!(html.contains("Synthetic crops &lt;test&gt;"));
    assert!(html.contains("87.4% ± 2.1%"));
    assert!(html.contains("<td>Forest</td><td>83%</td><td>90%</td><td>0.860</td><td>110</td><td>1550 ± 85 ha</td>"));
    assert!(html.contains("kind = &quot;tempcnn&quot;"));
    assert!(html.contains("<tr><th>Total</th><th>93.8</th></tr>"));
    // the class-map quick-look carries the class colours
    let map = decode_png(&base64::decode(&payloads[0]).unwrap()).unwrap();
    let forest = terradl_report::Rgba::rgb(20, 110, 40);
    let found = (0..map.height()).any(|y| (0..map.width()).any(|x| map.get(x, y) == Some(forest)));
    assert!(found, "forest colour in class map");
}

#[test]
fn without_reader_maps_become_notes_and_bad_json_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let expected = common::write_run_dir(dir.path());
    let data = load_run_dir(dir.path()).unwrap();
    assert_eq!(data.figures.len(), expected - 3);
    assert!(data.notes.iter().any(|n| n.contains("map.tif not rendered")));

    std::fs::write(dir.path().join("metrics.json"), "{ not json").unwrap();
    let err = load_run_dir(dir.path()).unwrap_err().to_string();
    assert!(err.contains("metrics.json"), "{err}");

    let empty = tempfile::tempdir().unwrap();
    let data = load_run_dir(empty.path()).unwrap();
    assert!(data.figures.is_empty());
    assert!(data.notes.len() >= 3);
    assert!(load_run_dir(&empty.path().join("missing")).is_err());
}
