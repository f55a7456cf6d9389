//! Parquet and Arrow IPC files (Feather v2, and the Arrow file and stream formats) read into the
//! same [`Table`] a CSV gives, so that everything after reading (what each column is, the
//! missing-value policy, the summary) is shared. The file's schema says what each column holds, so
//! nothing is guessed:
//!
//! - integers, floats and decimals are numbers (NaN is missing; an infinity is the text `inf`, as
//!   in a CSV, so that the column is refused with the same message);
//! - strings are text, never parsed as numbers, even when they all look like one (a note says
//!   so); the missing-value spellings still mark missing cells among them;
//! - booleans are the text `true` and `false`, which the plan makes a 0/1 feature, as it does a
//!   CSV's;
//! - dictionary-encoded columns (pandas' `category`) are text: their values are the categories,
//!   whatever their type;
//! - a null is a missing value;
//! - dates, times, binary and nested columns are not read at all: each is dropped with a note
//!   saying what it is.
//!
//! `parquet` and `ipc` each open a format, say how many rows it holds before reading any, and
//! read only the columns and rows asked for. A file with more rows than `max_rows` is sampled: the
//! rows kept are those the CSV reader's reservoir keeps for the same seed and number of rows
//! ([`kept_rows`]), so the sample is the same as the same table's read from a CSV; only the row
//! groups (Parquet) or record batches (Arrow) holding a kept row are read.

mod ipc;
mod parquet;

use std::cell::Cell as Flag;
use std::fs::File;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Once;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowPrimitiveType, Decimal128Type, Decimal256Type, Decimal32Type, Decimal64Type, DecimalType,
    Float16Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type,
    UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{AnyDictionaryArray, Array, PrimitiveArray, RecordBatch};
use arrow_schema::{DataType, Schema};
use num_traits::AsPrimitive;

use super::csv::{na_words, parse_text, ColumnCells, Table, NO_TEXT};
use super::input::FileKind;
use super::number::{parse_number, Number};
use super::options::{Decimal, ReadOptions};
use super::sample::{kept_rows, note};
use crate::error::{Error, Message, Result, Setting};

/// How many bytes at the start of a file tell whether it is a Parquet or Arrow file.
pub const MAGIC_BYTES: usize = 8;

/// Rows decoded at a time.
const BATCH_ROWS: usize = 8192;

/// Where a Parquet or Arrow file's bytes are.
pub enum Input {
    /// A file on disk: only the parts needed are read.
    File(File),
    /// All of it in memory (it came from standard input, or was gzipped).
    Memory(Vec<u8>),
}

/// Whether `head` (the first bytes of the input) starts a Parquet or an Arrow IPC file or stream;
/// a Feather v1 file is refused, saying how to rewrite it.
pub fn identify(head: &[u8], file: &Path) -> Result<Option<FileKind>> {
    // Bytes that no text holds: a CSV whose first column is named PAR1 goes on as text.
    let binary = |b: &u8| *b < 0x20 && !b"\t\n\r".contains(b);
    if head.starts_with(b"PAR1") && head.get(4).is_some_and(binary) {
        return Ok(Some(FileKind::Parquet));
    }
    if head.starts_with(b"ARROW1\0\0") {
        return Ok(Some(FileKind::ArrowFile));
    }
    // A message's continuation marker, then its length: no UTF-8 text starts with FF.
    if head.len() >= 8 && head.starts_with(&[0xFF; 4]) {
        return Ok(Some(FileKind::ArrowStream));
    }
    if head.starts_with(b"FEA1") && head[4..].iter().any(binary) {
        return Err(Error::dataset(
            file,
            "this is a Feather v1 file, which lrfind does not read (it reads Feather v2, the Arrow IPC file, pyarrow's default since 0.17); rewrite it, for example with pyarrow: pyarrow.feather.write_feather(pyarrow.feather.read_table(path), out)",
        ));
    }
    Ok(None)
}

/// A Parquet or Arrow file, opened: its schema and how many rows it holds, known before any is
/// read.
trait Columnar {
    /// The columns, as the file's schema gives them.
    fn schema(&self) -> &Schema;

