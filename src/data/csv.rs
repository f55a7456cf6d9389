//! Reading a CSV file into a [`Table`]: one pass, one reused record, numbers parsed straight into a
//! single row-major `f32` buffer. Text cells are dictionary-encoded per column, and only for the
//! columns that hold text. Deciding what each column *is* happens later, in `encode`.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::error::{Error, Location, Result};

/// Cell code of a text column for a cell that holds no text (a number or a missing value).
pub const NO_TEXT: u32 = u32::MAX;
/// Cell code of a text column for a cell whose text was not kept because the column already had
/// [`MAX_LEVELS`] distinct values.
pub const OVERFLOW: u32 = u32::MAX - 1;
/// How many distinct text values a column keeps before it stops counting (enough for any label or
/// category column lrfind would use; a column with more is free text or an identifier).
pub const MAX_LEVELS: usize = 10_000;

/// The spellings of a missing value, compared case-insensitively after trimming spaces.
pub const DEFAULT_NA_VALUES: &[&str] = &["", "na", "n/a", "nan", "null", "none", "?"];

/// How to read the file.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Field delimiter.
    pub delimiter: u8,
    /// Extra spellings of a missing value, beyond [`DEFAULT_NA_VALUES`].
    pub na_values: Vec<String>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            delimiter: b',',
            na_values: Vec::new(),
        }
    }
}

/// The text values seen in one column.
#[derive(Debug, Clone, Default)]
pub struct TextCells {
    /// One code per row: an index into `levels`, [`NO_TEXT`] or [`OVERFLOW`].
    pub codes: Vec<u32>,
    /// Distinct text values in order of first appearance.
    pub levels: Vec<String>,
    /// How many cells hold each level.
    pub counts: Vec<usize>,
    /// Whether more than [`MAX_LEVELS`] distinct values were seen.
    pub overflowed: bool,
    index: HashMap<String, u32>,
}

/// What one column held, counted while reading.
#[derive(Debug, Clone, Default)]
pub struct ColumnCells {
    /// Cells that parsed as finite numbers.
    pub numeric: usize,
    /// Cells that were missing.
    pub missing: usize,
    /// Line and spelling of the first missing cell.
    pub first_missing: Option<(u64, String)>,
    /// Line and text of the first cell that was not a number.
    pub first_text: Option<(u64, String)>,
    /// The text cells, present once the column has held any text.
    pub text: Option<TextCells>,
}

impl ColumnCells {
    /// Number of cells that held text (neither a number nor missing).
    pub fn text_count(&self) -> usize {
        self.text.as_ref().map_or(0, |t| t.counts.iter().sum())
    }
}

/// A CSV as read: header, a row-major buffer of numbers (NaN where a cell is missing or text), and
/// per-column counts and text cells.
#[derive(Debug, Clone)]
pub struct Table {
    /// The file as the user named it, for messages.
    pub file: PathBuf,
    /// Column names from the header.
    pub headers: Vec<String>,
    /// Row-major values, `rows * headers.len()` long.
    pub values: Vec<f32>,
    /// What each column held.
    pub columns: Vec<ColumnCells>,
    /// Line number of the first cell of each data row (for messages that point at a row).
    pub lines: Vec<u64>,
}

impl Table {
    /// Number of data rows.
    pub fn rows(&self) -> usize {
        self.lines.len()
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.headers.len()
    }

    /// The value of row `r`, column `c` (NaN when missing or text).
    pub fn value(&self, r: usize, c: usize) -> f32 {
        self.values[r * self.cols() + c]
    }

    /// A location in this table's file.
    pub fn location(&self, line: u64, column: usize) -> Location {
        Location {
            file: self.file.clone(),
            line,
            column: Some(self.headers[column].clone()),
        }
    }
}

/// Reads the CSV at `path`.
pub fn read_path(path: &Path, options: &ReadOptions) -> Result<Table> {
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        file: path.to_path_buf(),
        source,
    })?;
    read(file, path, options)
}

