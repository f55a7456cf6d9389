//! Reading a CSV into a [`Table`]: one pass, numbers parsed straight into a single row-major `f32`
//! buffer (a column holding a number beyond f32's range also keeps its values in f64), text cells
//! dictionary-encoded per column, only for the columns that hold text. Before the pass, `input`
//! gets the text out of the bytes and `sniff` picks the delimiter and the decimal separator.
//!
//! A file with more data rows than `max_rows` is sampled: the first `max_rows` rows are read as
//! usual, then each later row may replace one of them (`sample`), and the rows that do not are
//! only scanned for where they end, never parsed. Deciding what each column *is* happens later,
//! in `encode`.
//!
//! A Parquet or Arrow file met here (told by its first bytes) is handed to `columnar`, which reads
//! it into the same [`Table`].

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;

use super::columnar;
use super::dataset::MIN_ROWS;
use super::input::{columnar_kind, open, open_path, FileKind, Opened, Source, Text};
use super::number::{parse_dressed, parse_number, Dress, Number};
use super::options::Decimal;
use super::sample::{self, Reservoir};
use super::scan::{Record, ScanError, Scanner};
use super::sniff::{detect_decimal, detect_delimiter};
use crate::error::{Error, Location, Message, Result, Setting, Unit};

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

impl TextCells {
    /// Sets row `row`'s code, padding rows before it that hold no text.
    fn set(&mut self, row: usize, code: u32) {
        if self.codes.len() <= row {
            self.codes.resize(row + 1, NO_TEXT);
        }
        self.codes[row] = code;
    }
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
    /// The numbers written as exports format them (`$1,234.50`, `12.5%`, `(123)`), if any.
    pub dressed: Option<Dressed>,
    /// Why none of the column's values were read, when its type holds neither numbers nor text (a
    /// date or a nested column of a Parquet or Arrow file): the column is dropped for this reason.
    pub unread: Option<Message>,
}

/// The numbers of one column that were written as exports format them, read as numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Dressed {
    /// Every way they were dressed.
    pub dress: Dress,
    /// Line and text of the first.
    pub first: (u64, String),
    /// Line and text of the first with one group separator and no fraction (`1,234`), which
    /// could be a decimal separator of the other kind.
    pub first_ambiguous: Option<(u64, String)>,
    /// Whether one had group separators that cannot be a decimal one (`1,234,567`, `1,234.5`).
    pub clear_groups: bool,
}

impl ColumnCells {
    /// Counts a dressed number of `dress`, written `field` on `line`.
    fn dressed(&mut self, dress: Dress, line: u64, field: &[u8]) {
        let text = || (line, String::from_utf8_lossy(field).trim().to_string());
        let d = self.dressed.get_or_insert_with(|| Dressed {
            dress,
            first: text(),
            first_ambiguous: None,
            clear_groups: false,
        });
        d.dress = d.dress.or(dress);
        if dress.ambiguous && d.first_ambiguous.is_none() {
            d.first_ambiguous = Some(text());
        }
        d.clear_groups |= dress.grouped && !dress.ambiguous;
    }
}

/// A CSV (or a Parquet or Arrow file) as read: header, a row-major buffer of numbers (NaN where a
/// cell is missing or text), and per-column counts and text cells.
#[derive(Debug, Clone)]
pub struct Table {
    /// The file as the user named it, for messages.
    pub file: PathBuf,
    /// What kind of file it is. For a Parquet or Arrow file, the header, delimiter and decimal
    /// fields are those a CSV of the same table would have (a header, `,`, `.`), none detected.
    pub kind: FileKind,
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
    /// The decimal separator used.
    pub decimal: Decimal,
    /// Row-major values, `rows * headers.len()` long. A number of a wide column is 0 here; its
    /// value is in `wide`.
    pub values: Vec<f32>,
    /// For each column that holds a number beyond f32's range, every row's value in f64 (NaN
    /// where missing or text).
    pub wide: Vec<Option<Vec<f64>>>,
    /// What each column held.
    pub columns: Vec<ColumnCells>,
    /// Number of data rows read.
    pub rows: usize,
    /// Number of data rows in the file (more than `rows` when it was sampled).
    pub rows_in_file: usize,
    /// When the file was sampled, each row's index among the file's data rows (in order).
    pub ordinals: Option<Vec<u64>>,
    /// What reading decided on its own (a decimal comma, a sample, a decoding), for the summary.
    pub notes: Vec<Message>,
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

