//! A reader for R's serialized data files (`.rda`/`.RData`, XDR format
//! version 2 or 3, gzip- or xz-compressed), enough for data frames of
//! numeric, integer, logical, character and factor columns.

use crate::error::{DataError, Result};
use std::io::Read;
use std::path::Path;

/// The data part of one R object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RData {
    Null,
    Symbol(String),
    /// A pairlist, flattened: (tag, value).
    PairList(Vec<(Option<String>, RValue)>),
    /// Logical values (`NA` = i32::MIN).
    Logical(Vec<i32>),
    /// Integers (`NA` = i32::MIN).
    Integer(Vec<i32>),
    Real(Vec<f64>),
    /// Strings (`None` = NA).
    Strings(Vec<Option<String>>),
    /// A generic vector (`list`, data frame).
    List(Vec<RValue>),
}

/// An R object: its data and attributes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RValue {
    pub(crate) data: RData,
    pub(crate) attributes: Vec<(String, RValue)>,
}

impl RValue {
    fn plain(data: RData) -> RValue {
        RValue { data, attributes: Vec::new() }
    }
    /// An attribute by name.
    pub(crate) fn attr(&self, name: &str) -> Option<&RValue> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
    /// The value's strings (for `names`, `levels`, `class`).
    pub(crate) fn strings(&self) -> Option<Vec<String>> {
        match &self.data {
            RData::Strings(s) => Some(s.iter().map(|x| x.clone().unwrap_or_default()).collect()),
            _ => None,
        }
    }
}

/// A column of a data frame.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Column {
    Numeric(Vec<f64>),
    /// A factor: 0-based codes (`None` = NA) and its levels.
    Factor { codes: Vec<Option<u32>>, levels: Vec<String> },
    Text(Vec<Option<String>>),
}

impl Column {
    pub(crate) fn len(&self) -> usize {
        match self {
            Column::Numeric(v) => v.len(),
            Column::Factor { codes, .. } => codes.len(),
            Column::Text(v) => v.len(),
        }
    }
}

/// A data frame: named columns of equal length.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DataFrame {
    pub(crate) names: Vec<String>,
    pub(crate) columns: Vec<Column>,
}

impl DataFrame {
    pub(crate) fn rows(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }
    #[cfg(test)]
    fn column(&self, name: &str) -> Option<&Column> {
        self.names.iter().position(|n| n == name).map(|i| &self.columns[i])
    }
}

fn err(msg: impl Into<String>) -> DataError {
    DataError::format("R data", msg)
}

/// Read every named object of an `.rda` file.
pub(crate) fn read_rda(path: impl AsRef<Path>) -> Result<Vec<(String, RValue)>> {
    let path = path.as_ref();
    let raw = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    parse_rda(&raw).map_err(|e| e.in_file(path))
}

/// Parse the (possibly compressed) bytes of an `.rda` file.
pub(crate) fn parse_rda(raw: &[u8]) -> Result<Vec<(String, RValue)>> {
    let bytes = decompress(raw)?;
    let body = bytes
        .strip_prefix(b"RDX2\n")
        .or_else(|| bytes.strip_prefix(b"RDX3\n"))
        .ok_or_else(|| err("not an R data file (no RDX2/RDX3 header)"))?;
    let body = body.strip_prefix(b"X\n").ok_or_else(|| err("only the XDR (binary big-endian) format is supported"))?;
    let mut r = XdrReader { b: body, pos: 0, refs: Vec::new() };
    let version = r.int()?;
    r.int()?;
    r.int()?;
    if version == 3 {
        let n = r.int()?;
        r.take(n.max(0) as usize)?;
    } else if version != 2 {
        return Err(err(format!("serialization version {version}")));
    }
    let top = r.item(0)?;
    match top.data {
        RData::PairList(items) => Ok(items.into_iter().map(|(t, v)| (t.unwrap_or_default(), v)).collect()),
        _ => Err(err("top level is not a pairlist of named objects")),
    }
}

fn decompress(raw: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let res = if raw.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        lzma_rust2::XzReader::new(raw, true).read_to_end(&mut out)
    } else if raw.starts_with(&[0x1f, 0x8b]) {
        flate2::read::GzDecoder::new(raw).read_to_end(&mut out)
    } else if raw.starts_with(b"BZh") {
        return Err(err("bzip2-compressed R data is not supported"));
    } else {
        out.extend_from_slice(raw);
        Ok(out.len())
    };
    res.map_err(|source| DataError::Decompress { context: String::new(), source })?;
    Ok(out)
}

struct XdrReader<'a> {
    b: &'a [u8],
    pos: usize,
    refs: Vec<RValue>,
}

