pub(crate) mod png_tile;
