//! Reading a CSV into a [`Table`]: one pass, one reused record, numbers parsed straight into a
//! single row-major `f32` buffer. Text cells are dictionary-encoded per column, and only for the
//! columns that hold text. Before the pass, the first few kilobytes are looked at to pick the
//! delimiter and to tell whether the first row is a header. Deciding what each column *is* happens
//! later, in `encode`.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::io::{Cursor, Read};
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

/// The delimiters tried when none is given, in order of preference on a tie.
pub const DELIMITERS: &[u8] = b",;\t|";

/// How many bytes at the start of the input are looked at to pick the delimiter and the header.
const SAMPLE_BYTES: usize = 64 * 1024;
/// How many records of the sample are compared to pick the delimiter.
const SAMPLE_RECORDS: usize = 20;

/// How to read the file.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Field delimiter; `None` picks one of [`DELIMITERS`] from the first lines.
    pub delimiter: Option<u8>,
    /// Whether the first row is a header; `None` decides from the first row (a row of numbers
    /// only is data).
    pub header: Option<bool>,
    /// Extra spellings of a missing value, beyond [`DEFAULT_NA_VALUES`].
    pub na_values: Vec<String>,
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

/// A CSV as read: header, a row-major buffer of numbers (NaN where a cell is missing or text), and
/// per-column counts and text cells.
#[derive(Debug, Clone)]
pub struct Table {
    /// The file as the user named it, for messages.
    pub file: PathBuf,
    /// Column names from the header (`c0`, `c1`, ... when there is none).
    pub headers: Vec<String>,
    /// Which columns had an empty name in the header (typically a saved row index).
    pub unnamed: Vec<bool>,
    /// Whether the first row was a header.
    pub has_header: bool,
    /// Whether `has_header` was decided by looking at the first row (no `--no-header`).
    pub header_detected: bool,
    /// The delimiter used.
    pub delimiter: u8,
    /// Whether the delimiter was picked from the first lines (no `--delimiter`).
    pub delimiter_detected: bool,
    /// Row-major values, `rows * headers.len()` long.
    pub values: Vec<f32>,
    /// What each column held.
    pub columns: Vec<ColumnCells>,
    /// Number of data rows.
    pub rows: usize,
    /// Line number of the last data row (for messages about the file as a whole).
    pub last_line: u64,
}

impl Table {
    /// Number of data rows.
    pub fn rows(&self) -> usize {
        self.rows
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

/// Reads the CSV at `path`: `-` is standard input, and a name ending in `.gz` is decompressed as
/// it is read.
pub fn read_path(path: &Path, options: &ReadOptions) -> Result<Table> {
    let io_error = |source| Error::Io {
        file: path.to_path_buf(),
        source,
    };
    let input: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).map_err(io_error)?)
    };
    let gz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let input = std::io::BufReader::with_capacity(256 * 1024, input);
    // Messages name standard input as such rather than as "-".
    let name = if path.as_os_str() == "-" {
        Path::new("<stdin>")
    } else {
        path
    };
    if gz {
        read(flate2::bufread::MultiGzDecoder::new(input), name, options)
    } else {
        read(input, name, options)
    }
}

/// Reads up to [`SAMPLE_BYTES`] from the start of `input`, without a UTF-8 byte order mark.
/// Returns the sample and whether the input ended within it.
fn sample<R: Read>(input: &mut R, file: &Path) -> Result<(Vec<u8>, bool)> {
    let mut buf = Vec::with_capacity(SAMPLE_BYTES);
    let complete = loop {
        let before = buf.len();
        let n = input
            .by_ref()
            .take((SAMPLE_BYTES - before) as u64)
            .read_to_end(&mut buf)
            .map_err(|source| Error::Io {
                file: file.to_path_buf(),
                source,
            })?;
        if n == 0 {
            break true;
        }
        if buf.len() >= SAMPLE_BYTES {
            break false;
        }
    };
    if buf.starts_with(b"\xEF\xBB\xBF") {
        buf.drain(..3);
    }
    Ok((buf, complete))
}