    /// Data rows in the file.
    fn rows(&self) -> u64;

    /// Reads the columns `columns` (indices into the schema, ascending; not empty) of the rows
    /// `kept` (0-based rows of the file, ascending; `None`: every row), handing them to `builder`
    /// in the file's order.
    fn read(
        self: Box<Self>,
        columns: &[usize],
        kept: Option<&[u64]>,
        builder: &mut Builder,
    ) -> Result<()>;
}

/// Reads the Parquet or Arrow file `input` (of kind `kind`, named `file` in messages) into a
/// table; `notes` are what was undone to get it (gzip).
pub fn read(
    input: Input,
    kind: FileKind,
    file: &Path,
    options: &ReadOptions,
    mut notes: Vec<Message>,
) -> Result<Table> {
    if let Input::Memory(bytes) = &input {
        let size = match bytes.len() {
            n if n < 1_000_000 => format!("{:.1} kB", n as f64 / 1e3),
            n => format!("{:.1} MB", n as f64 / 1e6),
        };
        notes.push(Message::new(format!(
            "the {} came through a stream, so it was held in memory whole ({size}); give its path to read only the parts needed",
            kind.name(),
        )));
    }
    let columnar: Box<dyn Columnar> = guarded(file, kind, || match kind {
        FileKind::Parquet => parquet::open(input, file),
        FileKind::ArrowFile | FileKind::ArrowStream => ipc::open(input, kind, file),
        FileKind::Csv => unreachable!("a CSV is read by csv::read"),
    })?;
    for (setting, set) in [
        (Setting::Delimiter, options.delimiter.is_some()),
        (Setting::Header, options.header.is_some()),
        (Setting::Decimal, options.decimal.is_some()),
    ] {
        if set {
            notes.push(Message::new("").setting(setting).text(format!(
                " does not apply to a {} (its schema gives the columns and their types): ignored",
                kind.name()
            )));
        }
    }
    let schema = columnar.schema().clone();
    if schema.fields().is_empty() {
        return Err(Error::dataset(
            file,
            format!("the {} has no columns", kind.name()),
        ));
    }
    let rows_in_file = columnar.rows();
    let kept = options
        .max_rows
        .filter(|&max| rows_in_file > max as u64)
        .map(|max| kept_rows(rows_in_file, max, options.seed));
    let mut builder = Builder::new(file, kind, &schema, options, kept.as_deref());
    let columns: Vec<usize> = (0..schema.fields().len())
        .filter(|&c| builder.table.columns[c].unread.is_none())
        .collect();
    if columns.is_empty() {
        let types: Vec<String> = schema
            .fields()
            .iter()
            .map(|f| format!("'{}' ({})", f.name(), f.data_type()))
            .collect();
        return Err(Error::dataset(
            file,
            format!(
                "no column of this {} holds numbers or text: {}",
                kind.name(),
                types.join(", ")
            ),
        ));
    }
    let expected = kept.as_ref().map_or(rows_in_file, |k| k.len() as u64);
    guarded(file, kind, || {
        columnar.read(&columns, kept.as_deref(), &mut builder)
    })?;
    if builder.table.rows as u64 != expected {
        return Err(Error::dataset(
            file,
            format!(
                "the {} says it holds {expected} rows, but {} were read; it may be damaged: write it again",
                kind.name(),
                builder.table.rows
            ),
        ));
    }
    let mut table = builder.finish(rows_in_file);
    table.ordinals = kept;
    notes.append(&mut table.notes);
    table.notes = notes;
    if table.sampled() {
        table.notes.push(note(rows_in_file, table.rows));
    }
    Ok(table)
}

thread_local! {
    /// Whether this thread is inside [`guarded`], whose panics are reported as errors instead.
    static GUARDED: Flag<bool> = const { Flag::new(false) };
}