    /// The f32 cell of row `r`, column `c`: NaN when missing or text, 0 for a number of a wide
    /// column (see [`number`](Self::number)).
    pub fn value(&self, r: usize, c: usize) -> f32 {
        self.values[r * self.cols() + c]
    }

    /// The number in row `r`, column `c`, in f64 (NaN when missing or text).
    pub fn number(&self, r: usize, c: usize) -> f64 {
        match &self.wide[c] {
            Some(wide) => wide[r],
            None => f64::from(self.value(r, c)),
        }
    }

    /// Whether column `c` holds a number beyond f32's range, so its values live in f64.
    pub fn is_wide(&self, c: usize) -> bool {
        self.wide[c].is_some()
    }

    /// Whether cell `(r, c)` is missing: not a number and not text.
    pub fn is_missing(&self, r: usize, c: usize) -> bool {
        self.value(r, c).is_nan()
            && self.columns[c]
                .text
                .as_ref()
                .is_none_or(|t| t.codes[r] == NO_TEXT)
    }

    /// Row `r`'s index among the file's data rows (`r` itself unless the file was sampled).
    pub fn ordinal(&self, r: usize) -> u64 {
        self.ordinals.as_ref().map_or(r as u64, |o| o[r])
    }

    /// Whether the rows are a sample of the file's.
    pub fn sampled(&self) -> bool {
        self.ordinals.is_some()
    }

    /// A location in this table's file: `line` is a line of a CSV, a 1-based data row of a Parquet
    /// or Arrow file.
    pub fn location(&self, line: u64, column: usize) -> Location {
        Location {
            file: self.file.clone(),
            line,
            unit: match self.kind {
                FileKind::Csv => Unit::Line,
                _ => Unit::Row,
            },
            column: Some(self.headers[column].clone()),
        }
    }
}

/// Reads the CSV at `path`: `-` is standard input; gzip and UTF-16 are undone as they are read. A
/// Parquet or Arrow file is read too, only the parts it needs from a file on disk.
pub fn read_path(path: &Path, options: &ReadOptions) -> Result<Table> {
    read_path_with_progress(path, options, &ProgressBar::hidden())
}

/// [`read_path`], counting the bytes read on `progress` (whose length is set to the file's size).
pub fn read_path_with_progress(
    path: &Path,
    options: &ReadOptions,
    progress: &ProgressBar,
) -> Result<Table> {
    match open_path(path, progress)? {
        Source::File(mut file) => {
            if let Some(kind) = columnar_kind(&mut file, path)? {
                check(options)?;
                let table =
                    columnar::read(columnar::Input::File(file), kind, path, options, Vec::new())?;
                progress.set_position(progress.length().unwrap_or(0));
                return Ok(table);
            }
            read_with_progress(file, path, options, progress)
        }
        // Messages name standard input as such rather than as "-".
        Source::Stdin(stdin) => read_with_progress(stdin, Path::new("<stdin>"), options, progress),
    }
}

/// Reads a CSV from any reader; `name` is used in messages.
pub fn read<R: Read>(input: R, name: &Path, options: &ReadOptions) -> Result<Table> {
    read_with_progress(input, name, options, &ProgressBar::hidden())
}

/// The spellings of a missing value, lower-case: the defaults and `na_values`.
pub(super) fn na_words(options: &ReadOptions) -> Vec<String> {
    DEFAULT_NA_VALUES
        .iter()
        .map(|s| s.to_string())
        .chain(options.na_values.iter().map(|s| s.trim().to_lowercase()))
        .collect()
}

/// Checks the reading options that can be wrong whatever the file.
pub(super) fn check(options: &ReadOptions) -> Result<()> {
    if let Some(max) = options.max_rows {
        if max < MIN_ROWS {
            return Err(Error::config(
                Setting::MaxRows,
                format!("{max} is below {MIN_ROWS}, the fewest rows a range test runs on"),
            ));
        }
    }
    if let Some(d) = options.delimiter {
        if matches!(d, b'"' | b'\n' | b'\r') {
            return Err(Error::config(
                Setting::Delimiter,
                format!("{:?} cannot separate fields", char::from(d)),
            ));
        }
    }
    Ok(())
}

