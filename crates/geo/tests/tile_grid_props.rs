//! Property tests of `TileGrid`: cores partition the raster, outer windows
//! contain cores and respect the halo, reassembly is exact, shards partition
//! the tiles.

use proptest::prelude::*;
use terradl_geo::TileGrid;
use terradl_geo::{DType, Raster};

fn grid_strategy() -> impl Strategy<Value = TileGrid> {
    (1usize..70, 1usize..70, 1usize..25, 1usize..25, 0usize..12)
        .prop_map(|(cols, rows, tc, tr, halo)| TileGrid::rectangular(cols, rows, tc, tr, halo).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn cores_cover_every_pixel_exactly_once(grid in grid_strategy()) {
        let mut count = vec![0u8; grid.cols * grid.rows];
        for t in grid.tiles() {
            prop_assert!(t.core.cols > 0 && t.core.rows > 0);
            for r in t.core.row..t.core.row + t.core.rows {
                for c in t.core.col..t.core.col + t.core.cols {
                    count[r * grid.cols + c] += 1;
                }
            }
        }
        prop_assert!(count.iter().all(|&n| n == 1));
    }

    #[test]
    fn outer_contains_core_stays_inside_and_respects_halo(grid in grid_strategy()) {
        for t in grid.tiles() {
            let (o, c, h) = (t.outer, t.core, grid.halo);
            prop_assert!(o.fits(grid.cols, grid.rows));
            prop_assert!(o.col <= c.col && o.row <= c.row);
            prop_assert!(o.col + o.cols >= c.col + c.cols && o.row + o.rows >= c.row + c.rows);
            // Margin on each side is the full halo unless the raster edge clips it.
            prop_assert_eq!(c.col - o.col, h.min(c.col));
            prop_assert_eq!(c.row - o.row, h.min(c.row));
            prop_assert_eq!(o.col + o.cols - (c.col + c.cols), h.min(grid.cols - (c.col + c.cols)));
            prop_assert_eq!(o.row + o.rows - (c.row + c.rows), h.min(grid.rows - (c.row + c.rows)));
            // Padding brings the outer window to the full tile size.
            let p = t.padding;
            prop_assert_eq!(p.left + o.cols + p.right, grid.tile_cols + 2 * h);
            prop_assert_eq!(p.top + o.rows + p.bottom, grid.tile_rows + 2 * h);
            let inner = t.core_in_outer();
            prop_assert_eq!((inner.cols, inner.rows), (c.cols, c.rows));
            prop_assert_eq!(grid.tile_containing(c.col, c.row).map(|x| x.index), Some(t.index));
        }
    }

    #[test]
    fn reassembly_from_outer_windows_is_exact(grid in grid_strategy(), bands in 1usize..3, seed in any::<u32>()) {
        let n = bands * grid.rows * grid.cols;
        let data: Vec<f32> = (0..n).map(|i| ((i as u32).wrapping_mul(2_654_435_761) ^ seed) as f32).collect();
        let input = Raster::from_vec(bands, grid.rows, grid.cols, DType::F32, data).unwrap();
        let mut out = Raster::new(bands, grid.rows, grid.cols, DType::F32);
        out.data.fill(f32::NAN);
        for t in grid.tiles() {
            let outer = grid.read_outer(&input, &t).unwrap();
            prop_assert_eq!((outer.cols, outer.rows), (t.outer.cols, t.outer.rows));
            grid.paste_core(&t, &outer, &mut out).unwrap();
            // The extracted core equals the input's core window.
            let core = t.extract_core(&outer.data, bands).unwrap();
            prop_assert_eq!(core, input.window(t.core).unwrap().data);
        }
        prop_assert!(input.data.iter().zip(&out.data).all(|(a, b)| a.to_bits() == b.to_bits()));
    }

    #[test]
    fn shards_partition_the_tiles(grid in grid_strategy(), n in 1usize..9) {
        let mut seen = vec![0u8; grid.len()];
        for i in 0..n {
            let tiles = grid.tiles_for_shard(i, n).unwrap();
            // Deterministic: asking twice gives the same tiles, in increasing order.
            prop_assert_eq!(&tiles, &grid.tiles_for_shard(i, n).unwrap());
            prop_assert!(tiles.windows(2).all(|w| w[0].index < w[1].index));
            for t in tiles {
                prop_assert_eq!(t.index % n, i);
                seen[t.index] += 1;
            }
        }
        prop_assert!(seen.iter().all(|&s| s == 1));
    }
}

#[test]
fn order_is_row_major() {
    let grid = TileGrid::new(9, 5, 4, 2).unwrap();
    let pos: Vec<(usize, usize)> = grid.tiles().map(|t| (t.col, t.row)).collect();
    assert_eq!(pos, vec![(0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1)]);
    assert_eq!(grid.tiles().len(), 6);
    assert!(grid.tile(6).is_none());
}
