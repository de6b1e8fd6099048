//! Segmentation invariants and quality on a real NEON 10 cm RGB tile
//! (deepforest's OSBS_029.png, 400 x 400). Skipped with a message when the
//! sample data has not been fetched (`terradl fetch-data`).

mod common;

use common::png_tile::{deepforest_file, load_png, Tile};
use terradl_segment::{felzenszwalb, slic, FelzenszwalbConfig, ImageView, Segmentation, SlicConfig, SlicGrid};

fn osbs() -> Option<Tile> {
    let Some(path) = deepforest_file("OSBS_029.png") else {
        eprintln!("SKIPPED: OSBS_029.png not fetched (run `terradl fetch-data`)");
        return None;
    };
    let tile = load_png(&path).expect("decode OSBS_029.png");
    assert_eq!((tile.bands, tile.rows, tile.cols), (3, 400, 400));
    Some(tile)
}

/// Mean over pixels and bands of the squared deviation from the object mean.
fn within_object_variance(labels: &[u32], n_objects: usize, tile: &Tile) -> f64 {
    let n = tile.rows * tile.cols;
    let mut total = 0.0;
    for b in 0..tile.bands {
        let band = &tile.data[b * n..(b + 1) * n];
        let (mut sum, mut sum2, mut count) = (vec![0f64; n_objects], vec![0f64; n_objects], vec![0f64; n_objects]);
        for (p, &l) in labels.iter().enumerate() {
            let v = band[p] as f64;
            sum[l as usize] += v;
            sum2[l as usize] += v * v;
            count[l as usize] += 1.0;
        }
        total += (0..n_objects).map(|i| sum2[i] - sum[i] * sum[i] / count[i]).sum::<f64>();
    }
    total / (n * tile.bands) as f64
}

/// A square-grid partition with about `n_objects` cells.
fn grid_partition(rows: usize, cols: usize, n_objects: usize) -> (Vec<u32>, usize) {
    let cell = (((rows * cols) as f64 / n_objects as f64).sqrt().round() as usize).max(1);
    let per_row = cols.div_ceil(cell);
    let labels: Vec<u32> = (0..rows * cols).map(|p| ((p / cols / cell) * per_row + (p % cols) / cell) as u32).collect();
    (labels, rows.div_ceil(cell) * per_row)
}

fn check_against_grid(seg: &Segmentation, tile: &Tile, what: &str) {
    seg.check_invariants().unwrap();
    assert_eq!(seg.labels.len(), tile.rows * tile.cols);
    assert!(seg.nodata_objects.iter().all(|&f| !f), "the tile has no nodata");
    let ours = within_object_variance(&seg.labels, seg.n_objects, tile);
    let (grid, n_grid) = grid_partition(tile.rows, tile.cols, seg.n_objects);
    let baseline = within_object_variance(&grid, n_grid, tile);
    eprintln!("{what}: {} objects ({n_grid} grid cells), within-object variance {ours:.1} vs grid {baseline:.1}", seg.n_objects);
    assert!(ours < 0.85 * baseline, "{what}: {ours} not clearly below grid {baseline}");
}

#[test]
fn felzenszwalb_on_osbs_029() {
    let Some(tile) = osbs() else { return };
    let img = ImageView::new(&tile.data, tile.bands, tile.rows, tile.cols).unwrap();
    let seg = felzenszwalb(&img, &FelzenszwalbConfig { scale: 100.0, sigma: 0.8, min_size: 50 }).unwrap();
    // 160 000 pixels with min_size 50: at most 3200 objects; a forest tile has many.
    assert!((100..=3200).contains(&seg.n_objects), "{} objects", seg.n_objects);
    assert!(seg.object_sizes().iter().all(|&s| s >= 50), "min_size honoured");
    check_against_grid(&seg, &tile, "felzenszwalb");
}

#[test]
fn slic_on_osbs_029() {
    let Some(tile) = osbs() else { return };
    let img = ImageView::new(&tile.data, tile.bands, tile.rows, tile.cols).unwrap();
    let cfg = SlicConfig { grid: SlicGrid::Segments(400), compactness: 20.0, iterations: 10, sigma: 0.0, min_size_factor: 0.25 };
    let seg = slic(&img, &cfg).unwrap();
    assert!((200..=800).contains(&seg.n_objects), "{} objects for 400 requested", seg.n_objects);
    check_against_grid(&seg, &tile, "slic");
}
