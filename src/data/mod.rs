//! From a CSV file (or a Parquet or Arrow one) to a [`Dataset`] the model can train on. One file
//! per step:
//!
//! - `options`: every reading and encoding choice, with its default;
//! - `input`: the bytes, from a file or standard input, with progress; gzip and UTF-16 undone
//!   (`utf16`), and files that are not CSVs refused, unless they are Parquet or Arrow files, which
//!   `columnar` reads into the same table;
//! - `sniff`: the start of the input, looked at before reading it: what the file is, the
//!   delimiter, the decimal separator;
//! - `scan`: records, their fields and their lines;
//! - `csv`: reading into a [`csv::Table`] (header, numbers, missing cells, text dictionaries),
//!   with `number` (what a number is, parsed exactly) and `sample` (a large file's rows, sampled
//!   as it streams past);
//! - `encode`: the table to a data set, step by step: `columns` (the columns the user named),
//!   `levels` (a column's distinct values), `plan` (what each column is), `missing` (the
//!   missing-value policy), `target` (the label), `matrix` (the feature matrix, built in the
//!   table's buffer) and `scale` (standardisation);
//!   `suspect` tells the columns that are not what they seem (identifiers, row numbers, a label
//!   of years or dates, a recorded range test);
//! - `dataset` and `summary`: what the loader hands on, and what it says it made of the file;
//! - `split` (a held-out validation set) and `batches` (shuffled mini-batches), used by training;
//!   `tabular`, fastai's preprocessing for the tabular model, fitted on the training rows.

pub mod batches;
mod columnar;
mod columns;
pub mod csv;
mod dataset;
pub mod encode;
mod input;
mod levels;
mod matrix;
mod missing;
mod number;
mod options;
mod plan;
mod sample;
pub mod scale;
mod scan;
mod sniff;
pub mod split;
mod summary;
mod suspect;
pub mod tabular;
mod target;
#[cfg(test)]
pub(crate) mod testing;
mod utf16;

use std::path::Path;

use indicatif::ProgressBar;

use crate::error::Result;

pub use self::columns::{Selection, TargetColumn};
pub use self::dataset::{Dataset, InputColumn, Target, MIN_ROWS, MISSING_CODE};
pub use self::encode::encode;
pub use self::input::FileKind;
pub use self::missing::median;
pub use self::options::{
    Decimal, EncodeOptions, MissingPolicy, ReadOptions, Task, DEFAULT_MAX_CATEGORIES,
    DEFAULT_MAX_ROWS,
};
pub use self::plan::{MAX_STRAY_WORDS, MIN_IDENTIFIER_LEVELS, MISSING_CATEGORY};
pub use self::sniff::DELIMITERS;
pub use self::summary::{
    batch_note, delimiter_name, ClassCount, ColumnKind, ColumnSummary, DataSummary, LabelDoubt,
    MissingSummary,
};
pub use self::target::{MAX_CLASSES, MAX_INTEGER_CLASSES};

/// Reads the CSV at `path` (`-`: standard input; gzip and UTF-16 are undone), or the Parquet or
/// Arrow file, and encodes it: the whole loader in one call.
pub fn load(path: &Path, read: &ReadOptions, encode_options: &EncodeOptions) -> Result<Dataset> {
    load_with_progress(path, read, encode_options, &ProgressBar::hidden())
}

/// [`load`], counting the bytes read on `progress`: its length is set to the file's size (left
/// unset for standard input) and it goes up as bytes are read. The loader never draws it; pass
/// [`ProgressBar::hidden`] for none.
pub fn load_with_progress(
    path: &Path,
    read: &ReadOptions,
    encode_options: &EncodeOptions,
    progress: &ProgressBar,
) -> Result<Dataset> {
    let table = csv::read_path_with_progress(path, read, progress)?;
    encode(table, encode_options)
}

/// [`load`] from any reader; `name` is used in messages.
pub fn load_reader<R: std::io::Read>(
    input: R,
    name: &Path,
    read: &ReadOptions,
    encode_options: &EncodeOptions,
) -> Result<Dataset> {
    let table = csv::read(input, name, read)?;
    encode(table, encode_options)
}