/// [`read`], counting the bytes read from `input` on `progress`.
pub fn read_with_progress<R: Read>(
    input: R,
    name: &Path,
    options: &ReadOptions,
    progress: &ProgressBar,
) -> Result<Table> {
    check(options)?;
    let file = name.to_path_buf();
    let layer_notes = |layers: &[&str]| -> Vec<Message> {
        layers
            .iter()
            .map(|layer| Message::new(format!("the input is {layer}")))
            .collect()
    };
    let opened = match open(input, &file, progress)? {
        Opened::Text(text) => text,
        Opened::Columnar {
            kind,
            bytes,
            layers,
        } => {
            let notes = layer_notes(&layers);
            return columnar::read(columnar::Input::Memory(bytes), kind, name, options, notes);
        }
    };
    let mut notes = layer_notes(&opened.layers);
    let delimiter = options
        .delimiter
        .unwrap_or_else(|| detect_delimiter(&opened.head, opened.complete));
    let words = na_words(options);
    let decimal = choose_decimal(
        options.decimal,
        &opened,
        delimiter,
        options.header,
        &words,
        &file,
        &mut notes,
    )?;
    let na = Na {
        numeric: words
            .iter()
            .any(|m| parse_number(m.as_bytes(), decimal).is_some()),
        words,
        decimal,
    };
    let mut scanner = Scanner::new(opened.rest, opened.head, delimiter);
    let scan_error = |e| scan_error(&file, e);

    let mut record = Record::new();
    let first_line = loop {
        match scanner.next_record(&mut record).map_err(scan_error)? {
            None => {
                return Err(Error::dataset(
                    file.clone(),
                    "the file is empty; lrfind needs a header row and data rows",
                ))
            }
            Some(line) if !record.is_blank() => break line,
            Some(_) => {}
        }
    };
    let has_header = options
        .header
        .unwrap_or_else(|| !record.iter().all(|f| parse_number(f, decimal).is_some()));
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
        kind: FileKind::Csv,
        headers,
        unnamed,
        has_header,
        header_detected: options.header.is_none(),
        delimiter,
        delimiter_detected: options.delimiter.is_none(),
        decimal,
        values: Vec::new(),
        wide: vec![None; cols],
        columns: vec![ColumnCells::default(); cols],
        rows: 0,
        rows_in_file: 0,
        ordinals: None,
        notes,
    };
    if !has_header {
        table.push_row(&record, first_line, &na)?;
    }
    let max_rows = options.max_rows.unwrap_or(usize::MAX);
    while let Some(line) = scanner.next_record(&mut record).map_err(scan_error)? {
        if record.is_blank() {
            continue;
        }
        if table.rows == max_rows {
            sample_rest(
                &mut table,
                &mut scanner,
                &mut record,
                line,
                &na,
                options.seed,
            )
            .map_err(|e| match e {
                Stop::Scan(e) => scan_error(e),
                Stop::Row(e) => e,
            })?;
            break;
        }
        table.push_row(&record, line, &na)?;
    }
    if !table.sampled() {
        table.rows_in_file = table.rows;
    }
    let rows = table.rows;
    for column in &mut table.columns {
        if let Some(text) = &mut column.text {
            text.codes.resize(rows, NO_TEXT);
        }
    }
    table.values.shrink_to_fit();
    table.read_dressed(options.decimal.is_some())?;
    Ok(table)
}

/// Why sampling stopped early.
enum Stop {
    Scan(ScanError),
    Row(Error),
}