/// Reads a CSV from any reader; `name` is used in messages.
pub fn read<R: Read>(input: R, name: &Path, options: &ReadOptions) -> Result<Table> {
    let newlines = Rc::new(RefCell::new(Newlines::default()));
    let counted = LineCounter {
        inner: input,
        offset: 0,
        last: 0,
        newlines: Rc::clone(&newlines),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(options.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(counted);
    let file = name.to_path_buf();
    let csv_error = |e: csv::Error| -> Error {
        let line = e.position().map_or(0, |p| p.line());
        match e.into_kind() {
            csv::ErrorKind::Io(source) => Error::Io {
                file: file.clone(),
                source,
            },
            other => Error::Data {
                location: Location {
                    file: file.clone(),
                    line,
                    column: None,
                },
                message: format!("malformed CSV: {other:?}"),
            },
        }
    };

    let mut record = csv::ByteRecord::new();
    let headers = loop {
        if !reader.read_byte_record(&mut record).map_err(csv_error)? {
            return Err(Error::Dataset {
                file: file.clone(),
                message: "the file is empty; lrfind needs a header row and data rows".into(),
            });
        }
        if !is_blank(&record) {
            break header_names(&record, &file)?;
        }
    };
    let cols = headers.len();
    let na: Vec<String> = DEFAULT_NA_VALUES
        .iter()
        .map(|s| s.to_string())
        .chain(options.na_values.iter().map(|s| s.trim().to_lowercase()))
        .collect();

    let mut table = Table {
        file: file.clone(),
        headers,
        values: Vec::new(),
        columns: vec![ColumnCells::default(); cols],
        lines: Vec::new(),
    };
    while reader.read_byte_record(&mut record).map_err(csv_error)? {
        let line = newlines
            .borrow_mut()
            .line_at(record.position().map_or(0, |p| p.byte()));
        if is_blank(&record) {
            continue;
        }
        if record.len() != cols {
            return Err(Error::Data {
                location: Location {
                    file: file.clone(),
                    line,
                    column: None,
                },
                message: format!(
                    "this row has {} fields but the header has {cols}; every row needs one value per column",
                    record.len()
                ),
            });
        }
        let row = table.lines.len();
        for (c, field) in record.iter().enumerate() {
            let text = std::str::from_utf8(field).map_err(|_| Error::Data {
                location: table.location(line, c),
                message: format!(
                    "the value {} is not valid UTF-8; save the file as UTF-8",
                    String::from_utf8_lossy(field)
                ),
            })?;
            let value = parse_cell(text, &na, &mut table.columns[c], row, line);
            table.values.push(value);
        }
        table.lines.push(line);
    }
    let rows = table.lines.len();
    for column in &mut table.columns {
        if let Some(text) = &mut column.text {
            text.codes.resize(rows, NO_TEXT);
        }
    }
    Ok(table)
}

/// Parses one cell, records what it was in `column`, and returns its numeric value (NaN unless it
/// is a finite number).
fn parse_cell(text: &str, na: &[String], column: &mut ColumnCells, row: usize, line: u64) -> f32 {
    let trimmed = text.trim();
    if let Ok(v) = trimmed.parse::<f32>() {
        if v.is_finite() {
            column.numeric += 1;
            return v;
        }
    }
    if na.iter().any(|m| m.eq_ignore_ascii_case(trimmed)) {
        column.missing += 1;
        if column.first_missing.is_none() {
            column.first_missing = Some((line, text.to_string()));
        }
        return f32::NAN;
    }
    if column.first_text.is_none() {
        column.first_text = Some((line, text.to_string()));
    }
    let cells = column.text.get_or_insert_with(TextCells::default);
    let code = match cells.index.get(trimmed) {
        Some(&code) => code,
        None if cells.levels.len() < MAX_LEVELS => {
            let code = cells.levels.len() as u32;
            cells.levels.push(trimmed.to_string());
            cells.counts.push(0);
            cells.index.insert(trimmed.to_string(), code);
            code
        }
        None => {
            cells.overflowed = true;
            OVERFLOW
        }
    };
    if code != OVERFLOW {
        cells.counts[code as usize] += 1;
    }
    cells.codes.resize(row, NO_TEXT);
    cells.codes.push(code);
    f32::NAN
}

/// Wraps the input to note where its newlines are, so that each record's line number can be told
/// exactly. (The csv crate's own line count is off after blank lines and with CRLF endings.)
struct LineCounter<R> {
    inner: R,
    offset: u64,
    last: u8,
    newlines: Rc<RefCell<Newlines>>,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut newlines = self.newlines.borrow_mut();
        for (i, &b) in buf[..n].iter().enumerate() {
            if b == b'\n' {
                let crlf = if i == 0 { self.last } else { buf[i - 1] } == b'\r';
                newlines.pending.push_back((self.offset + i as u64, crlf));
            }
        }
        if n > 0 {
            self.last = buf[n - 1];
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// Newline offsets read ahead of the record being handled; those behind it are only counted.
#[derive(Debug, Default)]
struct Newlines {
    passed: u64,
    /// Offset of each newline, and whether a carriage return comes right before it.
    pending: VecDeque<(u64, bool)>,
}

impl Newlines {
    /// The 1-based line of the first byte of a record that the csv crate says starts at `byte`.
    /// Records are asked for in order, so newlines behind `byte` are counted and forgotten. The
    /// csv crate puts a record's start before any blank lines that precede it; those (a `\n`,
    /// or `\r\n`, right at the start) are skipped too.
    fn line_at(&mut self, byte: u64) -> u64 {
        while self.pending.front().is_some_and(|&(p, _)| p < byte) {
            self.pending.pop_front();
            self.passed += 1;
        }
        let mut at = byte;
        while let Some(&(p, crlf)) = self.pending.front() {
            if p == at || (crlf && p == at + 1) {
                self.pending.pop_front();
                self.passed += 1;
                at = p + 1;
            } else {
                break;
            }
        }
        self.passed + 1
    }
}

fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}

fn header_names(record: &csv::ByteRecord, file: &Path) -> Result<Vec<String>> {
    record
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let name = std::str::from_utf8(field).map_err(|_| Error::Data {
                location: Location {
                    file: file.to_path_buf(),
                    line: 1,
                    column: Some(format!("#{}", i + 1)),
                },
                message: "the header is not valid UTF-8; save the file as UTF-8".into(),
            })?;
            let name = name.trim().trim_start_matches('\u{feff}').trim();
            Ok(if name.is_empty() {
                format!("column{}", i + 1)
            } else {
                name.to_string()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(s: &str) -> Result<Table> {
        read(s.as_bytes(), Path::new("t.csv"), &ReadOptions::default())
    }

    #[test]
    fn reads_numbers_text_and_missing() {
        let t = read_str("a,b,c\n1, 2.5e1 ,x\n+3,NA,y\n\n4,5,x\n").unwrap();
        assert_eq!(t.headers, ["a", "b", "c"]);
        assert_eq!(t.rows(), 3);
        assert_eq!(t.value(0, 1), 25.0);
        assert_eq!(t.value(1, 0), 3.0);
        assert!(t.value(1, 1).is_nan());
        assert_eq!(t.columns[1].missing, 1);
        assert_eq!(t.columns[1].first_missing, Some((3, "NA".to_string())));
        let text = t.columns[2].text.as_ref().unwrap();
        assert_eq!(text.levels, ["x", "y"]);
        assert_eq!(text.codes, [0, 1, 0]);
        assert_eq!(text.counts, [2, 1]);
        assert_eq!(t.lines, [2, 3, 5]);
    }

    #[test]
    fn line_numbers_survive_blank_lines_crlf_and_quoted_newlines() {
        let t = read_str("a,b\r\n1,2\r\n\r\n3,4\r\n").unwrap();
        assert_eq!(t.lines, [2, 4]);
        let t = read_str("a,b\n\"x\ny\",2\n\n\n3,4\n").unwrap();
        assert_eq!(t.lines, [2, 6]);
        let t = read_str("\u{feff}a,b\n1,2\n").unwrap();
        assert_eq!(t.headers, ["a", "b"]);
    }

    #[test]
    fn ragged_row_names_the_line() {
        let e = read_str("a,b\n1,2\n3\n").unwrap_err().to_string();
        assert!(e.contains("line 3"), "{e}");
        assert!(e.contains("1 fields but the header has 2"), "{e}");
    }

    #[test]
    fn empty_file_is_an_error() {
        let e = read_str("").unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
    }

    #[test]
    fn text_codes_are_padded_to_every_row() {
        let t = read_str("a\nx\n1\n2\n").unwrap();
        assert_eq!(
            t.columns[0].text.as_ref().unwrap().codes,
            [0, NO_TEXT, NO_TEXT]
        );
    }
}
