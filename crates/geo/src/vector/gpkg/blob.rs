//! The GeoPackage geometry blob (GeoPackage 1.x, clause 2.1.3): an 8-byte
//! header (magic `GP`, version, flags, `srs_id`), an optional envelope, then
//! standard WKB, which the `wkb` crate decodes (ISO and EWKB type codes;
//! Z and M are dropped on the way to `geo_types`).

use geo_traits::to_geo::ToGeoGeometry;
use geo_types::Geometry;

/// Why one GeoPackage geometry blob could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum GpkgGeometryError {
    /// Fewer bytes than the fixed 8-byte header.
    #[error("blob of {0} bytes is shorter than the 8-byte GeoPackage geometry header")]
    Short(usize),
    /// The blob does not start with `GP`.
    #[error("bad magic {0:02x?}, expected \"GP\"")]
    Magic([u8; 2]),
    /// The flags name an envelope kind the standard does not define.
    #[error("invalid envelope contents indicator {0} (0 to 4 are defined)")]
    EnvelopeCode(u8),
    /// The blob ends inside its envelope.
    #[error("blob of {len} bytes ends inside its {envelope}-byte envelope")]
    ShortEnvelope {
        /// Blob length in bytes.
        len: usize,
        /// Envelope length the flags announce.
        envelope: usize,
    },
    /// The `ExtendedGeoPackageBinary` flag: the body is not standard WKB.
    #[error("extended GeoPackage geometry (a non-standard WKB body) is not supported")]
    Extended,
    /// The WKB body is malformed or truncated.
    #[error("invalid WKB body")]
    Wkb(#[source] wkb::error::WkbError),
}

/// The decoded header of a GeoPackage geometry blob.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BlobHeader {
    /// Format version (0 means version 1 of the binary format).
    pub(crate) version: u8,
    /// Whether the geometry is flagged empty.
    pub(crate) empty: bool,
    /// The geometry's `srs_id` as stored in the blob.
    pub(crate) srs_id: i32,
    /// `[min_x, max_x, min_y, max_y]` when the blob carries an envelope
    /// (any Z or M range after it is skipped).
    pub(crate) envelope: Option<[f64; 4]>,
    /// Byte offset of the WKB body.
    pub(crate) wkb_offset: usize,
}

/// Parse the header: magic, version, flags (byte order of the header values,
/// envelope kind, empty and extended bits), `srs_id` and envelope.
pub(crate) fn parse_header(b: &[u8]) -> Result<BlobHeader, GpkgGeometryError> {
    if b.len() < 8 {
        return Err(GpkgGeometryError::Short(b.len()));
    }
    if &b[..2] != b"GP" {
        return Err(GpkgGeometryError::Magic([b[0], b[1]]));
    }
    let (version, flags) = (b[2], b[3]);
    if flags & 0b0010_0000 != 0 {
        return Err(GpkgGeometryError::Extended);
    }
    let little_endian = flags & 1 == 1;
    let u32_at = |at: usize| {
        let a: [u8; 4] = b[at..at + 4].try_into().expect("4 bytes");
        if little_endian { u32::from_le_bytes(a) } else { u32::from_be_bytes(a) }
    };
    let f64_at = |at: usize| {
        let a: [u8; 8] = b[at..at + 8].try_into().expect("8 bytes");
        if little_endian { f64::from_le_bytes(a) } else { f64::from_be_bytes(a) }
    };
    let envelope_len = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        code => return Err(GpkgGeometryError::EnvelopeCode(code)),
    };
    let wkb_offset = 8 + envelope_len;
    if b.len() < wkb_offset {
        return Err(GpkgGeometryError::ShortEnvelope { len: b.len(), envelope: envelope_len });
    }
    let envelope = (envelope_len > 0).then(|| [f64_at(8), f64_at(16), f64_at(24), f64_at(32)]);
    Ok(BlobHeader {
        version,
        empty: flags & 0b0001_0000 != 0,
        srs_id: u32_at(4) as i32,
        envelope,
        wkb_offset,
    })
}

