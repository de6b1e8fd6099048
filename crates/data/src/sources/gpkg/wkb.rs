//! Well-Known Binary geometry decoding (ISO and EWKB flags; Z/M dropped)
//! into `geo_types`, and the GeoPackage geometry blob header.

use crate::error::{DataError, Result};
use geo_types::{Coord, Geometry, GeometryCollection, LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon};

fn err(msg: impl Into<String>) -> DataError {
    DataError::format("WKB", msg)
}

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let s = self.b.get(self.pos..self.pos + n).ok_or_else(|| err("truncated geometry"))?;
        self.pos += n;
        Ok(s)
    }
    fn u32(&mut self, le: bool) -> Result<u32> {
        let a: [u8; 4] = self.take(4)?.try_into().expect("4 bytes");
        Ok(if le { u32::from_le_bytes(a) } else { u32::from_be_bytes(a) })
    }
    fn f64(&mut self, le: bool) -> Result<f64> {
        let a: [u8; 8] = self.take(8)?.try_into().expect("8 bytes");
        Ok(if le { f64::from_le_bytes(a) } else { f64::from_be_bytes(a) })
    }
    /// A count, bounded by the bytes left so corrupt input cannot allocate wildly.
    fn count(&mut self, le: bool, min_item: usize) -> Result<usize> {
        let n = self.u32(le)? as usize;
        if n.saturating_mul(min_item) > self.b.len().saturating_sub(self.pos) {
            return Err(err(format!("count {n} exceeds the data")));
        }
        Ok(n)
    }
}

/// Decode one WKB geometry.
pub fn parse_wkb(bytes: &[u8]) -> Result<Geometry<f64>> {
    let mut c = Cursor { b: bytes, pos: 0 };
    read_geometry(&mut c, 0)
}

fn read_geometry(c: &mut Cursor<'_>, depth: usize) -> Result<Geometry<f64>> {
    if depth > 16 {
        return Err(err("geometry nested too deeply"));
    }
    let le = match c.take(1)?[0] {
        0 => false,
        1 => true,
        o => return Err(err(format!("bad byte order {o}"))),
    };
    let raw = c.u32(le)?;
    let mut dims = 2;
    if raw & 0x8000_0000 != 0 {
        dims += 1;
    }
    if raw & 0x4000_0000 != 0 {
        dims += 1;
    }
    let iso = raw & 0x0fff_ffff;
    dims += match iso / 1000 {
        0 => 0,
        1 | 2 => 1,
        3 => 2,
        _ => return Err(err(format!("bad geometry type {raw}"))),
    };
    let kind = iso % 1000;
    let coord = |c: &mut Cursor<'_>| -> Result<Coord<f64>> {
        let x = c.f64(le)?;
        let y = c.f64(le)?;
        for _ in 2..dims {
            c.f64(le)?;
        }
        Ok(Coord { x, y })
    };
    let line = |c: &mut Cursor<'_>| -> Result<LineString<f64>> {
        let n = c.count(le, 16)?;
        (0..n).map(|_| coord(c)).collect::<Result<Vec<_>>>().map(LineString::from)
    };
    let polygon = |c: &mut Cursor<'_>| -> Result<Polygon<f64>> {
        let n = c.count(le, 4)?;
        let mut rings = (0..n).map(|_| line(c)).collect::<Result<Vec<_>>>()?;
        if rings.is_empty() {
            return Ok(Polygon::new(LineString::new(vec![]), vec![]));
        }
        let ext = rings.remove(0);
        Ok(Polygon::new(ext, rings))
    };
    let parts = |c: &mut Cursor<'_>| -> Result<Vec<Geometry<f64>>> {
        let n = c.count(le, 5)?;
        (0..n).map(|_| read_geometry(c, depth + 1)).collect()
    };
    Ok(match kind {
        1 => Geometry::Point(Point(coord(c)?)),
        2 => Geometry::LineString(line(c)?),
        3 => Geometry::Polygon(polygon(c)?),
        4 => Geometry::MultiPoint(MultiPoint(
            parts(c)?.into_iter().map(|g| match g {
                Geometry::Point(p) => Ok(p),
                _ => Err(err("MultiPoint member is not a Point")),
            }).collect::<Result<_>>()?,
        )),
        5 => Geometry::MultiLineString(MultiLineString(
            parts(c)?.into_iter().map(|g| match g {
                Geometry::LineString(l) => Ok(l),
                _ => Err(err("MultiLineString member is not a LineString")),
            }).collect::<Result<_>>()?,
        )),
        6 => Geometry::MultiPolygon(MultiPolygon(
            parts(c)?.into_iter().map(|g| match g {
                Geometry::Polygon(p) => Ok(p),
                _ => Err(err("MultiPolygon member is not a Polygon")),
            }).collect::<Result<_>>()?,
        )),
        7 => Geometry::GeometryCollection(GeometryCollection(parts(c)?)),
        k => return Err(err(format!("unsupported geometry type {k}"))),
    })
}

