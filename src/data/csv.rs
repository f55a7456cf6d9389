//! Reading a CSV into a [`Table`]: one pass, one reused record, numbers parsed straight into a
//! single row-major `f32` buffer. Text cells are dictionary-encoded per column, and only for the
//! columns that hold text. Before the pass, `sniff` looks at the first few kilobytes to pick the
//! delimiter. Deciding what each column *is* happens later, in `encode`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::lines::{LineCounter, Newlines};
use super::number::parse_number;
use super::sniff::{detect_delimiter, is_blank, sample};
use crate::error::{Error, Location, Result};

pub use super::options::ReadOptions;

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
    /// Whether `has_header` was decided by looking at the first row (no `header` setting).
    pub header_detected: bool,
    /// The delimiter used.
    pub delimiter: u8,
    /// Whether the delimiter was picked from the first lines (no `delimiter` setting).
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

    /// Whether cell `(r, c)` is missing: not a number and not text.
    pub fn is_missing(&self, r: usize, c: usize) -> bool {
        self.value(r, c).is_nan()
            && self.columns[c]
                .text
                .as_ref()
                .is_none_or(|t| t.codes[r] == NO_TEXT)
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

/// Reads a CSV from any reader; `name` is used in messages.
pub fn read<R: Read>(mut input: R, name: &Path, options: &ReadOptions) -> Result<Table> {
    let file = name.to_path_buf();
    let (head, complete) = sample(&mut input, &file)?;
    let delimiter = options
        .delimiter
        .unwrap_or_else(|| detect_delimiter(&head, complete));
    let newlines = Rc::new(RefCell::new(Newlines::default()));
    let counted = LineCounter::new(Cursor::new(head).chain(input), Rc::clone(&newlines));
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
                if reader.get_ref().odd_quotes() {
                    return Err(unclosed_quote(&file, line));
                }
            }
            return Err(e);
        }
    }
    let last_record_multiline = memchr::memchr2(b'\n', b'\r', record.as_slice()).is_some();
    let counter = reader.into_inner();
    if counter.odd_quotes() && (last_record_multiline || !counter.ends_with_newline()) {
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
    /// Whether one of them is a number (`na_values` = -999), which must then be checked first.
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