/// Decode a geometry blob; `None` for an empty geometry (the header's empty
/// flag, or a WKB point with NaN coordinates).
pub(crate) fn decode_blob(b: &[u8]) -> Result<Option<Geometry<f64>>, GpkgGeometryError> {
    let header = parse_header(b)?;
    if header.empty {
        return Ok(None);
    }
    let wkb = wkb::reader::read_wkb(&b[header.wkb_offset..]).map_err(GpkgGeometryError::Wkb)?;
    Ok(wkb.try_to_geometry())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{Coord, Point};

    fn le_point(x: f64, y: f64) -> Vec<u8> {
        let mut v = vec![1u8];
        v.extend_from_slice(&1u32.to_le_bytes());
        v.extend_from_slice(&x.to_le_bytes());
        v.extend_from_slice(&y.to_le_bytes());
        v
    }

    /// A blob with no envelope around a WKB body.
    fn blob(wkb: &[u8]) -> Vec<u8> {
        let mut b = vec![b'G', b'P', 0, 0b0000_0001];
        b.extend_from_slice(&4326i32.to_le_bytes());
        b.extend_from_slice(wkb);
        b
    }

    #[test]
    fn point_little_and_big_endian() {
        assert_eq!(decode_blob(&blob(&le_point(1.5, -2.0))).unwrap(), Some(Geometry::Point(Point::new(1.5, -2.0))));
        let mut be = vec![0u8];
        be.extend_from_slice(&1u32.to_be_bytes());
        be.extend_from_slice(&3.0f64.to_be_bytes());
        be.extend_from_slice(&4.0f64.to_be_bytes());
        assert_eq!(decode_blob(&blob(&be)).unwrap(), Some(Geometry::Point(Point::new(3.0, 4.0))));
    }

    #[test]
    fn polygon_with_z_drops_z() {
        let mut v = vec![1u8];
        v.extend_from_slice(&1003u32.to_le_bytes());
        v.extend_from_slice(&1u32.to_le_bytes());
        v.extend_from_slice(&4u32.to_le_bytes());
        for (x, y) in [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)] {
            for f in [x, y, 9.0f64] {
                v.extend_from_slice(&f.to_le_bytes());
            }
        }
        let Some(Geometry::Polygon(p)) = decode_blob(&blob(&v)).unwrap() else { panic!("not a polygon") };
        assert_eq!(p.exterior().0.len(), 4);
        assert_eq!(p.exterior().0[2], Coord { x: 1.0, y: 1.0 });
    }

    #[test]
    fn header_with_envelope_in_either_byte_order() {
        for little in [true, false] {
            let mut b = vec![b'G', b'P', 0, 0b0000_0010 | u8::from(little)];
            let put = |b: &mut Vec<u8>, bytes_le: &[u8], bytes_be: &[u8]| {
                b.extend_from_slice(if little { bytes_le } else { bytes_be })
            };
            put(&mut b, &32621i32.to_le_bytes(), &32621i32.to_be_bytes());
            for v in [5.0f64, 5.5, 6.0, 6.5] {
                put(&mut b, &v.to_le_bytes(), &v.to_be_bytes());
            }
            b.extend_from_slice(&le_point(5.0, 6.0));
            let h = parse_header(&b).unwrap();
            assert_eq!((h.version, h.srs_id, h.empty, h.wkb_offset), (0, 32621, false, 40));
            assert_eq!(h.envelope, Some([5.0, 5.5, 6.0, 6.5]));
            assert_eq!(decode_blob(&b).unwrap(), Some(Geometry::Point(Point::new(5.0, 6.0))));
        }
    }

    #[test]
    fn empty_flag_and_nan_point_are_empty() {
        let mut b = blob(&le_point(f64::NAN, f64::NAN));
        assert_eq!(decode_blob(&b).unwrap(), None);
        b[3] |= 0b0001_0000;
        assert!(parse_header(&b).unwrap().empty);
        assert_eq!(decode_blob(&b).unwrap(), None);
    }

    #[test]
    fn truncated_absurd_and_foreign_blobs_are_errors() {
        let good = blob(&le_point(1.0, 2.0));
        for cut in 0..good.len() {
            assert!(decode_blob(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut counts = vec![1u8];
        counts.extend_from_slice(&2u32.to_le_bytes());
        counts.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(decode_blob(&blob(&counts)), Err(GpkgGeometryError::Wkb(_))));
        assert!(matches!(decode_blob(&le_point(1.0, 2.0)), Err(GpkgGeometryError::Magic(_))));
        let mut bad_env = good.clone();
        bad_env[3] = 0b0000_1011;
        assert!(matches!(decode_blob(&bad_env), Err(GpkgGeometryError::EnvelopeCode(5))));
        let mut short_env = good.clone();
        short_env[3] = 0b0000_1001;
        short_env.truncate(20);
        assert!(matches!(decode_blob(&short_env), Err(GpkgGeometryError::ShortEnvelope { len: 20, envelope: 64 })));
        let mut extended = good;
        extended[3] |= 0b0010_0000;
        assert!(matches!(decode_blob(&extended), Err(GpkgGeometryError::Extended)));
    }
}
