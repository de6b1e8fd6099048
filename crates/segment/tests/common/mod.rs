pub mod png_tile;