/// Samples the rest of the file into `table`, which holds its first `max_rows` rows; `record`
/// (on `line`) is the row after them. Each later row replaces one of the table's as the reservoir
/// says (seeded by `seed`); the rows it passes over are scanned, not parsed.
fn sample_rest<R: Read>(
    table: &mut Table,
    scanner: &mut Scanner<R>,
    record: &mut Record,
    line: u64,
    na: &Na,
    seed: u64,
) -> Result<(), Stop> {
    let max_rows = table.rows;
    let mut reservoir = Reservoir::new(max_rows, seed);
    table.start_sampling();
    // The data rows of the file met so far; `record` is row `seen` when it is pending.
    let mut seen = max_rows as u64;
    let mut pending = Some(line);
    'file: loop {
        if let Some(line) = pending.take() {
            if seen == reservoir.next() {
                let slot = reservoir.take();
                table
                    .replace_row(slot, record, line, seen, na)
                    .map_err(Stop::Row)?;
            }
            seen += 1;
        }
        while seen < reservoir.next() {
            match scanner.skip_record().map_err(Stop::Scan)? {
                None => break 'file,
                Some(blank) => seen += u64::from(!blank),
            }
        }
        pending = loop {
            match scanner.next_record(record).map_err(Stop::Scan)? {
                None => break 'file,
                Some(line) if !record.is_blank() => break Some(line),
                Some(_) => {}
            }
        };
    }
    table.finish_sampling(seen as usize);
    table.notes.push(sample::note(seen, max_rows));
    Ok(())
}

impl Table {
    /// Says what was done with the numbers written as exports format them, one note per
    /// column; or stops at a column whose group separators could be decimal ones (`1,234` and
    /// integers only: 1234 or 1.234?) when `decimal` was not set. A number with a fraction
    /// elsewhere in the column, or a group separator that cannot be a decimal one, tells.
    fn read_dressed(&mut self, decimal_set: bool) -> Result<()> {
        let (group, other) = match self.decimal {
            Decimal::Point => (',', Decimal::Comma),
            Decimal::Comma => ('.', Decimal::Point),
        };
        for c in 0..self.cols() {
            let Some(d) = self.columns[c].dressed.clone() else {
                continue;
            };
            let fraction = || (0..self.rows).any(|r| self.number(r, c).fract() != 0.0);
            if let Some((line, value)) = &d.first_ambiguous {
                if !decimal_set && !d.clear_groups && !fraction() {
                    let grouped = value.replace(group, "");
                    let decimal = value.replace(group, ".");
                    return Err(Error::data(
                        self.location(*line, c),
                        Message::new(format!(
                            "'{value}' may be {grouped} with a thousands separator or {decimal} with a decimal {}, and no value in the column tells which; set ",
                            other.name()
                        ))
                        .setting_value(Setting::Decimal, self.decimal.to_string())
                        .text(format!(" if the {} separates thousands, or ", other.name()))
                        .setting_value(Setting::Decimal, other.to_string())
                        .text(format!(" if it is a decimal {}", other.name())),
                    ));
                }
            }
            let mut how = Vec::new();
            if d.dress.currency {
                how.push("without the currency sign".to_string());
            }
            if d.dress.grouped {
                how.push(format!("without the thousands separators ('{group}')"));
            }
            if d.dress.parentheses {
                how.push("in parentheses as negative".to_string());
            }
            if d.dress.percent {
                how.push("a percentage as its fraction (12.5% is 0.125)".to_string());
            }
            let (line, value) = &d.first;
            self.notes.push(Message::new(format!(
                "column '{}' holds numbers as exports format them ('{value}' on line {line}): read as numbers, {}",
                self.headers[c],
                how.join(", ")
            )));
        }
        Ok(())
    }

    /// Appends one data record, or says why it cannot be.
    fn push_row(&mut self, record: &Record, line: u64, na: &Na) -> Result<()> {
        self.check_width(record, line)?;
        let row = self.rows;
        self.values
            .resize(self.values.len() + self.cols(), f32::NAN);
        self.write_row(row, record, line, na)?;
        self.rows += 1;
        Ok(())
    }

    /// Puts record `ordinal` of the file in place of row `row`, whose counts are taken back.
    fn replace_row(
        &mut self,
        row: usize,
        record: &Record,
        line: u64,
        ordinal: u64,
        na: &Na,
    ) -> Result<()> {
        self.check_width(record, line)?;
        for c in 0..self.cols() {
            let column = &mut self.columns[c];
            if !self.values[row * self.headers.len() + c].is_nan() {
                column.numeric -= 1;
                continue;
            }
            let code = column.text.as_ref().and_then(|t| t.codes.get(row).copied());
            match (code, &mut column.text) {
                (Some(OVERFLOW), _) => {}
                (Some(code), Some(text)) if code != NO_TEXT => text.counts[code as usize] -= 1,
                _ => column.missing -= 1,
            }
        }
        self.write_row(row, record, line, na)?;
        if let Some(ordinals) = &mut self.ordinals {
            ordinals[row] = ordinal;
        }
        Ok(())
    }

