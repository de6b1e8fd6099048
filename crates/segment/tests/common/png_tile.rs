//! Load the real deepforest PNG tiles as band-sequential f32 images.

use std::path::PathBuf;

/// A decoded 8-bit image, band-sequential.
pub(crate) struct Tile {
    pub data: Vec<f32>,
    pub bands: usize,
    pub rows: usize,
    pub cols: usize,
}

/// Path of a cached deepforest sample file (see `terradl_samples::cache_dir`),
/// or `None` when it has not been fetched.
pub(crate) fn deepforest_file(name: &str) -> Option<PathBuf> {
    terradl_samples::sample_path("deepforest", name).ok()
}

/// Decode an 8-bit RGB/RGBA/grey PNG; alpha is dropped.
pub(crate) fn load_png(path: &std::path::Path) -> Result<Tile, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let size = reader.output_buffer_size().ok_or("PNG too large")?;
    let mut buf = vec![0u8; size];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let channels = info.color_type.samples();
    let bands = match channels {
        4 => 3,
        2 => 1,
        c => c,
    };
    let (rows, cols) = (info.height as usize, info.width as usize);
    let n = rows * cols;
    let mut data = vec![0f32; bands * n];
    for p in 0..n {
        for b in 0..bands {
            data[b * n + p] = buf[p * channels + b] as f32;
        }
    }
    Ok(Tile { data, bands, rows, cols })
}
