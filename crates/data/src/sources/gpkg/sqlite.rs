//! A minimal read-only SQLite 3 file reader: enough to list tables and read
//! every row of a table (table b-trees, overflow pages, record decoding).
//! Used for GeoPackage label files; no SQL engine, no indexes, no WAL.

use crate::error::{DataError, Result};

/// One SQLite value.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// One entry of `sqlite_master`.
#[derive(Debug, Clone)]
pub struct SchemaEntry {
    pub kind: String,
    pub name: String,
    pub root_page: u32,
    pub sql: String,
}

/// A table's rows with its column names (rowid aliases filled in).
#[derive(Debug, Clone)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<SqlValue>>,
}

impl Table {
    /// Index of a column by (case-insensitive) name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.eq_ignore_ascii_case(name))
    }
}

/// An SQLite database file held in memory.
#[derive(Debug, Clone)]
pub struct SqliteFile {
    bytes: Vec<u8>,
    page_size: usize,
    usable: usize,
}

fn err(msg: impl Into<String>) -> DataError {
    DataError::format("SQLite", msg)
}

/// Read a big-endian SQLite varint; returns (value, bytes used).
pub(crate) fn varint(b: &[u8]) -> Result<(u64, usize)> {
    let mut v: u64 = 0;
    for i in 0..9 {
        let byte = *b.get(i).ok_or_else(|| err("truncated varint"))?;
        if i == 8 {
            return Ok(((v << 8) | byte as u64, 9));
        }
        v = (v << 7) | (byte & 0x7f) as u64;
        if byte & 0x80 == 0 {
            return Ok((v, i + 1));
        }
    }
    unreachable!("loop returns by the 9th byte")
}

fn be_int(b: &[u8]) -> i64 {
    let mut v: i64 = if b.first().is_some_and(|x| x & 0x80 != 0) { -1 } else { 0 };
    for &x in b {
        v = (v << 8) | x as i64;
    }
    v
}