/// Runs `f`, which calls the `parquet` or `arrow-ipc` reader, turning a panic in it into the error
/// for a damaged file. Those crates still panic on some damaged files instead of returning an
/// error (a data page that refers to a dictionary the column chunk lacks, for one; also
/// apache/arrow-rs#9434); what can be checked before reading is checked, and this catches the
/// rest. The panic's message is kept off standard error, for this thread only: a panic hook,
/// installed once, stays silent while its thread is inside `guarded` and hands every other panic
/// to the hook that was there before.
fn guarded<T>(file: &Path, kind: FileKind, f: impl FnOnce() -> Result<T>) -> Result<T> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(Flag::get) {
                previous(info);
            }
        }));
    });
    GUARDED.with(|g| g.set(true));
    let result = std::panic::catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(false));
    result.unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "it stopped".to_string());
        // An assertion's message goes on with its operands, one a line: the first line says it.
        let what = what.lines().next().unwrap_or("it stopped");
        Err(damaged(file, kind, format!("the reader failed: {what}")))
    })
}

/// The error for a file the format's reader could not read.
fn damaged(file: &Path, kind: FileKind, e: impl std::fmt::Display) -> Error {
    Error::dataset(
        file,
        format!(
            "this {} cannot be read ({e}); it may be truncated or damaged: write it again",
            kind.name()
        ),
    )
}

/// The error for data compressed with a codec lrfind is built without: a Parquet file's column
/// (`column`), or an Arrow file's record batches (`None`).
fn unsupported_codec(file: &Path, kind: FileKind, column: Option<&str>, codec: &str) -> Error {
    let (reads, example) = match kind {
        FileKind::Parquet => (
            "snappy, gzip, lz4 or no compression",
            "with pandas: df.to_parquet(out, compression='snappy')",
        ),
        _ => (
            "lz4 or no compression",
            "with pyarrow: pyarrow.feather.write_feather(table, out, compression='lz4')",
        ),
    };
    let what = match column {
        Some(column) => format!("column '{column}' is"),
        None => "its record batches are".to_string(),
    };
    Error::dataset(
        file,
        format!(
            "{what} compressed with {codec}, which lrfind does not read (it reads {reads}); write the file again with another compression, for example {example}"
        ),
    )
}

/// How a column is read, decided from its type.
enum Reading {
    /// Numbers.
    Number,
    /// Text (strings, booleans, dictionaries), and whether the column is of strings.
    Text { strings: bool },
    /// Every value missing (the null type).
    Null,
    /// Not read, for the reason given.
    Unread(Message),
}

/// How a column of type `data_type` is read.
fn reading(data_type: &DataType) -> Reading {
    use DataType::*;
    match data_type {
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 | Float16 | Float32
        | Float64 | Decimal32(..) | Decimal64(..) | Decimal128(..) | Decimal256(..) => {
            Reading::Number
        }
        Utf8 | LargeUtf8 | Utf8View => Reading::Text { strings: true },
        Boolean => Reading::Text { strings: false },
        Dictionary(_, values) if matches!(reading(values), Reading::Number | Reading::Text { .. }) => {
            Reading::Text { strings: false }
        }
        Null => Reading::Null,
        Timestamp(..) | Date32 | Date64 | Time32(_) | Time64(_) | Duration(_) | Interval(_) => {
            Reading::Unread(
                format!("dates and times are not used ({data_type}); turn the column into numbers (a year, days since a date) or text to use it").into(),
            )
        }
        Binary | LargeBinary | FixedSizeBinary(_) | BinaryView => Reading::Unread(
            format!("binary values ({data_type}) are neither numbers nor text").into(),
        ),
        List(_) | ListView(_) | FixedSizeList(..) | LargeList(_) | LargeListView(_) | Struct(_)
        | Union(..) | Map(..) => Reading::Unread(
            format!("nested values ({data_type}) are not used; flatten the column into columns of numbers or text to use it").into(),
        ),
        other => Reading::Unread(format!("values of type {other} are not read").into()),
    }
}