/// Picks the delimiter that splits the sample's records into the most fields, the same number on
/// every record; a comma when none splits it at all.
pub fn detect_delimiter(sample: &[u8], complete: bool) -> u8 {
    let mut best = (b',', 1usize);
    for &d in DELIMITERS {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(d)
            .has_headers(false)
            .flexible(true)
            .from_reader(sample);
        let mut counts = Vec::new();
        let mut record = csv::ByteRecord::new();
        while counts.len() < SAMPLE_RECORDS
            && matches!(reader.read_byte_record(&mut record), Ok(true))
        {
            if !is_blank(&record) {
                counts.push(record.len());
            }
        }
        // A sample cut short may end in half a record.
        if !complete && counts.len() > 1 {
            counts.pop();
        }
        let Some(&first) = counts.first() else {
            continue;
        };
        if counts.iter().all(|&n| n == first) && first > best.1 {
            best = (d, first);
        }
    }
    best.0
}

/// Reads a CSV from any reader; `name` is used in messages.
pub fn read<R: Read>(mut input: R, name: &Path, options: &ReadOptions) -> Result<Table> {
    let file = name.to_path_buf();
    let (head, complete) = sample(&mut input, &file)?;
    let delimiter = options
        .delimiter
        .unwrap_or_else(|| detect_delimiter(&head, complete));
    let newlines = Rc::new(RefCell::new(Newlines::default()));
    let counted = LineCounter {
        inner: Cursor::new(head).chain(input),
        offset: 0,
        last: 0,
        quotes: 0,
        newlines: Rc::clone(&newlines),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(counted);
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
                message: format!("malformed CSV: {other:?}").into(),
            },
        }
    };

    let mut record = csv::ByteRecord::new();
    let first_line = loop {
        if !reader.read_byte_record(&mut record).map_err(csv_error)? {
            return Err(Error::Dataset {
                file: file.clone(),
                message: "the file is empty; lrfind needs a header row and data rows".into(),
            });
        }
        if !is_blank(&record) {
            break newlines
                .borrow_mut()
                .line_at(record.position().map_or(0, |p| p.byte()));
        }
    };
    let na: Vec<String> = DEFAULT_NA_VALUES
        .iter()
        .map(|s| s.to_string())
        .chain(options.na_values.iter().map(|s| s.trim().to_lowercase()))
        .collect();
    let na = Na {
        numeric: na.iter().any(|m| parse_number(m.as_bytes()).is_some()),
        words: na,
    };
    let has_header = options
        .header
        .unwrap_or_else(|| !record.iter().all(|f| parse_number(f).is_some()));
    let cols = record.len();
    let (headers, unnamed) = if has_header {
        header_names(&record, &file, first_line)?
    } else {
        (
            (0..cols).map(|i| format!("c{i}")).collect(),
            vec![false; cols],
        )
    };
    let mut table = Table {
        file: file.clone(),
        headers,
        unnamed,
        has_header,
        header_detected: options.header.is_none(),
        delimiter,
        delimiter_detected: options.delimiter.is_none(),
        values: Vec::new(),
        columns: vec![ColumnCells::default(); cols],
        rows: 0,
        last_line: first_line,
    };
    if !has_header {
        push_row(&mut table, &record, first_line, &na)?;
    }
    // Two records in turn, so that the last one is still at hand when the input ends.
    let mut next = csv::ByteRecord::new();
    while reader.read_byte_record(&mut next).map_err(csv_error)? {
        std::mem::swap(&mut record, &mut next);
        let line = newlines
            .borrow_mut()
            .line_at(record.position().map_or(0, |p| p.byte()));
        if is_blank(&record) {
            continue;
        }
        if let Err(e) = push_row(&mut table, &record, line, &na) {
            // A quote never closed swallows the lines after it, which usually shows first as a
            // ragged row: read on to the end to tell the two apart.
            if memchr::memchr2(b'\n', b'\r', record.as_slice()).is_some() {
                while let Ok(true) = reader.read_byte_record(&mut next) {}
                if reader.get_ref().quotes % 2 == 1 {
                    return Err(unclosed_quote(&file, line));
                }
            }
            return Err(e);
        }
    }
    let last_record_multiline = memchr::memchr2(b'\n', b'\r', record.as_slice()).is_some();
    let counter = reader.into_inner();
    if counter.quotes % 2 == 1 && (last_record_multiline || counter.last != b'\n') {
        return Err(unclosed_quote(&file, table.last_line));
    }
    let rows = table.rows;
    for column in &mut table.columns {
        if let Some(text) = &mut column.text {
            text.codes.resize(rows, NO_TEXT);
        }
    }
    table.values.shrink_to_fit();
    Ok(table)
}