impl XdrReader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let s = self.b.get(self.pos..self.pos + n).ok_or_else(|| err("truncated data"))?;
        self.pos += n;
        Ok(s)
    }
    fn int(&mut self) -> Result<i32> {
        Ok(i32::from_be_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    fn length(&mut self) -> Result<usize> {
        let n = self.int()?;
        let n = if n == -1 {
            let hi = self.int()? as u64;
            let lo = self.int()? as u32 as u64;
            (hi << 32 | lo) as usize
        } else {
            usize::try_from(n).map_err(|_| err("negative length"))?
        };
        if n > self.b.len() - self.pos {
            // every element takes at least one byte
            return Err(err(format!("length {n} exceeds the data")));
        }
        Ok(n)
    }

    fn item(&mut self, depth: usize) -> Result<RValue> {
        if depth > 200 {
            return Err(err("objects nested too deeply"));
        }
        let flags = self.int()? as u32;
        let kind = (flags & 0xff) as u8;
        let has_attr = flags & (1 << 9) != 0;
        let has_tag = flags & (1 << 10) != 0;
        match kind {
            254 | 242 | 241 | 253 | 252 | 251 | 247 => Ok(RValue::plain(RData::Null)),
            255 => {
                let mut i = (flags >> 8) as usize;
                if i == 0 {
                    i = self.int()? as usize;
                }
                self.refs.get(i.wrapping_sub(1)).cloned().ok_or_else(|| err(format!("bad reference {i}")))
            }
            1 => {
                let name = self.item(depth + 1)?;
                let s = match name.data {
                    RData::Strings(mut v) if v.len() == 1 => v.pop().flatten().unwrap_or_default(),
                    _ => return Err(err("symbol name is not a string")),
                };
                let v = RValue::plain(RData::Symbol(s));
                self.refs.push(v.clone());
                Ok(v)
            }
            2 | 6 | 17 => {
                // pairlist / language / dots: walk the CDR chain iteratively
                let mut items = Vec::new();
                let mut attributes = Vec::new();
                let (mut has_attr, mut has_tag) = (has_attr, has_tag);
                loop {
                    if has_attr {
                        attributes = attrs_of(self.item(depth + 1)?);
                    }
                    let tag = if has_tag {
                        match self.item(depth + 1)?.data {
                            RData::Symbol(s) => Some(s),
                            _ => None,
                        }
                    } else {
                        None
                    };
                    items.push((tag, self.item(depth + 1)?));
                    let next = self.int()? as u32;
                    match next & 0xff {
                        254 => break,
                        2 | 6 | 17 => {
                            has_attr = next & (1 << 9) != 0;
                            has_tag = next & (1 << 10) != 0;
                        }
                        _ => return Err(err("improper pairlist")),
                    }
                }
                Ok(RValue { data: RData::PairList(items), attributes })
            }
            9 => {
                let n = self.int()?;
                if n == -1 {
                    return Ok(RValue::plain(RData::Strings(vec![None])));
                }
                let s = String::from_utf8_lossy(self.take(n.max(0) as usize)?).into_owned();
                Ok(RValue::plain(RData::Strings(vec![Some(s)])))
            }
            10 | 13 => {
                let n = self.length()?;
                let v = (0..n).map(|_| self.int()).collect::<Result<Vec<_>>>()?;
                let data = if kind == 10 { RData::Logical(v) } else { RData::Integer(v) };
                self.finish(data, has_attr, depth)
            }
            14 => {
                let n = self.length()?;
                let v = (0..n)
                    .map(|_| Ok(f64::from_be_bytes(self.take(8)?.try_into().expect("8 bytes"))))
                    .collect::<Result<Vec<_>>>()?;
                self.finish(RData::Real(v), has_attr, depth)
            }
            16 => {
                let n = self.length()?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    match self.item(depth + 1)?.data {
                        RData::Strings(mut s) if s.len() == 1 => v.push(s.pop().flatten()),
                        _ => return Err(err("character vector element is not a string")),
                    }
                }
                self.finish(RData::Strings(v), has_attr, depth)
            }
            19 | 20 => {
                let n = self.length()?;
                let v = (0..n).map(|_| self.item(depth + 1)).collect::<Result<Vec<_>>>()?;
                self.finish(RData::List(v), has_attr, depth)
            }
            238 => self.altrep(depth),
            k => Err(err(format!("unsupported R object type {k}"))),
        }
    }

    fn finish(&mut self, data: RData, has_attr: bool, depth: usize) -> Result<RValue> {
        let attributes = if has_attr { attrs_of(self.item(depth + 1)?) } else { Vec::new() };
        Ok(RValue { data, attributes })
    }

    /// ALTREP objects: compact integer/real sequences are expanded; others are errors.
    fn altrep(&mut self, depth: usize) -> Result<RValue> {
        let info = self.item(depth + 1)?;
        let state = self.item(depth + 1)?;
        let attributes = attrs_of(self.item(depth + 1)?);
        let class = match &info.data {
            RData::PairList(items) => match items.first().map(|(_, v)| &v.data) {
                Some(RData::Symbol(s)) => s.clone(),
                _ => String::new(),
            },
            _ => String::new(),
        };
        let seq = match &state.data {
            RData::Real(v) if v.len() == 3 => (v[0], v[1], v[2]),
            _ => return Err(err(format!("unsupported ALTREP class {class}"))),
        };
        let (n, start, step) = seq;
        if !(0.0..=1e9).contains(&n) {
            return Err(err("ALTREP sequence too long"));
        }
        let data = match class.as_str() {
            "compact_intseq" => RData::Integer((0..n as i64).map(|i| (start + step * i as f64) as i32).collect()),
            "compact_realseq" => RData::Real((0..n as i64).map(|i| start + step * i as f64).collect()),
            _ => return Err(err(format!("unsupported ALTREP class {class}"))),
        };
        Ok(RValue { data, attributes })
    }
}

