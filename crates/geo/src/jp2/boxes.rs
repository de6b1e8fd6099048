//! The JP2 container: the box tree around the codestream (ISO/IEC 15444-1
//! Annex I), walked far enough to find the codestream, the image header, the
//! palette and the georeferencing boxes. Every length is checked against the
//! bytes that remain, so a truncated file is reported here, before decoding.

/// JP2 signature box: length 12, type `jP  `, content `0D 0A 87 0A`.
const JP2_SIGNATURE: &[u8] = b"\x00\x00\x00\x0cjP  \x0d\x0a\x87\x0a";
/// Start of a raw codestream: SOC then SIZ markers.
pub(super) const CODESTREAM_START: &[u8] = b"\xff\x4f\xff\x51";
/// UUID of a GeoJP2 box (its content is a degenerate GeoTIFF).
const GEOJP2_UUID: [u8; 16] = [
    0xb1, 0x4b, 0xf8, 0xbd, 0x08, 0x3d, 0x4b, 0x43, 0xa5, 0xae, 0x8c, 0xd7, 0xd5, 0xa6, 0xce, 0x03,
];
/// Superboxes whose children are searched (header, association, resolution, UUID info).
const SUPERBOXES: [&[u8; 4]; 4] = [b"jp2h", b"asoc", b"res ", b"uinf"];
/// Deepest superbox nesting followed (real files use 2 or 3 levels).
const MAX_DEPTH: usize = 8;

/// Whether `data` starts like a JPEG 2000 file (JP2 container or raw codestream).
pub(crate) fn is_jpeg2000(data: &[u8]) -> bool {
    data.starts_with(JP2_SIGNATURE) || data.starts_with(CODESTREAM_START)
}

/// A palette box (`pclr`): the number of output channels and their bit depth / sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Palette {
    /// Output channels (palette columns).
    pub(super) columns: usize,
    /// Largest column bit depth.
    pub(super) bits: u8,
    /// Whether any column is signed.
    pub(super) signed: bool,
}

/// What the reader needs from a JP2 file's boxes.
#[derive(Debug, Default)]
pub(super) struct Jp2Boxes<'a> {
    /// The contiguous codestream (the whole input for a raw `.j2k`/`.j2c`).
    pub(super) codestream: &'a [u8],
    /// Contents of every XML box (GMLJP2 candidates), in file order.
    pub(super) xml: Vec<&'a [u8]>,
    /// Content of the GeoJP2 UUID box after the UUID: a TIFF.
    pub(super) geojp2: Option<&'a [u8]>,
    /// The palette, when the header has one.
    pub(super) palette: Option<Palette>,
}

/// Split `data` into its boxes. Errors name what is wrong (used as the
/// reason of [`GeoError::InvalidJp2`](crate::GeoError::InvalidJp2)).
pub(super) fn parse(data: &[u8]) -> Result<Jp2Boxes<'_>, String> {
    if data.starts_with(CODESTREAM_START) {
        return Ok(Jp2Boxes { codestream: data, ..Jp2Boxes::default() });
    }
    if !data.starts_with(JP2_SIGNATURE) {
        let head: Vec<u8> = data.iter().take(12).copied().collect();
        return Err(format!(
            "no JP2 signature box or codestream marker at the start (first bytes {head:02x?}): not a JPEG 2000 file"
        ));
    }
    let mut out = Jp2Boxes::default();
    let mut codestream = None;
    walk(data, 0, 0, &mut out, &mut codestream)?;
    out.codestream = codestream.ok_or("no contiguous codestream box (jp2c): truncated?")?;
    Ok(out)
}

fn walk<'a>(
    data: &'a [u8],
    base: usize,
    depth: usize,
    out: &mut Jp2Boxes<'a>,
    codestream: &mut Option<&'a [u8]>,
) -> Result<(), String> {
    let mut at = 0;
    while at < data.len() {
        let (kind, header, len) = box_header(data, at, base)?;
        let content = &data[at + header..at + len];
        if depth < MAX_DEPTH && SUPERBOXES.contains(&&kind) {
            walk(content, base + at + header, depth + 1, out, codestream)?;
        } else {
            match &kind {
                b"jp2c" if codestream.is_none() => *codestream = Some(content),
                b"xml " => out.xml.push(content),
                b"pclr" => out.palette = Some(palette(content).ok_or("palette box (pclr) is too short")?),
                b"uuid" if content.len() > 16 && content[..16] == GEOJP2_UUID && out.geojp2.is_none() => {
                    out.geojp2 = Some(&content[16..]);
                }
                _ => {}
            }
        }
        at += len;
    }
    Ok(())
}