fn unclosed_quote(file: &Path, line: u64) -> Error {
    Error::Data {
        location: Location {
            file: file.to_path_buf(),
            line,
            column: None,
        },
        message: "a quoted field starting on this line is never closed; add the closing \" or remove the opening one".into(),
    }
}

/// Appends one data record to the table, or says why it cannot be.
fn push_row(table: &mut Table, record: &csv::ByteRecord, line: u64, na: &Na) -> Result<()> {
    let cols = table.cols();
    if record.len() != cols {
        return Err(Error::Data {
            location: Location {
                file: table.file.clone(),
                line,
                column: None,
            },
            message: format!(
                "this row has {} fields but the header has {cols}; every row needs one value per column (quote values that contain the delimiter)",
                record.len()
            ).into(),
        });
    }
    let row = table.rows;
    for (c, field) in record.iter().enumerate() {
        let number = parse_number(field).filter(|_| !(na.numeric && na.matches(field)));
        let value = match number {
            Some(v) => {
                table.columns[c].numeric += 1;
                v
            }
            None => {
                let text = std::str::from_utf8(field).map_err(|_| Error::Data {
                    location: table.location(line, c),
                    message: format!(
                        "the value '{}' is not valid UTF-8; save the file as UTF-8",
                        String::from_utf8_lossy(field)
                    )
                    .into(),
                })?;
                parse_text(text, &na.words, &mut table.columns[c], row, line)
            }
        };
        table.values.push(value);
    }
    table.rows += 1;
    table.last_line = line;
    Ok(())
}

/// The spellings of a missing value, lower-case.
struct Na {
    words: Vec<String>,
    /// Whether one of them is a number (`--na-values -999`), which must then be checked first.
    numeric: bool,
}

impl Na {
    fn matches(&self, field: &[u8]) -> bool {
        let trimmed = field.trim_ascii();
        self.words
            .iter()
            .any(|m| m.as_bytes().eq_ignore_ascii_case(trimmed))
    }
}

/// A finite number written in the cell, allowing spaces around it, a leading `+` and exponents.
fn parse_number(field: &[u8]) -> Option<f32> {
    let trimmed = field.trim_ascii();
    let first = *trimmed.first()?;
    // Every number starts with a digit, a sign or a point; this keeps words away from the parser
    // (which would read "inf" and "NaN").
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return None;
    }
    if let Some(v) = parse_plain_decimal(trimmed) {
        return Some(v);
    }
    // Only ASCII reaches here as a number: the parser rejects anything else.
    let text = std::str::from_utf8(trimmed).ok()?;
    text.parse::<f32>().ok().filter(|v| v.is_finite())
}

