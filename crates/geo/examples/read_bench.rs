//! Read throughput of terradl's GeoTIFF reader on one file: single-threaded
//! and with chunks decoded in parallel on the rayon pool (one decoder per
//! thread), into `f32` (`read`) and, for uint16 files, into the file's own type
//! (`read_window_as::<u16>`, as GDAL returns it). Prints one JSON line per mode;
//! MB/s counts uncompressed sample bytes on disk (cols x rows x bands x bytes per
//! sample), MB = 10^6 bytes.
//!
//! `cargo run --release -p terradl-geo --example read_bench -- FILE [REPEATS]`

use std::time::Instant;
use terradl_geo::geotiff::GeoTiffReader;
use terradl_geo::{DType, Window};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: read_bench FILE [REPEATS]")?;
    let repeats: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(3);
    let reader = GeoTiffReader::open(&path)?;
    let info = reader.info().clone();
    let bytes = (info.cols * info.rows * info.bands * info.dtype.size()) as f64;
    for (mode, parallel) in [("single", false), ("parallel", true)] {
        let mut best = f64::INFINITY;
        let mut checksum = 0.0f64;
        for _ in 0..repeats {
            let t = Instant::now();
            let r = if parallel { reader.read_parallel()? } else { reader.read()? };
            best = best.min(t.elapsed().as_secs_f64());
            checksum = r.data.iter().map(|&v| v as f64).sum();
        }
        println!(
            "{{\"reader\": \"terradl-{mode}\", \"threads\": {}, \"seconds\": {best:.4}, \"mb_per_s\": {:.1}, \"sum\": {checksum}}}",
            if parallel { rayon::current_num_threads() } else { 1 },
            bytes / best / 1e6
        );
    }
    if info.dtype == DType::U16 {
        let (all, bands): (Window, Vec<usize>) = (Window::new(0, 0, info.cols, info.rows), (0..info.bands).collect());
        for (mode, parallel) in [("native-single", false), ("native-parallel", true)] {
            let mut best = f64::INFINITY;
            let mut checksum = 0.0f64;
            for _ in 0..repeats {
                let t = Instant::now();
                let v = reader.read_window_as::<u16>(all, &bands, parallel)?;
                best = best.min(t.elapsed().as_secs_f64());
                checksum = v.iter().map(|&v| v as f64).sum();
            }
            println!(
                "{{\"reader\": \"terradl-{mode}\", \"threads\": {}, \"seconds\": {best:.4}, \"mb_per_s\": {:.1}, \"sum\": {checksum}}}",
                if parallel { rayon::current_num_threads() } else { 1 },
                bytes / best / 1e6
            );
        }
    }
    Ok(())
}
