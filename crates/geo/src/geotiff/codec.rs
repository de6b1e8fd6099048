//! Chunk (tile or strip) codecs: decompression, compression, predictors and
//! conversion between raw samples and `f32`.
//!
//! Decoded chunks are in native byte order. Encoded chunks are little-endian
//! (the writers always write "II" files).

use super::{Compression, Predictor};
use super::sample::deinterleave;
use crate::DType;

/// Layout of one chunk's samples, needed by the predictors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChunkShape {
    /// Pixels per row.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Samples per pixel stored in this chunk (1 for planar files).
    pub spp: usize,
    /// Bytes per sample.
    pub bytes: usize,
}

impl ChunkShape {
    pub(super) fn len(&self) -> usize {
        self.width * self.height * self.spp * self.bytes
    }
    fn row_bytes(&self) -> usize {
        self.width * self.spp * self.bytes
    }
}

/// Per-worker decoding state reused across chunks (the Deflate decompressor's tables).
#[derive(Default)]
pub(crate) struct ChunkDecoder {
    inflater: Option<libdeflater::Decompressor>,
}

impl ChunkDecoder {
    /// Decompress `src` into `out` (sized to `shape.len()`; not cleared first, every byte is
    /// overwritten or the chunk is an error), swap to native byte order and undo the
    /// predictor. Errors are plain text; the caller adds the file and chunk.
    pub(crate) fn decode(
        &mut self,
        src: &[u8],
        compression: Compression,
        predictor: Predictor,
        big_endian: bool,
        shape: ChunkShape,
        out: &mut Vec<u8>,
    ) -> Result<(), String> {
        let expected = shape.len();
        // Resizing only when the chunk size changes: no zero-fill per chunk.
        out.resize(expected, 0);
        let produced = self.decompress(src, compression, out)?;
        if produced < expected {
            return Err(format!("decompressed to {produced} bytes, expected {expected}: truncated or corrupt data"));
        }
        match predictor {
            Predictor::FloatingPoint => undo_float_predictor(out, shape),
            _ => {
                if big_endian != cfg!(target_endian = "big") && shape.bytes > 1 {
                    for s in out.chunks_exact_mut(shape.bytes) {
                        s.reverse();
                    }
                }
                if predictor == Predictor::Horizontal {
                    undo_horizontal(out, shape);
                }
            }
        }
        Ok(())
    }

    /// Decompress into `out`, returning how many bytes were produced (at most `out.len()`).
    fn decompress(&mut self, src: &[u8], compression: Compression, out: &mut [u8]) -> Result<usize, String> {
        match compression {
            Compression::None => {
                let n = src.len().min(out.len());
                out[..n].copy_from_slice(&src[..n]);
                Ok(n)
            }
            Compression::Deflate => {
                // libdeflate (whole-buffer, straight into `out`) is the fast path for chunks
                // that inflate to at most the expected size; streams it refuses (a longer
                // output, a bad checksum, an unusual stream) go through zlib-rs, which stops
                // at `out.len()` and names the corruption.
                let inflater = self.inflater.get_or_insert_with(libdeflater::Decompressor::new);
                if let Ok(n) = inflater.zlib_decompress(src, out) {
                    return Ok(n);
                }
                let mut d = flate2::Decompress::new(true);
                match d.decompress(src, out, flate2::FlushDecompress::Finish) {
                    Ok(_) => Ok(d.total_out() as usize),
                    Err(e) => Err(format!("Deflate data is corrupt: {e}")),
                }
            }
            Compression::Lzw => {
                // Ours first (one copy per code, out of the output); streams it refuses go
                // through weezl, which names the corruption.
                if let Ok(n) = super::lzw::decode(src, out) {
                    return Ok(n);
                }
                let mut d = weezl::decode::Decoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8);
                let (mut read, mut written) = (0, 0);
                while written < out.len() {
                    let r = d.decode_bytes(&src[read..], &mut out[written..]);
                    read += r.consumed_in;
                    written += r.consumed_out;
                    match r.status {
                        Ok(weezl::LzwStatus::Ok) if r.consumed_in + r.consumed_out > 0 => {}
                        Ok(_) => break,
                        // Some writers omit the end-of-information code; what was decoded stands.
                        Err(_) if written == out.len() => break,
                        Err(e) => return Err(format!("LZW data is corrupt: {e}")),
                    }
                }
                Ok(written)
            }
            Compression::Zstd => {
                zstd::bulk::decompress_to_buffer(src, out).map_err(|e| format!("ZSTD data is corrupt: {e}"))
            }
            Compression::PackBits => Ok(unpack_bits(src, out)),
        }
    }
}