/// Powers of ten exactly representable in an f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The fast path for the most common cells: an optional sign, at most 15 digits and an optional
/// point, no exponent. The digits make an exact integer `m` below 2^53 and the scale an exact power
/// of ten, so `m / 10^k` in f64 is correctly rounded (Clinger's fast path). Rounding that f64 to
/// f32 is then correct too, unless it sits exactly halfway between two f32s; that case, and
/// anything else, is left to the standard parser (`None`).
fn parse_plain_decimal(s: &[u8]) -> Option<f32> {
    let (negative, s) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let mut mantissa: u64 = 0;
    let mut digits = 0;
    let mut scale = 0;
    let mut point = false;
    for &b in s {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                digits += 1;
                scale += usize::from(point);
                if digits > 15 {
                    return None;
                }
            }
            b'.' if !point => point = true,
            _ => return None,
        }
    }
    if digits == 0 {
        return None;
    }
    let wide = mantissa as f64 / POW10[scale];
    let narrow = wide as f32;
    // Halfway between two f32s: the 29 bits an f32 drops are exactly 1000...0.
    if f64::from(narrow) != wide && wide.to_bits() & ((1 << 29) - 1) == 1 << 28 {
        return None;
    }
    Some(if negative { -narrow } else { narrow })
}

/// Records a cell that is not a number in `column`: missing or text. Returns NaN.
fn parse_text(text: &str, na: &[String], column: &mut ColumnCells, row: usize, line: u64) -> f32 {
    let trimmed = text.trim();
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
    /// Number of `"` seen: odd at the end means a quote was never closed.
    quotes: u64,
    newlines: Rc<RefCell<Newlines>>,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut newlines = self.newlines.borrow_mut();
        for i in memchr::memchr_iter(b'\n', &buf[..n]) {
            let crlf = if i == 0 { self.last } else { buf[i - 1] } == b'\r';
            newlines.pending.push_back((self.offset + i as u64, crlf));
        }
        self.quotes += memchr::memchr_iter(b'"', &buf[..n]).count() as u64;
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

/// The header's names, trimmed; an empty name becomes `c<index>` and is marked unnamed.
fn header_names(
    record: &csv::ByteRecord,
    file: &Path,
    line: u64,
) -> Result<(Vec<String>, Vec<bool>)> {
    let mut names = Vec::with_capacity(record.len());
    let mut unnamed = Vec::with_capacity(record.len());
    for (i, field) in record.iter().enumerate() {
        let name = std::str::from_utf8(field).map_err(|_| Error::Data {
            location: Location {
                file: file.to_path_buf(),
                line,
                column: Some(format!("#{}", i + 1)),
            },
            message: "the header is not valid UTF-8; save the file as UTF-8".into(),
        })?;
        let name = name.trim();
        unnamed.push(name.is_empty());
        names.push(if name.is_empty() {
            format!("c{i}")
        } else {
            name.to_string()
        });
    }
    Ok((names, unnamed))
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
        assert_eq!(t.last_line, 5);
    }

    #[test]
    fn line_numbers_survive_blank_lines_crlf_and_quoted_newlines() {
        let t = read_str("a,b\r\n1,2\r\n\r\nx,4\r\n").unwrap();
        assert_eq!(t.columns[0].first_text, Some((4, "x".to_string())));
        assert_eq!(t.last_line, 4);
        let t = read_str("a,b\n\"x\ny\",2\n\n\n3,w\n").unwrap();
        assert_eq!(t.columns[1].first_text, Some((6, "w".to_string())));
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

    #[test]
    fn delimiter_is_detected_and_can_be_forced() {
        for (d, text) in [
            (b';', "a;b;c\n1,5;2;3\n4;5;6\n"),
            (b'\t', "a\tb\n1\t2\n"),
            (b'|', "a|b\n\"x|y\"|2\n"),
            (b',', "a,b\n1,2\n"),
        ] {
            let t = read_str(text).unwrap();
            assert_eq!(t.delimiter, d, "{text:?}");
            assert!(t.delimiter_detected);
        }
        let t = read_str("a;b\n1;2\n").unwrap();
        assert_eq!(t.headers, ["a", "b"]);
        let forced = ReadOptions {
            delimiter: Some(b','),
            ..ReadOptions::default()
        };
        let t = read("a;b\n1;2\n".as_bytes(), Path::new("t.csv"), &forced).unwrap();
        assert_eq!(t.headers, ["a;b"]);
    }

    #[test]
    fn header_is_detected_or_refused() {
        let t = read_str("1,2\n3,4\n").unwrap();
        assert!(!t.has_header && t.header_detected);
        assert_eq!(t.headers, ["c0", "c1"]);
        assert_eq!(t.rows(), 2);
        assert_eq!(t.value(0, 1), 2.0);
        let no_header = ReadOptions {
            header: Some(false),
            ..ReadOptions::default()
        };
        let t = read("x,2\ny,4\n".as_bytes(), Path::new("t.csv"), &no_header).unwrap();
        assert_eq!(t.rows(), 2);
        assert!(!t.header_detected);
        let t = read_str(",a,b\n0,1,2\n").unwrap();
        assert_eq!(t.headers, ["c0", "a", "b"]);
        assert_eq!(t.unnamed, [true, false, false]);
    }

    #[test]
    fn quoted_fields_keep_delimiters_quotes_and_newlines() {
        let t = read_str("a,b\n\"x, \"\"y\"\"\nz\",1\n").unwrap();
        let text = t.columns[0].text.as_ref().unwrap();
        assert_eq!(text.levels, ["x, \"y\"\nz"]);
        assert_eq!(t.value(0, 1), 1.0);
    }

    #[test]
    fn unclosed_quote_is_an_error_at_its_line() {
        let e = read_str("a,b\n1,2\n3,\"4\n5,6\n").unwrap_err().to_string();
        assert!(e.contains("line 3") && e.contains("never closed"), "{e}");
        let e = read_str("a,b\n1,\"2").unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("never closed"), "{e}");
        let e = read_str("a,b,c\n1,2,3\n4,\"5,6\n7,8,9\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("never closed"), "{e}");
    }

    #[test]
    fn invalid_utf8_names_line_and_column() {
        let e = read(
            &b"a,b\n1,\xff\xfe\n"[..],
            Path::new("t.csv"),
            &ReadOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("line 2, column 'b'") && e.contains("UTF-8"),
            "{e}"
        );
    }

    #[test]
    fn fast_decimal_path_matches_the_standard_parser() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let digits = (state % 15) as usize + 1;
            let scale = (state >> 8) as usize % (digits + 1);
            let mut text = format!(
                "{:0width$}",
                (state >> 16) % 10u64.pow(digits as u32),
                width = digits
            );
            if scale > 0 {
                text.insert(digits - scale, '.');
            }
            if state & (1 << 60) != 0 {
                text.insert(0, '-');
            }
            let fast = parse_plain_decimal(text.as_bytes());
            let std = text.parse::<f32>().unwrap();
            if let Some(fast) = fast {
                assert_eq!(fast.to_bits(), std.to_bits(), "{text}");
            }
        }
        // 2^24 + 1 lies halfway between two f32s: left to the standard parser.
        assert_eq!(parse_plain_decimal(b"16777217"), None);
        assert_eq!(parse_number(b"16777217"), Some(16_777_216.0));
        assert_eq!(parse_plain_decimal(b"-0.5"), Some(-0.5));
        assert_eq!(parse_plain_decimal(b"."), None);
        assert_eq!(parse_plain_decimal(b"1e5"), None);
    }

    #[test]
    fn extra_na_values_and_number_spellings() {
        let options = ReadOptions {
            na_values: vec!["-999".into(), "missing".into()],
            ..ReadOptions::default()
        };
        let t = read(
            "a,b\n-999,MISSING\n+1e3, .5 \ninf,nan\n".as_bytes(),
            Path::new("t.csv"),
            &options,
        )
        .unwrap();
        assert_eq!(t.columns[0].missing, 1);
        assert_eq!(t.columns[1].missing, 2);
        assert_eq!(t.value(1, 0), 1000.0);
        assert_eq!(t.value(1, 1), 0.5);
        assert_eq!(t.columns[0].text.as_ref().unwrap().levels, ["inf"]);
    }
}