    fn check_width(&self, record: &Record, line: u64) -> Result<()> {
        let cols = self.cols();
        if record.len() == cols {
            return Ok(());
        }
        Err(Error::data(
            Location {
                file: self.file.clone(),
                line,
                unit: Unit::Line,
                column: None,
            },
            format!(
                "this row has {} fields but the header has {cols}; every row needs one value per column (quote values that contain the delimiter)",
                record.len()
            ),
        ))
    }

    /// Parses `record` into row `row` (which exists in `values`), counting its cells.
    fn write_row(&mut self, row: usize, record: &Record, line: u64, na: &Na) -> Result<()> {
        let cols = self.cols();
        for (c, field) in record.iter().enumerate() {
            let number = parse_number(field, na.decimal)
                .filter(|_| !(na.numeric && na.matches(field)))
                .or_else(|| {
                    // A number as an export formats it, unless it spells a missing value.
                    let (number, dress) = parse_dressed(field, na.decimal)?;
                    if na.matches(field) {
                        return None;
                    }
                    self.columns[c].dressed(dress, line, field);
                    Some(number)
                });
            let cell = row * cols + c;
            let wide = match number {
                Some(Number::Narrow(v)) => {
                    self.values[cell] = v;
                    f64::from(v)
                }
                Some(Number::Wide(v)) => {
                    self.values[cell] = 0.0;
                    if self.wide[c].is_none() {
                        // Rows before this one become f64 too (exactly: f32 to f64 is exact).
                        let earlier = (0..self.rows.max(row))
                            .map(|r| f64::from(self.values[r * cols + c]))
                            .collect();
                        self.wide[c] = Some(earlier);
                    }
                    v
                }
                None => {
                    let text = std::str::from_utf8(field).map_err(|_| {
                        Error::data(
                            self.location(line, c),
                            format!(
                                "the value '{}' is not valid UTF-8; save the file as UTF-8",
                                String::from_utf8_lossy(field)
                            ),
                        )
                    })?;
                    parse_text(text, &na.words, &mut self.columns[c], row, line);
                    self.values[cell] = f32::NAN;
                    f64::NAN
                }
            };
            if number.is_some() {
                self.columns[c].numeric += 1;
                // A replaced row's old text is gone.
                if let Some(text) = &mut self.columns[c].text {
                    if text.codes.len() > row {
                        text.codes[row] = NO_TEXT;
                    }
                }
            }
            if let Some(values) = &mut self.wide[c] {
                if values.len() <= row {
                    values.resize(row + 1, f64::NAN);
                }
                values[row] = wide;
            }
        }
        Ok(())
    }

    /// From here on, rows are replaced: every text column gets a code for every row, and each row
    /// its index in the file.
    fn start_sampling(&mut self) {
        let rows = self.rows;
        for column in &mut self.columns {
            if let Some(text) = &mut column.text {
                text.codes.resize(rows, NO_TEXT);
            }
        }
        self.ordinals = Some((0..rows as u64).collect());
    }