fn unpack_bits(src: &[u8], out: &mut [u8]) -> usize {
    let (mut i, mut o) = (0, 0);
    while i < src.len() && o < out.len() {
        let n = src[i] as i8;
        i += 1;
        if n >= 0 {
            let len = (n as usize + 1).min(out.len() - o).min(src.len() - i);
            out[o..o + len].copy_from_slice(&src[i..i + len]);
            i += n as usize + 1;
            o += len;
        } else if n != -128 {
            let Some(&v) = src.get(i) else { break };
            i += 1;
            let len = ((1 - n as isize) as usize).min(out.len() - o);
            out[o..o + len].fill(v);
            o += len;
        }
    }
    o
}

macro_rules! horizontal {
    ($buf:expr, $shape:expr, $t:ty, $n:expr, $acc:expr) => {{
        let row = $shape.row_bytes();
        let spp = $shape.spp;
        // SAFETY: every bit pattern is a valid `$t`; `align_to_mut` only yields the aligned
        // middle part, which covers the whole buffer when the allocation is aligned (as the
        // allocator's are); the fallback below handles any other buffer.
        let len = $buf.len();
        let (head, typed, _) = unsafe { $buf.align_to_mut::<$t>() };
        if head.is_empty() && typed.len() * $n == len {
            for r in typed.chunks_exact_mut(row / $n) {
                $acc(r, spp);
            }
        } else {
            let mut v: Vec<$t> = Vec::with_capacity(row / $n);
            for r in $buf.chunks_exact_mut(row) {
                v.clear();
                v.extend(r.chunks_exact($n).map(|b| <$t>::from_ne_bytes(b.try_into().unwrap())));
                $acc(&mut v, spp);
                for (d, s) in r.chunks_exact_mut($n).zip(&v) {
                    d.copy_from_slice(&s.to_ne_bytes());
                }
            }
        }
    }};
}

fn acc<T: Copy + WrappingAdd>(v: &mut [T], spp: usize) {
    for i in spp..v.len() {
        v[i] = v[i].wadd(v[i - spp]);
    }
}

fn diff<T: Copy + WrappingAdd>(v: &mut [T], spp: usize) {
    for i in (spp..v.len()).rev() {
        v[i] = v[i].wsub(v[i - spp]);
    }
}

trait WrappingAdd {
    fn wadd(self, o: Self) -> Self;
    fn wsub(self, o: Self) -> Self;
}
macro_rules! wrapping {
    ($($t:ty),*) => {$(impl WrappingAdd for $t {
        fn wadd(self, o: Self) -> Self { self.wrapping_add(o) }
        fn wsub(self, o: Self) -> Self { self.wrapping_sub(o) }
    })*};
}
wrapping!(u8, u16, u32, u64);

fn undo_horizontal(buf: &mut [u8], shape: ChunkShape) {
    match shape.bytes {
        1 => {
            for r in buf.chunks_exact_mut(shape.row_bytes()) {
                acc(r, shape.spp);
            }
        }
        2 => horizontal!(buf, shape, u16, 2, acc),
        4 => horizontal!(buf, shape, u32, 4, acc),
        _ => horizontal!(buf, shape, u64, 8, acc),
    }
}

fn apply_horizontal(buf: &mut [u8], shape: ChunkShape) {
    match shape.bytes {
        1 => {
            for r in buf.chunks_exact_mut(shape.row_bytes()) {
                diff(r, shape.spp);
            }
        }
        2 => horizontal!(buf, shape, u16, 2, diff),
        4 => horizontal!(buf, shape, u32, 4, diff),
        _ => horizontal!(buf, shape, u64, 8, diff),
    }
}

/// Undo predictor 3: byte-wise accumulation across the row, then gather the
/// most-significant-first byte planes back into native-order samples.
fn undo_float_predictor(buf: &mut [u8], shape: ChunkShape) {
    let row = shape.row_bytes();
    let wc = shape.width * shape.spp;
    let bps = shape.bytes;
    let mut tmp = vec![0u8; row];
    for r in buf.chunks_exact_mut(row) {
        acc(r, shape.spp);
        tmp.copy_from_slice(r);
        for count in 0..wc {
            for byte in 0..bps {
                // Plane 0 holds the most significant byte.
                let plane = if cfg!(target_endian = "big") { byte } else { bps - 1 - byte };
                r[count * bps + byte] = tmp[plane * wc + count];
            }
        }
    }
}