impl SqliteFile {
    /// Parse a database from its bytes (checks the header).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<SqliteFile> {
        if bytes.len() < 100 || &bytes[..16] != b"SQLite format 3\0" {
            return Err(err("not an SQLite 3 file"));
        }
        let raw = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
        let page_size = if raw == 1 { 65536 } else { raw };
        if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
            return Err(err(format!("bad page size {page_size}")));
        }
        let usable = page_size - bytes[20] as usize;
        Ok(SqliteFile { bytes, page_size, usable })
    }

    /// Read a database file.
    pub fn open(path: &std::path::Path) -> Result<SqliteFile> {
        let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
        SqliteFile::from_bytes(bytes).map_err(|e| e.in_file(path))
    }

    fn page(&self, n: u32) -> Result<&[u8]> {
        let start = (n as usize).checked_sub(1).ok_or_else(|| err("page 0"))? * self.page_size;
        self.bytes.get(start..start + self.page_size).ok_or_else(|| err(format!("page {n} beyond end of file")))
    }

    /// All rows (rowid, values) of the table b-tree rooted at `root`, in rowid order.
    pub fn rows(&self, root: u32) -> Result<Vec<(i64, Vec<SqlValue>)>> {
        let mut out = Vec::new();
        let mut stack = vec![root];
        let mut visited = 0usize;
        let max_pages = self.bytes.len() / self.page_size + 1;
        while let Some(n) = stack.pop() {
            visited += 1;
            if visited > max_pages {
                return Err(err("b-tree cycle"));
            }
            let page = self.page(n)?;
            let h = if n == 1 { 100 } else { 0 };
            let kind = page[h];
            let ncells = u16::from_be_bytes([page[h + 3], page[h + 4]]) as usize;
            match kind {
                0x05 => {
                    let right = u32::from_be_bytes(page[h + 8..h + 12].try_into().expect("4 bytes"));
                    // Push in reverse so children pop in key order.
                    stack.push(right);
                    for i in (0..ncells).rev() {
                        let off = self.cell_offset(page, h + 12, i)?;
                        let child = page.get(off..off + 4).ok_or_else(|| err("cell out of page"))?;
                        stack.push(u32::from_be_bytes(child.try_into().expect("4 bytes")));
                    }
                }
                0x0D => {
                    for i in 0..ncells {
                        let off = self.cell_offset(page, h + 8, i)?;
                        out.push(self.leaf_cell(page, off)?);
                    }
                }
                other => return Err(err(format!("page {n}: not a table b-tree page (type {other:#x})"))),
            }
        }
        Ok(out)
    }

    fn cell_offset(&self, page: &[u8], array: usize, i: usize) -> Result<usize> {
        let p = page.get(array + 2 * i..array + 2 * i + 2).ok_or_else(|| err("cell pointer out of page"))?;
        Ok(u16::from_be_bytes([p[0], p[1]]) as usize)
    }

    fn leaf_cell(&self, page: &[u8], off: usize) -> Result<(i64, Vec<SqlValue>)> {
        let cell = page.get(off..).ok_or_else(|| err("cell out of page"))?;
        let (len, a) = varint(cell)?;
        let (rowid, b) = varint(&cell[a..])?;
        let len = len as usize;
        let body = &cell[a + b..];
        let u = self.usable;
        let x = u - 35;
        let payload = if len <= x {
            body.get(..len).ok_or_else(|| err("payload out of page"))?.to_vec()
        } else {
            let m = ((u - 12) * 32 / 255) - 23;
            let k = m + (len - m) % (u - 4);
            let local = if k <= x { k } else { m };
            let mut p = body.get(..local).ok_or_else(|| err("payload out of page"))?.to_vec();
            let mut next = u32::from_be_bytes(
                body.get(local..local + 4).ok_or_else(|| err("overflow pointer out of page"))?.try_into().expect("4"),
            );
            while p.len() < len {
                let ov = self.page(next)?;
                let take = (len - p.len()).min(u - 4);
                p.extend_from_slice(&ov[4..4 + take]);
                next = u32::from_be_bytes(ov[..4].try_into().expect("4"));
                if next == 0 && p.len() < len {
                    return Err(err("overflow chain ends early"));
                }
            }
            p
        };
        Ok((rowid as i64, decode_record(&payload)?))
    }

    /// The `sqlite_master` entries.
    pub fn schema(&self) -> Result<Vec<SchemaEntry>> {
        let text = |v: &SqlValue| match v {
            SqlValue::Text(s) => s.clone(),
            _ => String::new(),
        };
        self.rows(1)?
            .into_iter()
            .map(|(_, r)| {
                if r.len() < 5 {
                    return Err(err("short sqlite_master row"));
                }
                let root_page = match r[3] {
                    SqlValue::Integer(p) => p as u32,
                    _ => 0,
                };
                Ok(SchemaEntry { kind: text(&r[0]), name: text(&r[1]), root_page, sql: text(&r[4]) })
            })
            .collect()
    }

    /// Read a whole table by name.
    pub fn table(&self, name: &str) -> Result<Table> {
        let entry = self
            .schema()?
            .into_iter()
            .find(|e| e.kind == "table" && e.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| err(format!("no table {name}")))?;
        let (columns, rowid_col) = parse_columns(&entry.sql);
        let rows = self
            .rows(entry.root_page)?
            .into_iter()
            .map(|(rowid, mut r)| {
                r.resize(columns.len(), SqlValue::Null);
                if let Some(c) = rowid_col {
                    r[c] = SqlValue::Integer(rowid);
                }
                r
            })
            .collect();
        Ok(Table { columns, rows })
    }
}

