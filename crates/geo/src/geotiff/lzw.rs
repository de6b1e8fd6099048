//! TIFF LZW decoding (TIFF 6.0 section 13: MSB-first codes of 9 to 12 bits, Clear = 256,
//! EndOfInformation = 257, the code width growing one code early).
//!
//! Every string the decoder meets is already in the output: code `c`'s string was written at
//! `start[c]` with length `len[c]`, and the string of a new code (the previous string plus
//! one byte) is exactly the bytes starting where the previous string was written. So a code
//! is decoded with one copy out of the output itself, instead of walking a prefix chain
//! byte by byte (`bench/geotiff_read.sh` with `COMPRESS=lzw`; docs/BENCHMARKS.md).

const CLEAR: usize = 256;
const EOI: usize = 257;
const FIRST_FREE: usize = 258;
const MAX_BITS: u32 = 12;
const TABLE: usize = 1 << MAX_BITS;

/// Why a stream could not be decoded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum LzwError {
    /// A code that is neither in the table nor the next one to be defined.
    InvalidCode { code: usize, at_byte: usize },
    /// The stream does not start with a Clear code (old-style LZW, or not LZW at all).
    NoClearCode,
}

impl std::fmt::Display for LzwError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LzwError::InvalidCode { code, at_byte } => write!(f, "invalid code {code} near byte {at_byte}"),
            LzwError::NoClearCode => write!(f, "the stream does not start with a Clear code"),
        }
    }
}

/// MSB-first bit reader over the compressed bytes. The unread bits sit at the top of `buf`;
/// a refill ORs in the next 8 bytes below them in one load (bits past the `n` counted are
/// the following bytes themselves, so OR-ing them in again later changes nothing).
struct Bits<'a> {
    src: &'a [u8],
    pos: usize,
    buf: u64,
    n: u32,
}

impl<'a> Bits<'a> {
    fn new(src: &'a [u8]) -> Self {
        Bits { src, pos: 0, buf: 0, n: 0 }
    }

    /// The next `width`-bit code (`width` <= 12), or `None` when the input is exhausted.
    #[inline(always)]
    fn next(&mut self, width: u32) -> Option<usize> {
        if self.n < width {
            self.refill();
            if self.n < width {
                return None;
            }
        }
        let code = (self.buf >> (64 - width)) as usize;
        self.buf <<= width;
        self.n -= width;
        Some(code)
    }

    #[inline(always)]
    fn refill(&mut self) {
        if let Some(b) = self.src.get(self.pos..self.pos + 8) {
            self.buf |= u64::from_be_bytes(b.try_into().unwrap()) >> self.n;
            let take = (63 - self.n) / 8;
            self.pos += take as usize;
            self.n += take * 8;
        } else {
            while self.n <= 56 && self.pos < self.src.len() {
                self.buf |= (self.src[self.pos] as u64) << (56 - self.n);
                self.pos += 1;
                self.n += 8;
            }
        }
    }
}