fn apply_float_predictor(buf: &mut [u8], shape: ChunkShape) {
    let row = shape.row_bytes();
    let wc = shape.width * shape.spp;
    let bps = shape.bytes;
    let mut tmp = vec![0u8; row];
    for r in buf.chunks_exact_mut(row) {
        tmp.copy_from_slice(r);
        for count in 0..wc {
            for byte in 0..bps {
                // Input is little-endian; plane 0 gets the most significant byte.
                r[(bps - 1 - byte) * wc + count] = tmp[count * bps + byte];
            }
        }
        diff(r, shape.spp);
    }
}

/// Apply the predictor to little-endian samples and compress them.
pub(crate) fn encode_chunk(
    mut raw: Vec<u8>,
    compression: Compression,
    predictor: Predictor,
    shape: ChunkShape,
) -> std::io::Result<Vec<u8>> {
    match predictor {
        Predictor::None => {}
        Predictor::Horizontal => {
            if cfg!(target_endian = "big") {
                to_native(&mut raw, shape.bytes);
            }
            apply_horizontal(&mut raw, shape);
            if cfg!(target_endian = "big") {
                to_native(&mut raw, shape.bytes);
            }
        }
        Predictor::FloatingPoint => apply_float_predictor(&mut raw, shape),
    }
    compress(&raw, compression)
}

fn to_native(buf: &mut [u8], bytes: usize) {
    for s in buf.chunks_exact_mut(bytes) {
        s.reverse();
    }
}

fn compress(raw: &[u8], compression: Compression) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    Ok(match compression {
        Compression::None => raw.to_vec(),
        Compression::Deflate => {
            let mut e = flate2::write::ZlibEncoder::new(Vec::with_capacity(raw.len() / 2), flate2::Compression::new(6));
            e.write_all(raw)?;
            e.finish()?
        }
        Compression::Lzw => weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
            .encode(raw)
            .map_err(std::io::Error::other)?,
        Compression::Zstd => zstd::bulk::compress(raw, 9)?,
        Compression::PackBits => pack_bits(raw),
    })
}

fn pack_bits(src: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(src.len() + src.len() / 128 + 1);
    let mut i = 0;
    while i < src.len() {
        let mut run = 1;
        while i + run < src.len() && run < 128 && src[i + run] == src[i] {
            run += 1;
        }
        if run >= 2 {
            out.push((1 - run as isize) as i8 as u8);
            out.push(src[i]);
            i += run;
        } else {
            let start = i;
            while i < src.len() && i - start < 128 && !(i + 1 < src.len() && src[i] == src[i + 1]) {
                i += 1;
            }
            if i == start {
                i += 1;
            }
            out.push((i - start - 1) as u8);
            out.extend_from_slice(&src[start..i]);
        }
    }
    out
}

/// [`deinterleave`] into `f32`, dispatched on the file's sample type once per row.
pub(crate) fn deinterleave_to_f32(
    raw: &[u8],
    dtype: DType,
    spp: usize,
    samples: &[usize],
    dsts: &mut [&mut [f32]],
    span: (usize, usize),
) {
    match dtype {
        DType::U8 => deinterleave::<u8, f32>(raw, spp, samples, dsts, span, |v| v as f32),
        DType::U16 => deinterleave::<u16, f32>(raw, spp, samples, dsts, span, |v| v as f32),
        DType::I16 => deinterleave::<i16, f32>(raw, spp, samples, dsts, span, |v| v as f32),
        DType::F32 => deinterleave::<f32, f32>(raw, spp, samples, dsts, span, |v| v),
    }
}