/// Whether a column name is pandas' for a saved index (`__index_level_0__`), which is, like a CSV
/// column without a name, taken for a row index.
fn is_saved_index(name: &str) -> bool {
    name.strip_prefix("__index_level_")
        .and_then(|rest| rest.strip_suffix("__"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// One value of a column.
enum Cell<'a> {
    /// Missing, and how it is shown in messages.
    Missing(&'static str),
    /// A number: its value (to compare with a numeric missing-value spelling) and how it is kept.
    Number(f64, Number),
    /// Text, read as a CSV's text cells are (missing-value spellings count as missing).
    Text(&'a str),
}

/// An f64 kept as a CSV's number is: in f32 when f32 holds it at full precision, else wide.
fn kept_as(v: f64) -> Number {
    let narrow = v as f32;
    if narrow.is_normal() || v == 0.0 {
        Number::Narrow(narrow)
    } else {
        Number::Wide(v)
    }
}

/// A float: NaN is missing (as `nan` is in a CSV), an infinity is the text `inf`, as a CSV would
/// hold it.
fn float_cell<'a>(v: f64) -> Cell<'a> {
    if v.is_nan() {
        Cell::Missing("NaN")
    } else if v.is_infinite() {
        Cell::Text(if v > 0.0 { "inf" } else { "-inf" })
    } else {
        Cell::Number(v, kept_as(v))
    }
}

/// Hands `put` the cell of each of `rows` (indices into `array`), with its index in `rows`.
fn cells<F: FnMut(usize, Cell)>(array: &dyn Array, rows: &[usize], put: &mut F) {
    use DataType::*;
    fn each<'a, A: Array + ?Sized, F: FnMut(usize, Cell<'a>)>(
        array: &'a A,
        rows: &[usize],
        put: &mut F,
        cell: impl Fn(usize) -> Cell<'a>,
    ) {
        for (i, &r) in rows.iter().enumerate() {
            put(
                i,
                if array.is_null(r) {
                    Cell::Missing("null")
                } else {
                    cell(r)
                },
            );
        }
    }
    fn integers<T: ArrowPrimitiveType, F: FnMut(usize, Cell)>(
        array: &PrimitiveArray<T>,
        rows: &[usize],
        put: &mut F,
    ) where
        T::Native: AsPrimitive<f32> + AsPrimitive<f64>,
    {
        // Straight to f32, which rounds once (as a CSV's integer is parsed).
        each(array, rows, put, |r| {
            let v = array.value(r);
            Cell::Number(v.as_(), Number::Narrow(v.as_()))
        });
    }
    fn decimals<'a, T: DecimalType, F: FnMut(usize, Cell<'a>)>(
        array: &'a PrimitiveArray<T>,
        scale: i8,
        rows: &[usize],
        put: &mut F,
    ) {
        // Through the decimal text, so that the f32 is the one the CSV of it would give.
        each(array, rows, put, |r| {
            let text = T::format_decimal(array.value(r), 0, scale);
            match parse_number(text.as_bytes(), Decimal::Point) {
                Some(n @ Number::Narrow(v)) => Cell::Number(f64::from(v), n),
                Some(n @ Number::Wide(v)) => Cell::Number(v, n),
                None => Cell::Missing("null"),
            }
        });
    }
    match array.data_type() {
        Int8 => integers(array.as_primitive::<Int8Type>(), rows, put),
        Int16 => integers(array.as_primitive::<Int16Type>(), rows, put),
        Int32 => integers(array.as_primitive::<Int32Type>(), rows, put),
        Int64 => integers(array.as_primitive::<Int64Type>(), rows, put),
        UInt8 => integers(array.as_primitive::<UInt8Type>(), rows, put),
        UInt16 => integers(array.as_primitive::<UInt16Type>(), rows, put),
        UInt32 => integers(array.as_primitive::<UInt32Type>(), rows, put),
        UInt64 => integers(array.as_primitive::<UInt64Type>(), rows, put),
        Float16 => {
            let a = array.as_primitive::<Float16Type>();
            each(a, rows, put, |r| float_cell(a.value(r).to_f64()));
        }
        Float32 => {
            let a = array.as_primitive::<Float32Type>();
            each(a, rows, put, |r| {
                let v = a.value(r);
                match float_cell(f64::from(v)) {
                    // An f32 is kept as it is, unless it is subnormal (as a CSV's would be).
                    Cell::Number(w, _) if v.is_normal() || v == 0.0 => {
                        Cell::Number(w, Number::Narrow(v))
                    }
                    cell => cell,
                }
            });
        }
        Float64 => {
            let a = array.as_primitive::<Float64Type>();
            each(a, rows, put, |r| float_cell(a.value(r)));
        }
        Decimal32(_, s) => decimals(array.as_primitive::<Decimal32Type>(), *s, rows, put),
        Decimal64(_, s) => decimals(array.as_primitive::<Decimal64Type>(), *s, rows, put),
        Decimal128(_, s) => decimals(array.as_primitive::<Decimal128Type>(), *s, rows, put),
        Decimal256(_, s) => decimals(array.as_primitive::<Decimal256Type>(), *s, rows, put),
        Boolean => {
            let a = array.as_boolean();
            each(a, rows, put, |r| {
                Cell::Text(if a.value(r) { "true" } else { "false" })
            });
        }
        Utf8 => {
            let a = array.as_string::<i32>();
            each(a, rows, put, |r| Cell::Text(a.value(r)));
        }
        LargeUtf8 => {
            let a = array.as_string::<i64>();
            each(a, rows, put, |r| Cell::Text(a.value(r)));
        }
        Utf8View => {
            let a = array.as_string_view();
            each(a, rows, put, |r| Cell::Text(a.value(r)));
        }
        Dictionary(..) => dictionary(array.as_any_dictionary(), rows, put),
        // The null type, and the types that are never read.
        _ => {
            for i in 0..rows.len() {
                put(i, Cell::Missing("null"));
            }
        }
    }
}

/// The cells of a dictionary-encoded column: each value's text (its categories are text, whatever
/// their type), looked up by key.
fn dictionary<F: FnMut(usize, Cell)>(array: &dyn AnyDictionaryArray, rows: &[usize], put: &mut F) {
    let values = array.values();
    if values.is_empty() {
        // No value to point to: every key is null (the array's validation says so).
        for i in 0..rows.len() {
            put(i, Cell::Missing("null"));
        }
        return;
    }
    let texts = value_texts(values.as_ref());
    let keys = array.normalized_keys();
    for (i, &r) in rows.iter().enumerate() {
        let text = (!array.is_null(r))
            .then(|| texts.get(keys[r]).and_then(Option::as_deref))
            .flatten();
        put(i, text.map_or(Cell::Missing("null"), Cell::Text));
    }
}

/// The text of each value of a dictionary (`None` where it is null): numbers as they are written.
fn value_texts(values: &dyn Array) -> Vec<Option<String>> {
    use DataType::*;
    fn written<T: ArrowPrimitiveType>(values: &dyn Array) -> Vec<Option<String>>
    where
        T::Native: std::fmt::Display,
    {
        values
            .as_primitive::<T>()
            .iter()
            .map(|v| v.map(|v| v.to_string()))
            .collect()
    }
    fn decimal<T: DecimalType>(values: &dyn Array, scale: i8) -> Vec<Option<String>> {
        values
            .as_primitive::<T>()
            .iter()
            .map(|v| v.map(|v| T::format_decimal(v, 0, scale)))
            .collect()
    }
    match values.data_type() {
        Int8 => written::<Int8Type>(values),
        Int16 => written::<Int16Type>(values),
        Int32 => written::<Int32Type>(values),
        Int64 => written::<Int64Type>(values),
        UInt8 => written::<UInt8Type>(values),
        UInt16 => written::<UInt16Type>(values),
        UInt32 => written::<UInt32Type>(values),
        UInt64 => written::<UInt64Type>(values),
        Float16 => written::<Float16Type>(values),
        Float32 => written::<Float32Type>(values),
        Float64 => written::<Float64Type>(values),
        Decimal32(_, s) => decimal::<Decimal32Type>(values, *s),
        Decimal64(_, s) => decimal::<Decimal64Type>(values, *s),
        Decimal128(_, s) => decimal::<Decimal128Type>(values, *s),
        Decimal256(_, s) => decimal::<Decimal256Type>(values, *s),
        _ => {
            let mut texts = vec![None; values.len()];
            let all: Vec<usize> = (0..values.len()).collect();
            cells(values, &all, &mut |i, cell| {
                if let Cell::Text(t) = cell {
                    texts[i] = Some(t.to_string());
                }
            });
            texts
        }
    }
}

/// Fills a [`Table`] from record batches, as the CSV reader fills it from records.
struct Builder<'a> {
    table: Table,
    /// The missing-value spellings, lower-case.
    words: Vec<String>,
    /// Those of them that are numbers, with their value: a numeric cell equal to one is missing.
    na_numbers: Vec<(f64, String)>,
    /// Whether each column is of strings (for the note on strings that are all numbers).
    strings: Vec<bool>,
    /// The rows kept, when sampled.
    kept: Option<&'a [u64]>,
}

impl<'a> Builder<'a> {
    fn new(
        file: &Path,
        kind: FileKind,
        schema: &Schema,
        options: &ReadOptions,
        kept: Option<&'a [u64]>,
    ) -> Self {
        let cols = schema.fields().len();
        let mut headers = Vec::with_capacity(cols);
        let mut unnamed = Vec::with_capacity(cols);
        let mut columns = vec![ColumnCells::default(); cols];
        let mut strings = vec![false; cols];
        for (c, field) in schema.fields().iter().enumerate() {
            let name = field.name().trim();
            unnamed.push(name.is_empty() || is_saved_index(name));
            headers.push(if name.is_empty() {
                format!("c{c}")
            } else {
                name.to_string()
            });
            match reading(field.data_type()) {
                Reading::Unread(reason) => columns[c].unread = Some(reason),
                Reading::Text { strings: s } => strings[c] = s,
                Reading::Number | Reading::Null => {}
            }
        }
        let words = na_words(options);
        let na_numbers = words
            .iter()
            .filter_map(|w| match parse_number(w.as_bytes(), Decimal::Point)? {
                Number::Narrow(v) => Some((f64::from(v), w.clone())),
                Number::Wide(v) => Some((v, w.clone())),
            })
            .collect();
        Builder {
            table: Table {
                file: file.to_path_buf(),
                kind,
                headers,
                unnamed,
                has_header: true,
                header_detected: false,
                delimiter: b',',
                delimiter_detected: false,
                decimal: Decimal::Point,
                values: Vec::new(),
                wide: vec![None; cols],
                columns,
                rows: 0,
                rows_in_file: 0,
                ordinals: None,
                notes: Vec::new(),
            },
            words,
            na_numbers,
            strings,
            kept,
        }
    }

    /// Appends `rows` of `batch` (indices into it), whose columns are the table's `columns`.
    fn push(&mut self, batch: &RecordBatch, columns: &[usize], rows: &[usize]) {
        let first = self.table.rows;
        self.pad(first + rows.len());
        let cols = self.table.cols();
        let Builder {
            table,
            words,
            na_numbers,
            kept,
            ..
        } = self;
        let kept = *kept;
        for (array, &c) in batch.columns().iter().zip(columns) {
            cells(array.as_ref(), rows, &mut |i, cell| {
                let r = first + i;
                // Messages count the file's data rows from 1.
                let row = kept.map_or(r as u64, |k| k[r]) + 1;
                let column = &mut table.columns[c];
                let number = match cell {
                    Cell::Missing(spelling) => return missing(column, row, spelling),
                    Cell::Text(text) => return parse_text(text, words, column, r, row),
                    Cell::Number(v, number) => {
                        if let Some((_, word)) = na_numbers.iter().find(|(m, _)| *m == v) {
                            return missing(column, row, word);
                        }
                        number
                    }
                };
                column.numeric += 1;
                let cell = r * cols + c;
                let wide = match number {
                    Number::Narrow(v) => {
                        table.values[cell] = v;
                        f64::from(v)
                    }
                    Number::Wide(v) => {
                        table.values[cell] = 0.0;
                        if table.wide[c].is_none() {
                            // Rows before this one become f64 too (exactly).
                            let earlier = (0..r)
                                .map(|q| f64::from(table.values[q * cols + c]))
                                .collect();
                            table.wide[c] = Some(earlier);
                        }
                        v
                    }
                };
                if let Some(values) = &mut table.wide[c] {
                    if values.len() <= r {
                        values.resize(r + 1, f64::NAN);
                    }
                    values[r] = wide;
                }
            });
        }
    }

    /// Makes the table `rows` rows long, the new cells missing.
    fn pad(&mut self, rows: usize) {
        let cols = self.table.cols();
        self.table.values.resize(rows * cols, f32::NAN);
        self.table.rows = rows;
    }

    /// The table, with every column's cells for every row, and a note on each string column that
    /// holds only numbers.
    fn finish(mut self, rows_in_file: u64) -> Table {
        let rows = self.table.rows;
        for wide in self.table.wide.iter_mut().flatten() {
            wide.resize(rows, f64::NAN);
        }
        for (c, column) in self.table.columns.iter_mut().enumerate() {
            if let Some(text) = &mut column.text {
                text.codes.resize(rows, NO_TEXT);
                let numbers = !text.levels.is_empty()
                    && text
                        .levels
                        .iter()
                        .all(|l| parse_number(l.as_bytes(), Decimal::Point).is_some());
                if self.strings[c] && numbers {
                    self.table.notes.push(Message::new(format!(
                        "column '{}' holds numbers stored as strings: read as text (categories), as the file's schema says; store it as a number type to use it as numbers",
                        self.table.headers[c]
                    )));
                }
            }
        }
        self.table.rows_in_file = rows_in_file as usize;
        self.table.values.shrink_to_fit();
        self.table
    }
}

/// Counts a missing cell on data row `row` (from 1), spelled `spelling`.
fn missing(column: &mut ColumnCells, row: u64, spelling: &str) {
    column.missing += 1;
    if column.first_missing.is_none() {
        column.first_missing = Some((row, spelling.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_bytes_tell_parquet_and_arrow_from_text() {
        let f = Path::new("t");
        let kind = |head: &[u8]| identify(head, f).unwrap();
        assert_eq!(kind(b"PAR1\x15\x04\x15"), Some(FileKind::Parquet));
        assert_eq!(kind(b"ARROW1\0\0\xff\xff"), Some(FileKind::ArrowFile));
        assert_eq!(
            kind(b"\xff\xff\xff\xff\x10\0\0\0"),
            Some(FileKind::ArrowStream)
        );
        // Text that starts with the same letters is text.
        for text in [
            &b"PAR1,PAR2\n1,2\n"[..],
            b"PAR1\n1\n",
            b"ARROW1,b\n",
            b"FEA1,b\n1,2\n",
        ] {
            assert_eq!(kind(text), None, "{text:?}");
        }
        let e = identify(b"FEA1\0\0\0\0", f).unwrap_err().to_string();
        assert!(e.starts_with("t: this is a Feather v1 file"), "{e}");
    }

    #[test]
    fn pandas_saved_index_is_taken_for_a_row_index() {
        assert!(is_saved_index("__index_level_0__"));
        assert!(is_saved_index("__index_level_12__"));
        assert!(!is_saved_index("__index_level__"));
        assert!(!is_saved_index("index"));
    }

    #[test]
    fn numbers_are_kept_as_a_csv_keeps_them() {
        assert_eq!(kept_as(1.5), Number::Narrow(1.5));
        assert_eq!(kept_as(0.0), Number::Narrow(0.0));
        assert_eq!(kept_as(1e300), Number::Wide(1e300));
        assert_eq!(kept_as(1e-300), Number::Wide(1e-300));
        assert!(matches!(float_cell(f64::NAN), Cell::Missing("NaN")));
        assert!(matches!(float_cell(f64::NEG_INFINITY), Cell::Text("-inf")));
    }

    #[test]
    fn a_panic_in_a_reader_is_an_error_of_one_line() {
        let f = Path::new("t.parquet");
        let e = guarded::<()>(f, FileKind::Parquet, || {
            panic!("index out of bounds\n  left: 1\n right: 0")
        })
        .unwrap_err()
        .to_string();
        assert_eq!(e, "t.parquet: this Parquet file cannot be read (the reader failed: index out of bounds); it may be truncated or damaged: write it again");
        assert_eq!(guarded(f, FileKind::Parquet, || Ok(3)).unwrap(), 3);
        // Outside `guarded`, a panic is a panic again.
        assert!(std::panic::catch_unwind(|| panic!("a bug")).is_err());
    }
}