    /// Puts the sampled rows back in the file's order and forgets the text no row holds any more.
    fn finish_sampling(&mut self, rows_in_file: usize) {
        self.rows_in_file = rows_in_file;
        let ordinals = self.ordinals.take().expect("sampling started");
        let mut order: Vec<usize> = (0..self.rows).collect();
        order.sort_unstable_by_key(|&r| ordinals[r]);
        let cols = self.cols();
        let mut values = Vec::with_capacity(self.values.len());
        for &r in &order {
            values.extend_from_slice(&self.values[r * cols..(r + 1) * cols]);
        }
        self.values = values;
        for wide in self.wide.iter_mut().flatten() {
            let sorted = order.iter().map(|&r| wide[r]).collect();
            *wide = sorted;
        }
        let rows = self.rows;
        for column in &mut self.columns {
            let Some(text) = &mut column.text else {
                continue;
            };
            text.codes.resize(rows, NO_TEXT);
            let mut remap = vec![NO_TEXT; text.levels.len()];
            let mut levels = Vec::new();
            let mut counts = Vec::new();
            for (i, &count) in text.counts.iter().enumerate() {
                if count > 0 {
                    remap[i] = levels.len() as u32;
                    levels.push(std::mem::take(&mut text.levels[i]));
                    counts.push(count);
                }
            }
            text.codes = order
                .iter()
                .map(|&r| match text.codes[r] {
                    code @ (NO_TEXT | OVERFLOW) => code,
                    code => remap[code as usize],
                })
                .collect();
            text.overflowed = text.codes.contains(&OVERFLOW);
            text.levels = levels;
            text.counts = counts;
            text.index = HashMap::new();
            if text.levels.is_empty() && !text.overflowed {
                column.text = None;
            }
        }
        self.ordinals = Some(order.iter().map(|&r| ordinals[r]).collect());
    }
}

/// The error for a record the scanner could not read.
fn scan_error(file: &Path, e: ScanError) -> Error {
    match e {
        ScanError::Io(source) => Error::Io {
            file: file.to_path_buf(),
            source,
        },
        ScanError::UnclosedQuote { line } => Error::data(
            Location {
                file: file.to_path_buf(),
                line,
                unit: Unit::Line,
                column: None,
            },
            "a quoted field starting on this line is never closed; add the closing \" or remove the opening one",
        ),
    }
}

/// The decimal separator: `decimal` when set, else detected from the start of the input, with a
/// note when it is a comma.
fn choose_decimal(
    decimal: Option<Decimal>,
    opened: &Text,
    delimiter: u8,
    header: Option<bool>,
    na: &[String],
    file: &Path,
    notes: &mut Vec<Message>,
) -> Result<Decimal> {
    if let Some(decimal) = decimal {
        return Ok(decimal);
    }
    let found = detect_decimal(&opened.head, opened.complete, delimiter, header, na, file)?;
    if let Some(column) = found.columns.first() {
        notes.push(
            Message::new(format!(
                "numbers are written with a decimal comma (as in column '{column}'): read as such; set "
            ))
            .setting_value(Setting::Decimal, ".")
            .text(" if the comma means something else"),
        );
    }
    Ok(found.decimal)
}

/// The spellings of a missing value, lower-case, and the decimal separator they are read with.
struct Na {
    words: Vec<String>,
    /// Whether one of them is a number (`na_values` = -999), which must then be checked first.
    numeric: bool,
    decimal: Decimal,
}

impl Na {
    fn matches(&self, field: &[u8]) -> bool {
        let trimmed = field.trim_ascii();
        self.words
            .iter()
            .any(|m| m.as_bytes().eq_ignore_ascii_case(trimmed))
    }
}

