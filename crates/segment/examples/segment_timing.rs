//! Time Felzenszwalb and SLIC on the real 400 x 400 OSBS_029 tile:
//! `cargo run --release -p terradl-segment --example segment_timing`.

#[path = "../tests/common/png_tile.rs"]
mod png_tile;

use std::time::Instant;
use terradl_segment::{felzenszwalb, slic, FelzenszwalbConfig, ImageView, SlicConfig, SlicGrid};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = png_tile::deepforest_file("OSBS_029.png").ok_or("OSBS_029.png not fetched: run `terradl fetch-data`")?;
    let tile = png_tile::load_png(&path)?;
    let img = ImageView::new(&tile.data, tile.bands, tile.rows, tile.cols)?;
    let repeats = 5;
    for scale in [100.0, 300.0, 1000.0] {
        let cfg = FelzenszwalbConfig { scale, sigma: 0.8, min_size: 50 };
        let start = Instant::now();
        let mut seg = felzenszwalb(&img, &cfg)?;
        for _ in 1..repeats {
            seg = felzenszwalb(&img, &cfg)?;
        }
        let ms = start.elapsed().as_secs_f64() * 1000.0 / repeats as f64;
        let mut sizes = seg.object_sizes();
        sizes.sort_unstable();
        println!(
            "felzenszwalb scale {scale}: {:.1} ms per {}x{} tile, {} objects, largest {:?}",
            ms,
            tile.rows,
            tile.cols,
            seg.n_objects,
            &sizes[sizes.len().saturating_sub(3)..]
        );
    }
    let cfg = SlicConfig { grid: SlicGrid::Segments(400), ..Default::default() };
    let start = Instant::now();
    let mut seg = slic(&img, &cfg)?;
    for _ in 1..repeats {
        seg = slic(&img, &cfg)?;
    }
    let ms = start.elapsed().as_secs_f64() * 1000.0 / repeats as f64;
    println!("slic 400 segments, 10 iterations: {ms:.1} ms, {} objects", seg.n_objects);
    Ok(())
}