/// Append `v` as a little-endian sample of `dtype`: integers are rounded and
/// saturated to the type's range (NaN becomes 0).
#[inline]
pub(crate) fn push_sample(out: &mut Vec<u8>, v: f32, dtype: DType) {
    match dtype {
        DType::U8 => out.push(v.round() as u8),
        DType::U16 => out.extend_from_slice(&(v.round() as u16).to_le_bytes()),
        DType::I16 => out.extend_from_slice(&(v.round() as i16).to_le_bytes()),
        DType::F32 => out.extend_from_slice(&v.to_le_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(dtype: DType, compression: Compression, predictor: Predictor, spp: usize) {
        let shape = ChunkShape { width: 7, height: 5, spp, bytes: dtype.size() };
        let values: Vec<f32> = (0..7 * 5 * spp)
            .map(|i| match dtype {
                DType::F32 => (i as f32 * 0.37).sin() * 1000.0,
                DType::I16 => (i as f32 * 13.0) - 200.0,
                _ => ((i * 37) % 251) as f32,
            })
            .collect();
        let mut raw = Vec::new();
        values.iter().for_each(|&v| push_sample(&mut raw, v, dtype));
        let enc = encode_chunk(raw.clone(), compression, predictor, shape).unwrap();
        let mut dec = Vec::new();
        ChunkDecoder::default()
            .decode(&enc, compression, predictor, false, shape, &mut dec)
            .unwrap_or_else(|e| panic!("{dtype:?} {compression:?} {predictor:?} spp={spp}: {e}"));
        let mut back = vec![0.0; values.len()];
        let n = back.len();
        deinterleave_to_f32(&dec, dtype, 1, &[0], &mut [&mut back[..]], (0, n));
        assert_eq!(back, values, "{dtype:?} {compression:?} {predictor:?} spp={spp}");
    }

    #[test]
    fn every_codec_and_predictor_round_trips() {
        for c in [Compression::None, Compression::Deflate, Compression::Lzw, Compression::Zstd, Compression::PackBits] {
            for spp in [1, 3] {
                for d in [DType::U8, DType::U16, DType::I16, DType::F32] {
                    round_trip(d, c, Predictor::None, spp);
                    round_trip(d, c, Predictor::Horizontal, spp);
                }
                round_trip(DType::F32, c, Predictor::FloatingPoint, spp);
            }
        }
    }

    #[test]
    fn horizontal_predictor_matches_tiff_definition() {
        // Row [10, 12, 11] with spp 1 is stored as [10, 2, 255].
        let shape = ChunkShape { width: 3, height: 1, spp: 1, bytes: 1 };
        let enc = encode_chunk(vec![10, 12, 11], Compression::None, Predictor::Horizontal, shape).unwrap();
        assert_eq!(enc, vec![10, 2, 255]);
    }

    #[test]
    fn short_or_corrupt_data_is_an_error() {
        let shape = ChunkShape { width: 4, height: 4, spp: 1, bytes: 2 };
        let mut out = Vec::new();
        let e = ChunkDecoder::default().decode(&[0; 10], Compression::None, Predictor::None, false, shape, &mut out).unwrap_err();
        assert!(e.contains("expected 32"), "{e}");
        assert!(ChunkDecoder::default().decode(b"garbage!", Compression::Deflate, Predictor::None, false, shape, &mut out).is_err());
        assert!(ChunkDecoder::default().decode(b"garbage!", Compression::Zstd, Predictor::None, false, shape, &mut out).is_err());
    }

    #[test]
    fn deflate_streams_the_fast_decoder_refuses_still_decode_like_zlib() {
        use std::io::Write;
        let shape = ChunkShape { width: 8, height: 4, spp: 1, bytes: 1 };
        let raw: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(7)).collect();
        let zlib = |data: &[u8]| {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
            e.write_all(data).unwrap();
            e.finish().unwrap()
        };
        let mut out = Vec::new();
        // A chunk that inflates to more than its tile (some writers pad): the first 32 bytes.
        let longer: Vec<u8> = raw.iter().copied().chain(std::iter::repeat_n(9, 100)).collect();
        ChunkDecoder::default().decode(&zlib(&longer), Compression::Deflate, Predictor::None, false, shape, &mut out).unwrap();
        assert_eq!(out, raw);
        // A wrong Adler-32 checksum is refused by both decoders.
        let mut bad = zlib(&raw);
        let n = bad.len();
        bad[n - 1] ^= 0xff;
        let e = ChunkDecoder::default().decode(&bad, Compression::Deflate, Predictor::None, false, shape, &mut out).unwrap_err();
        assert!(e.contains("Deflate data is corrupt"), "{e}");
    }

    #[test]
    fn saturating_sample_conversion() {
        let mut out = Vec::new();
        push_sample(&mut out, 300.0, DType::U8);
        push_sample(&mut out, -5.0, DType::U8);
        push_sample(&mut out, 2.6, DType::U8);
        assert_eq!(out, vec![255, 0, 3]);
    }
}
