//! The codestream's image and tile size marker (SIZ, ISO/IEC 15444-1 A.5.1):
//! image size, component count, bit depths and sub-sampling, read before any
//! decoding so that absurd sizes are refused before memory is allocated.

use super::boxes::CODESTREAM_START;

/// One component of the codestream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Component {
    /// Bit depth, 1..=38.
    pub(super) bits: u8,
    /// Signed samples.
    pub(super) signed: bool,
    /// Horizontal and vertical sub-sampling (1 = full resolution).
    pub(super) dx: u8,
    /// Vertical sub-sampling.
    pub(super) dy: u8,
}

/// What SIZ says about the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Siz {
    /// Image width (Xsiz - XOsiz).
    pub(super) width: u32,
    /// Image height (Ysiz - YOsiz).
    pub(super) height: u32,
    /// Tile width and height.
    pub(super) tile: (u32, u32),
    /// The components.
    pub(super) components: Vec<Component>,
}

/// Parse the SIZ marker segment that must follow SOC at the start of a codestream.
pub(super) fn parse(cs: &[u8]) -> Result<Siz, String> {
    if !cs.starts_with(CODESTREAM_START) {
        return Err("the codestream does not start with the SOC and SIZ markers".into());
    }
    let u16_at = |at: usize| cs.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    let u32_at = |at: usize| cs.get(at..at + 4).map(|b| u32::from_be_bytes(b.try_into().expect("4 bytes")));
    let truncated = || "the codestream header (SIZ marker) is truncated".to_string();
    let lsiz = u16_at(4).ok_or_else(truncated)? as usize;
    let [xsiz, ysiz, xo, yo, xt, yt] = [8, 12, 16, 20, 24, 28].map(u32_at);
    let (xsiz, ysiz, xo, yo, xt, yt) = (
        xsiz.ok_or_else(truncated)?,
        ysiz.ok_or_else(truncated)?,
        xo.ok_or_else(truncated)?,
        yo.ok_or_else(truncated)?,
        xt.ok_or_else(truncated)?,
        yt.ok_or_else(truncated)?,
    );
    let csiz = u16_at(40).ok_or_else(truncated)? as usize;
    if csiz == 0 || lsiz != 38 + 3 * csiz {
        return Err(format!("SIZ marker length {lsiz} does not match its {csiz} component(s): corrupt header"));
    }
    let table = cs.get(42..42 + 3 * csiz).ok_or_else(truncated)?;
    if xo >= xsiz || yo >= ysiz || xt == 0 || yt == 0 {
        return Err(format!(
            "SIZ gives an empty image or tile (size {xsiz}x{ysiz}, offset {xo},{yo}, tiles {xt}x{yt}): corrupt header"
        ));
    }
    let mut components = Vec::with_capacity(csiz);
    for c in table.chunks_exact(3) {
        let bits = (c[0] & 0x7f) + 1;
        if bits > 38 || c[1] == 0 || c[2] == 0 {
            return Err(format!("component with {bits} bits and sub-sampling {}x{}: corrupt header", c[1], c[2]));
        }
        components.push(Component { bits, signed: c[0] & 0x80 != 0, dx: c[1], dy: c[2] });
    }
    Ok(Siz { width: xsiz - xo, height: ysiz - yo, tile: (xt, yt), components })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SOC + SIZ for an image of `w` x `h` with the given (Ssiz, XRsiz, YRsiz) per component.
    fn siz_bytes(w: u32, h: u32, comps: &[(u8, u8, u8)]) -> Vec<u8> {
        let mut b = CODESTREAM_START.to_vec();
        b.extend(((38 + 3 * comps.len()) as u16).to_be_bytes());
        b.extend(0u16.to_be_bytes());
        for v in [w, h, 0, 0, w, h, 0, 0] {
            b.extend(v.to_be_bytes());
        }
        b.extend((comps.len() as u16).to_be_bytes());
        for &(s, dx, dy) in comps {
            b.extend([s, dx, dy]);
        }
        b
    }

    #[test]
    fn reads_size_and_components() {
        let s = parse(&siz_bytes(1536, 768, &[(15, 1, 1)])).unwrap();
        assert_eq!((s.width, s.height, s.tile), (1536, 768, (1536, 768)));
        assert_eq!(s.components, vec![Component { bits: 16, signed: false, dx: 1, dy: 1 }]);
        let s = parse(&siz_bytes(4, 2, &[(7, 1, 1), (0x87, 2, 2), (7, 1, 1)])).unwrap();
        assert_eq!(s.components.len(), 3);
        assert!(s.components[1].signed && s.components[1].dx == 2);
    }

    #[test]
    fn rejects_corrupt_headers() {
        let good = siz_bytes(10, 10, &[(7, 1, 1)]);
        for cut in [2, 6, 20, 41, good.len() - 1] {
            assert!(parse(&good[..cut]).is_err(), "cut {cut}");
        }
        let mut wrong_len = good.clone();
        wrong_len[5] = 99;
        assert!(parse(&wrong_len).unwrap_err().contains("does not match"));
        assert!(parse(&siz_bytes(0, 10, &[(7, 1, 1)])).unwrap_err().contains("empty"));
        assert!(parse(&siz_bytes(10, 10, &[(7, 0, 1)])).is_err());
        assert!(parse(b"\xff\x4f\xff\x90").is_err());
    }
}