fn attrs_of(v: RValue) -> Vec<(String, RValue)> {
    match v.data {
        RData::PairList(items) => items.into_iter().map(|(t, v)| (t.unwrap_or_default(), v)).collect(),
        _ => Vec::new(),
    }
}

/// Interpret an R object as a data frame.
pub(crate) fn to_data_frame(v: &RValue) -> Result<DataFrame> {
    let RData::List(cols) = &v.data else { return Err(err("not a list")) };
    let names = v.attr("names").and_then(RValue::strings).ok_or_else(|| err("data frame without names"))?;
    if names.len() != cols.len() {
        return Err(err("names and columns differ in number"));
    }
    let columns = cols
        .iter()
        .map(|c| {
            let is_factor = c.attr("class").and_then(RValue::strings).is_some_and(|cl| cl.iter().any(|x| x == "factor"));
            Ok(match &c.data {
                RData::Integer(x) if is_factor => {
                    let levels = c.attr("levels").and_then(RValue::strings).ok_or_else(|| err("factor without levels"))?;
                    let codes = x
                        .iter()
                        .map(|&k| if k == i32::MIN || k < 1 || k as usize > levels.len() { None } else { Some(k as u32 - 1) })
                        .collect();
                    Column::Factor { codes, levels }
                }
                RData::Integer(x) | RData::Logical(x) => {
                    Column::Numeric(x.iter().map(|&k| if k == i32::MIN { f64::NAN } else { k as f64 }).collect())
                }
                RData::Real(x) => Column::Numeric(x.clone()),
                RData::Strings(s) => Column::Text(s.clone()),
                _ => return Err(err("unsupported column type")),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let n = columns.first().map_or(0, Column::len);
    if columns.iter().any(|c| c.len() != n) {
        return Err(err("columns of different lengths"));
    }
    Ok(DataFrame { names, columns })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(v: i32) -> Vec<u8> {
        v.to_be_bytes().to_vec()
    }
    fn charsxp(s: &str) -> Vec<u8> {
        [int(9 | (1 << 15)), int(s.len() as i32), s.as_bytes().to_vec()].concat()
    }
    fn sym(s: &str) -> Vec<u8> {
        [int(1), charsxp(s)].concat()
    }

    /// `df <- data.frame(a = c(1.5, 2), f = factor(c("x", "y")))` written by hand.
    fn tiny_rda() -> Vec<u8> {
        let mut b = b"RDX2\nX\n".to_vec();
        b.extend([int(2), int(0x040000), int(0x020300)].concat());
        // pairlist with tag "df"
        b.extend(int(2 | (1 << 10)));
        b.extend(sym("df"));
        // VECSXP of 2 with attributes, object bit
        b.extend(int(19 | (1 << 8) | (1 << 9)));
        b.extend(int(2));
        b.extend(int(14));
        b.extend(int(2));
        b.extend(1.5f64.to_be_bytes());
        b.extend(2.0f64.to_be_bytes());
        // factor: INTSXP with attrs levels + class
        b.extend(int(13 | (1 << 8) | (1 << 9)));
        b.extend([int(2), int(1), int(2)].concat());
        b.extend(int(2 | (1 << 10)));
        b.extend(sym("levels"));
        b.extend([int(16), int(2), charsxp("x"), charsxp("y")].concat());
        b.extend(int(2 | (1 << 10)));
        b.extend(sym("class"));
        b.extend([int(16), int(1), charsxp("factor")].concat());
        b.extend(int(254));
        // data frame attributes: names
        b.extend(int(2 | (1 << 10)));
        b.extend(sym("names"));
        b.extend([int(16), int(2), charsxp("a"), charsxp("f")].concat());
        b.extend(int(254));
        // end of top pairlist
        b.extend(int(254));
        b
    }

    #[test]
    fn hand_written_data_frame_round_trips() {
        let objs = parse_rda(&tiny_rda()).unwrap();
        assert_eq!(objs.len(), 1);
        assert_eq!(objs[0].0, "df");
        let df = to_data_frame(&objs[0].1).unwrap();
        assert_eq!(df.names, vec!["a", "f"]);
        assert_eq!(df.column("a"), Some(&Column::Numeric(vec![1.5, 2.0])));
        assert_eq!(
            df.column("f"),
            Some(&Column::Factor { codes: vec![Some(0), Some(1)], levels: vec!["x".into(), "y".into()] })
        );
    }

    #[test]
    fn truncated_file_is_an_error_not_a_panic() {
        let b = tiny_rda();
        for cut in [5, 20, 40, b.len() - 3] {
            assert!(parse_rda(&b[..cut]).is_err(), "cut at {cut}");
        }
    }
}