/// Type, header length and total length of the box at `at`; `base` is the
/// offset of `data` in the file, for messages.
fn box_header(data: &[u8], at: usize, base: usize) -> Result<([u8; 4], usize, usize), String> {
    let rest = data.len() - at;
    let pos = base + at;
    if rest < 8 {
        return Err(format!("{rest} stray byte(s) at byte {pos} where a box header was expected: truncated or corrupt"));
    }
    let lbox = u32::from_be_bytes(data[at..at + 4].try_into().expect("4 bytes")) as u64;
    let kind: [u8; 4] = data[at + 4..at + 8].try_into().expect("4 bytes");
    let (header, len) = match lbox {
        0 => (8, rest as u64),
        1 => {
            let x = data.get(at + 8..at + 16).ok_or_else(|| format!("box {} at byte {pos}: truncated", name(&kind)))?;
            (16, u64::from_be_bytes(x.try_into().expect("8 bytes")))
        }
        n => (8, n),
    };
    if len < header as u64 {
        return Err(format!("box {} at byte {pos} has an invalid length {len}", name(&kind)));
    }
    if len > rest as u64 {
        return Err(format!(
            "box {} at byte {pos} is {len} bytes long but only {rest} remain: truncated file",
            name(&kind)
        ));
    }
    Ok((kind, header, len as usize))
}

fn palette(content: &[u8]) -> Option<Palette> {
    let columns = *content.get(2)? as usize;
    let descriptors = content.get(3..3 + columns)?;
    if columns == 0 {
        return None;
    }
    Some(Palette {
        columns,
        bits: descriptors.iter().map(|b| (b & 0x7f) + 1).max()?,
        signed: descriptors.iter().any(|b| b & 0x80 != 0),
    })
}

/// A box type for messages: `'jp2c'`, or hex when not printable.
fn name(kind: &[u8; 4]) -> String {
    if kind.iter().all(|c| c.is_ascii_graphic() || *c == b' ') {
        format!("'{}'", String::from_utf8_lossy(kind))
    } else {
        format!("{kind:02x?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A box with the given type and content.
    fn jp2_box(kind: &[u8; 4], content: &[u8]) -> Vec<u8> {
        let mut b = ((content.len() + 8) as u32).to_be_bytes().to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(content);
        b
    }

    fn file(extra: &[Vec<u8>], codestream: &[u8]) -> Vec<u8> {
        let mut f = JP2_SIGNATURE.to_vec();
        f.extend(jp2_box(b"ftyp", b"jp2 \0\0\0\0jp2 "));
        for b in extra {
            f.extend_from_slice(b);
        }
        f.extend(jp2_box(b"jp2c", codestream));
        f
    }

    #[test]
    fn finds_codestream_xml_and_geojp2() {
        let gml = jp2_box(b"xml ", b"<gml/>");
        let asoc = jp2_box(b"asoc", &[jp2_box(b"lbl ", b"gml.data"), jp2_box(b"asoc", &gml)].concat());
        let mut uuid = GEOJP2_UUID.to_vec();
        uuid.extend_from_slice(b"II*\0");
        let f = file(&[jp2_box(b"uuid", &uuid), asoc], b"\xff\x4f\xff\x51rest");
        let b = parse(&f).unwrap();
        assert_eq!(b.codestream, b"\xff\x4f\xff\x51rest");
        assert_eq!(b.xml, vec![&b"<gml/>"[..]]);
        assert_eq!(b.geojp2, Some(&b"II*\0"[..]));
        assert!(is_jpeg2000(&f) && is_jpeg2000(b.codestream));
    }

    #[test]
    fn raw_codestream_is_its_own_codestream() {
        let b = parse(b"\xff\x4f\xff\x51abc").unwrap();
        assert_eq!(b.codestream.len(), 7);
        assert!(b.xml.is_empty() && b.geojp2.is_none());
    }

    #[test]
    fn truncated_and_foreign_files_are_errors() {
        let f = file(&[], &[0xff, 0x4f, 0xff, 0x51, 1, 2, 3, 4, 5, 6]);
        for cut in [13, 20, 30, f.len() - 1] {
            let e = parse(&f[..cut]).unwrap_err();
            assert!(e.contains("truncated") || e.contains("stray"), "cut {cut}: {e}");
        }
        let e = parse(b"II*\0 a tiff").unwrap_err();
        assert!(e.contains("not a JPEG 2000 file"), "{e}");
        // A box claiming a length shorter than its header.
        let mut bad = JP2_SIGNATURE.to_vec();
        bad.extend_from_slice(&[0, 0, 0, 3, b'j', b'p', b'2', b'c']);
        assert!(parse(&bad).unwrap_err().contains("invalid length"));
        // No codestream at all.
        let mut none = JP2_SIGNATURE.to_vec();
        none.extend(jp2_box(b"ftyp", b"jp2 "));
        assert!(parse(&none).unwrap_err().contains("no contiguous codestream"));
    }

    #[test]
    fn deep_nesting_stops() {
        let mut b = jp2_box(b"xml ", b"x");
        for _ in 0..64 {
            b = jp2_box(b"asoc", &b);
        }
        let f = file(&[b], b"\xff\x4f\xff\x51");
        assert!(parse(&f).unwrap().xml.is_empty());
    }

    #[test]
    fn palette_box() {
        let p = palette(&[0, 4, 3, 7, 7, 0x87]).unwrap();
        assert_eq!(p, Palette { columns: 3, bits: 8, signed: true });
        assert!(palette(&[0, 4]).is_none());
    }
}