/// Decode a GeoPackage geometry blob (`GP` header, optional envelope, WKB).
/// Returns `None` for an empty geometry.
pub fn parse_gpkg_blob(b: &[u8]) -> Result<Option<(i32, Geometry<f64>)>> {
    if b.len() < 8 || &b[..2] != b"GP" {
        return Err(err("not a GeoPackage geometry blob"));
    }
    let flags = b[3];
    let le = flags & 1 == 1;
    let srs: [u8; 4] = b[4..8].try_into().expect("4 bytes");
    let srs_id = if le { i32::from_le_bytes(srs) } else { i32::from_be_bytes(srs) };
    let env = match (flags >> 1) & 0x7 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        e => return Err(err(format!("bad envelope code {e}"))),
    };
    if flags & 0x10 != 0 {
        return Ok(None);
    }
    let wkb = b.get(8 + env..).ok_or_else(|| err("blob shorter than its envelope"))?;
    Ok(Some((srs_id, parse_wkb(wkb)?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le_point(x: f64, y: f64) -> Vec<u8> {
        let mut v = vec![1u8];
        v.extend_from_slice(&1u32.to_le_bytes());
        v.extend_from_slice(&x.to_le_bytes());
        v.extend_from_slice(&y.to_le_bytes());
        v
    }

    #[test]
    fn point_little_and_big_endian() {
        assert_eq!(parse_wkb(&le_point(1.5, -2.0)).unwrap(), Geometry::Point(Point::new(1.5, -2.0)));
        let mut be = vec![0u8];
        be.extend_from_slice(&1u32.to_be_bytes());
        be.extend_from_slice(&3.0f64.to_be_bytes());
        be.extend_from_slice(&4.0f64.to_be_bytes());
        assert_eq!(parse_wkb(&be).unwrap(), Geometry::Point(Point::new(3.0, 4.0)));
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
        let Geometry::Polygon(p) = parse_wkb(&v).unwrap() else { panic!("not a polygon") };
        assert_eq!(p.exterior().0.len(), 4);
        assert_eq!(p.exterior().0[2], Coord { x: 1.0, y: 1.0 });
    }

    #[test]
    fn gpkg_header_with_envelope() {
        let mut b = vec![b'G', b'P', 0, 0b0000_0011];
        b.extend_from_slice(&32621i32.to_le_bytes());
        b.extend_from_slice(&[0u8; 32]);
        b.extend_from_slice(&le_point(5.0, 6.0));
        let (srs, g) = parse_gpkg_blob(&b).unwrap().unwrap();
        assert_eq!(srs, 32621);
        assert_eq!(g, Geometry::Point(Point::new(5.0, 6.0)));
    }

    #[test]
    fn truncated_and_absurd_counts_are_errors() {
        assert!(parse_wkb(&le_point(1.0, 2.0)[..10]).is_err());
        let mut v = vec![1u8];
        v.extend_from_slice(&2u32.to_le_bytes());
        v.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(parse_wkb(&v).is_err());
    }
}