/// Decode `src` into `out`, stopping at EndOfInformation, at the end of the input or when
/// `out` is full; returns the bytes written.
pub(crate) fn decode(src: &[u8], out: &mut [u8]) -> Result<usize, LzwError> {
    // Code c's string: (where it was written, its length); the index is masked to the
    // table's size, which codes of at most 12 bits never exceed.
    let mut table = [(0u32, 0u32); TABLE];
    let mut bits = Bits::new(src);
    match bits.next(9) {
        Some(CLEAR) => {}
        None if out.is_empty() || src.is_empty() => return Ok(0),
        _ => return Err(LzwError::NoClearCode),
    }
    let end = out.len();
    let (mut width, mut grow_at) = (9, (1 << 9) - 1);
    let mut next_free = FIRST_FREE;
    // The previous code's string; a length of 0 means none (just after a Clear code).
    let (mut prev_start, mut prev_len) = (0usize, 0usize);
    let mut pos = 0;
    while pos < end {
        let Some(code) = bits.next(width) else { break };
        let here = pos;
        let n = if code < CLEAR {
            out[pos] = code as u8;
            pos += 1;
            1
        } else if code >= FIRST_FREE && code < next_free {
            // A defined string: copy it from where it was written.
            let (s, l) = table[code & (TABLE - 1)];
            let (s, l) = (s as usize, l as usize);
            if l <= 8 && pos + 8 <= end {
                // Most strings are short: one 8-byte load and store (the bytes past `l` are
                // overwritten by the next codes, or lie past the end of the decoded data).
                let word = u64::from_ne_bytes(out[s..s + 8].try_into().unwrap());
                out[pos..pos + 8].copy_from_slice(&word.to_ne_bytes());
                pos += l;
            } else {
                let l_out = l.min(end - pos);
                out.copy_within(s..s + l_out, pos);
                pos += l_out;
            }
            l
        } else if code == CLEAR {
            (width, grow_at, next_free, prev_len) = (9, (1 << 9) - 1, FIRST_FREE, 0);
            continue;
        } else if code == EOI {
            break;
        } else if code == next_free && prev_len > 0 {
            // KwKwK: the previous string plus its own first byte; the copy overlaps its
            // source by that one byte, written last.
            let (s, l) = (prev_start, prev_len);
            let l_out = l.min(end - pos);
            out.copy_within(s..s + l_out, pos);
            pos += l_out;
            if pos < end {
                out[pos] = out[s];
                pos += 1;
            }
            l + 1
        } else {
            return Err(LzwError::InvalidCode { code, at_byte: bits.pos });
        };
        if prev_len > 0 && next_free < TABLE {
            // The new code: the previous string and the first byte of this one, which
            // follows it in the output.
            table[next_free] = (prev_start as u32, prev_len as u32 + 1);
            next_free += 1;
            if next_free == grow_at && width < MAX_BITS {
                width += 1;
                grow_at = (1 << width) - 1;
            }
        }
        (prev_start, prev_len) = (here, n);
    }
    Ok(pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(data: &[u8]) -> Vec<u8> {
        weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8).encode(data).unwrap()
    }

    #[test]
    fn decodes_what_weezl_encodes() {
        // Repetitive, random-looking and long inputs: the table fills (Clear codes) and every
        // code width from 9 to 12 bits occurs.
        let mut state = 12345u32;
        let noisy: Vec<u8> = (0..200_000)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (state >> 16) as u8 % 7
            })
            .collect();
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![42],
            b"TOBEORNOTTOBEORTOBEORNOT".to_vec(),
            vec![7; 10_000],
            (0..65_536u32).map(|i| (i * 31 % 256) as u8).collect(),
            noisy,
        ];
        for data in cases {
            let enc = encode(&data);
            let mut out = vec![0; data.len()];
            let n = decode(&enc, &mut out).unwrap();
            assert_eq!((n, &out), (data.len(), &data));
            // A shorter output buffer gets the first bytes.
            if data.len() > 10 {
                let mut short = vec![0; data.len() / 2];
                assert_eq!(decode(&enc, &mut short).unwrap(), short.len());
                assert_eq!(short, data[..data.len() / 2]);
            }
        }
    }

    #[test]
    fn truncated_and_invalid_streams() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 13) as u8).collect();
        let enc = encode(&data);
        let mut out = vec![0; data.len()];
        let n = decode(&enc[..enc.len() / 2], &mut out).unwrap();
        assert!(n < data.len() && out[..n] == data[..n]);
        assert_eq!(decode(&[0x00, 0x01, 0x02], &mut out), Err(LzwError::NoClearCode));
        // Clear, then code 300 before any code was defined.
        let bad = [0x80, 0x4B, 0x00, 0x00];
        assert!(matches!(decode(&bad, &mut out), Err(LzwError::InvalidCode { code: 300, .. })));
    }
}