/// Records a cell of row `row` that is not a number in `column`: missing (one of the spellings
/// `na`) or text. `line` is where the cell is, for messages.
pub(super) fn parse_text(
    text: &str,
    na: &[String],
    column: &mut ColumnCells,
    row: usize,
    line: u64,
) {
    let trimmed = text.trim();
    if na.iter().any(|m| m.eq_ignore_ascii_case(trimmed)) {
        column.missing += 1;
        if column.first_missing.is_none() {
            column.first_missing = Some((line, text.to_string()));
        }
        if let Some(cells) = &mut column.text {
            if cells.codes.len() > row {
                cells.codes[row] = NO_TEXT;
            }
        }
        return;
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
    cells.set(row, code);
}

/// The header's names, trimmed; an empty name becomes `c<index>` and is marked unnamed.
fn header_names(record: &Record, file: &Path, line: u64) -> Result<(Vec<String>, Vec<bool>)> {
    let mut names = Vec::with_capacity(record.len());
    let mut unnamed = Vec::with_capacity(record.len());
    for (i, field) in record.iter().enumerate() {
        let name = std::str::from_utf8(field).map_err(|_| {
            Error::data(
                Location {
                    file: file.to_path_buf(),
                    line,
                    unit: Unit::Line,
                    column: Some(format!("#{}", i + 1)),
                },
                "the header is not valid UTF-8; save the file as UTF-8",
            )
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
    }

    #[test]
    fn line_numbers_survive_blank_lines_crlf_and_quoted_newlines() {
        let t = read_str("a,b\r\n1,2\r\n\r\nx,4\r\n").unwrap();
        assert_eq!(t.columns[0].first_text, Some((4, "x".to_string())));
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

    fn read_with(s: &str, options: &ReadOptions) -> Result<Table> {
        read(s.as_bytes(), Path::new("t.csv"), options)
    }

    fn sampled(max_rows: usize, seed: u64) -> ReadOptions {
        ReadOptions {
            max_rows: Some(max_rows),
            seed,
            ..ReadOptions::default()
        }
    }

    /// The text of row `r`, column `c` of a text column.
    fn text(t: &Table, r: usize, c: usize) -> Option<&str> {
        let cells = t.columns[c].text.as_ref()?;
        match cells.codes[r] {
            NO_TEXT | OVERFLOW => None,
            code => Some(&cells.levels[code as usize]),
        }
    }

    /// 1,000 rows: an id, a word (`rare` on row 3 only), a number, with blank lines and quoted
    /// newlines among them.
    fn big() -> String {
        let mut s = String::from("id,w,x\n");
        for i in 0..1000 {
            let w = if i == 3 {
                "rare".to_string()
            } else {
                format!("w{}", i % 7)
            };
            if i % 10 == 0 {
                s += &format!("{i},\"{w}\n{w}\",{}\n\n", i * 3);
            } else {
                s += &format!("{i},{w},{}\n", i * 3);
            }
        }
        s
    }

    #[test]
    fn a_large_file_is_sampled_exactly_and_the_same_for_a_seed() {
        let s = big();
        let full = read_with(&s, &ReadOptions::default()).unwrap();
        assert!(!full.sampled());
        assert_eq!((full.rows, full.rows_in_file), (1000, 1000));
        let t = read_with(&s, &sampled(50, 3)).unwrap();
        assert!(t.sampled());
        assert_eq!((t.rows, t.rows_in_file), (50, 1000));
        let ordinals = t.ordinals.clone().unwrap();
        // The rows a reservoir keeps out of 1,000 when told the count up front (as the Parquet
        // and Arrow readers are), blank lines not counting as rows.
        assert_eq!(ordinals, sample::kept_rows(1000, 50, 3));
        assert!(ordinals.windows(2).all(|w| w[0] < w[1]), "{ordinals:?}");
        assert!(ordinals.iter().any(|&o| o >= 50), "{ordinals:?}");
        for (r, &o) in ordinals.iter().enumerate() {
            let o = o as usize;
            assert_eq!(t.value(r, 0), full.value(o, 0));
            assert_eq!(t.value(r, 2), full.value(o, 2));
            assert_eq!(text(&t, r, 1), text(&full, o, 1));
        }
        // Counts are those of the rows kept, and no text level is left without a row.
        assert_eq!((t.columns[0].numeric, t.columns[1].numeric), (50, 0));
        let words = t.columns[1].text.as_ref().unwrap();
        assert_eq!(words.counts.iter().sum::<usize>(), 50);
        assert!(words.counts.iter().all(|&c| c > 0));
        assert_eq!(
            read_with(&s, &sampled(50, 3)).unwrap().ordinals,
            Some(ordinals.clone())
        );
        assert_ne!(
            read_with(&s, &sampled(50, 4)).unwrap().ordinals,
            Some(ordinals)
        );
        let note = t.notes.last().unwrap().to_string();
        assert_eq!(note, "the file has 1000 data rows: a random sample of 50 is used (seeded by `seed`); set `max_rows` to use more");
    }

    #[test]
    fn a_file_of_max_rows_is_read_whole() {
        let mut s = String::from("a\n");
        for i in 0..20 {
            s += &format!("{i}\n");
        }
        let t = read_with(&s, &sampled(20, 0)).unwrap();
        assert!(!t.sampled() && t.notes.is_empty());
        assert_eq!((t.rows, t.rows_in_file), (20, 20));
        let t = read_with(&s, &sampled(19, 0)).unwrap();
        assert_eq!((t.rows, t.rows_in_file), (19, 20));
    }

    #[test]
    fn rows_read_in_a_sample_are_checked_and_others_only_scanned() {
        // A ragged row that enters the sample names its line; an unclosed quote anywhere is found.
        let mut s = String::from("a,b\n");
        for i in 0..200 {
            s += &format!("{i},{i}\n");
        }
        let ragged = format!("{s}7\n");
        let rows_kept = |options: &ReadOptions| read_with(&ragged, options).map(|t| t.rows);
        let errors: Vec<String> = (0..40)
            .filter_map(|seed| rows_kept(&sampled(150, seed)).err())
            .map(|e| e.to_string())
            .collect();
        assert!(!errors.is_empty() && errors.len() < 40, "{}", errors.len());
        assert!(
            errors
                .iter()
                .all(|e| e.starts_with("t.csv, line 202: this row has 1 fields")),
            "{errors:?}"
        );
        let unclosed = format!("{s}\"7,8\n");
        let e = read_with(&unclosed, &sampled(10, 0))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("t.csv, line 202: a quoted field"), "{e}");
    }

    #[test]
    fn max_rows_below_the_minimum_is_refused() {
        let e = read_with("a\n1\n", &sampled(3, 0)).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Config {
                    setting: Setting::MaxRows,
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn decimal_commas_are_read_as_numbers() {
        let t = read_str("a;b;c\n1,5;2;x\n-2,25;3,0;y\n").unwrap();
        assert_eq!(t.decimal, Decimal::Comma);
        assert_eq!(
            (t.value(0, 0), t.value(1, 0), t.value(1, 1)),
            (1.5, -2.25, 3.0)
        );
        assert_eq!(t.columns[0].numeric, 2);
        assert!(t.notes[0]
            .to_string()
            .contains("decimal comma (as in column 'a')"));
        let forced = ReadOptions {
            decimal: Some(Decimal::Comma),
            ..ReadOptions::default()
        };
        let t = read_with("a\t b\n\"1,5\"\t7\n", &forced).unwrap();
        assert_eq!(t.value(0, 0), 1.5);
        let point = ReadOptions {
            decimal: Some(Decimal::Point),
            ..ReadOptions::default()
        };
        let t = read_with("a;b\n1,5;2\n", &point).unwrap();
        assert_eq!(t.columns[0].text.as_ref().unwrap().levels, ["1,5"]);
    }

    #[test]
    fn numbers_beyond_f32_are_kept_in_f64() {
        let t = read_str("a,b\n1e299,1\n2,x\nNA,3\n3e-300,4\n").unwrap();
        assert!(t.is_wide(0) && !t.is_wide(1));
        assert_eq!(t.number(0, 0), 1e299);
        assert_eq!(t.number(1, 0), 2.0);
        assert!(t.number(2, 0).is_nan() && t.is_missing(2, 0));
        assert_eq!(t.number(3, 0), 3e-300);
        assert_eq!(t.columns[0].numeric, 3);
        assert_eq!(t.number(0, 1), 1.0);
    }

    #[test]
    fn other_files_are_named_and_gzip_and_utf16_are_undone() {
        let e = read(
            &b"PK\x03\x04\x14\0\x06\0"[..],
            Path::new("t.csv"),
            &ReadOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "t.csv: this is an Excel workbook or zip archive, not a CSV; save it as CSV (UTF-8)"
        );
        let text = "a,b\n1,2\n3,4\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, text.as_bytes()).unwrap();
        let t = read(
            &gz.finish().unwrap()[..],
            Path::new("t.csv"),
            &ReadOptions::default(),
        )
        .unwrap();
        assert_eq!((t.rows, t.value(1, 1)), (2, 4.0));
        assert_eq!(
            t.notes[0].to_string(),
            "the input is gzip-compressed: decompressed as it was read"
        );
        let utf16: Vec<u8> = [0xFEFF]
            .into_iter()
            .chain("a;b\n1,5;é\n".encode_utf16())
            .flat_map(u16::to_be_bytes)
            .collect();
        let t = read(&utf16[..], Path::new("t.csv"), &ReadOptions::default()).unwrap();
        assert_eq!((t.value(0, 0), t.decimal), (1.5, Decimal::Comma));
        assert_eq!(t.columns[1].text.as_ref().unwrap().levels, ["é"]);
    }
}