/// Decode one record (header of serial types, then values).
fn decode_record(p: &[u8]) -> Result<Vec<SqlValue>> {
    let (hlen, mut pos) = varint(p)?;
    let hlen = hlen as usize;
    let mut types = Vec::new();
    while pos < hlen {
        let (t, n) = varint(p.get(pos..).ok_or_else(|| err("record header"))?)?;
        types.push(t);
        pos += n;
    }
    let mut data = hlen;
    let mut out = Vec::with_capacity(types.len());
    for t in types {
        let size = match t {
            0 | 8 | 9 => 0,
            1..=4 => t as usize,
            5 => 6,
            6 | 7 => 8,
            n if n >= 12 => ((n - 12) / 2) as usize,
            n => return Err(err(format!("reserved serial type {n}"))),
        };
        let b = p.get(data..data + size).ok_or_else(|| err("record value beyond payload"))?;
        out.push(match t {
            0 => SqlValue::Null,
            8 => SqlValue::Integer(0),
            9 => SqlValue::Integer(1),
            1..=6 => SqlValue::Integer(be_int(b)),
            7 => SqlValue::Real(f64::from_be_bytes(b.try_into().expect("8 bytes"))),
            n if n % 2 == 0 => SqlValue::Blob(b.to_vec()),
            _ => SqlValue::Text(String::from_utf8_lossy(b).into_owned()),
        });
        data += size;
    }
    Ok(out)
}

/// Column names of a `CREATE TABLE` statement, and the index of the
/// `INTEGER PRIMARY KEY` column (a rowid alias stored as NULL) if any.
fn parse_columns(sql: &str) -> (Vec<String>, Option<usize>) {
    let (Some(a), Some(b)) = (sql.find('('), sql.rfind(')')) else { return (Vec::new(), None) };
    let mut parts = Vec::new();
    let (mut depth, mut cur) = (0, String::new());
    for ch in sql[a + 1..b].chars() {
        match ch {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(ch);
    }
    parts.push(cur);
    let mut cols = Vec::new();
    let mut rowid = None;
    for p in parts {
        let p = p.trim();
        let upper = p.to_ascii_uppercase();
        if ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"].iter().any(|k| upper.starts_with(k)) {
            continue;
        }
        let name = if let Some(q) = p.strip_prefix('"').or_else(|| p.strip_prefix('`')).or_else(|| p.strip_prefix('[')) {
            q.split(['"', '`', ']']).next().unwrap_or("").to_string()
        } else {
            p.split_whitespace().next().unwrap_or("").to_string()
        };
        let rest = upper.trim_start_matches(|c: char| c != ' ').trim();
        if rest.starts_with("INTEGER") && upper.contains("PRIMARY KEY") {
            rowid = Some(cols.len());
        }
        cols.push(name);
    }
    (cols, rowid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_decode_one_to_nine_bytes() {
        assert_eq!(varint(&[0x05]).unwrap(), (5, 1));
        assert_eq!(varint(&[0x81, 0x00]).unwrap(), (128, 2));
        assert_eq!(varint(&[0xff; 9]).unwrap(), (u64::MAX, 9));
        assert!(varint(&[0x81]).is_err());
    }

    #[test]
    fn create_table_columns_and_rowid_alias() {
        let (c, r) = parse_columns(
            r#"CREATE TABLE "land_cover" ( "fid" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "geometry" POLYGON, "name" TEXT(30))"#,
        );
        assert_eq!(c, vec!["fid", "geometry", "name"]);
        assert_eq!(r, Some(0));
    }

    #[test]
    fn record_with_mixed_types() {
        // header: len 5, types: NULL, int8, text len 2 (17), real (7)
        let mut p = vec![5, 0, 1, 17, 7, 0xfe, b'h', b'i'];
        p.extend_from_slice(&1.5f64.to_be_bytes());
        let v = decode_record(&p).unwrap();
        assert_eq!(v, vec![SqlValue::Null, SqlValue::Integer(-2), SqlValue::Text("hi".into()), SqlValue::Real(1.5)]);
    }

    #[test]
    fn rejects_non_sqlite_bytes() {
        assert!(SqliteFile::from_bytes(vec![0; 200]).is_err());
    }
}
