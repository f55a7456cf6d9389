//! From a CSV file to a [`Dataset`] the model can train on. One file per step:
//!
//! - `options`: every reading and encoding choice, with its default;
//! - `sniff`: the start of the input, looked at before reading it (the delimiter);
//! - `csv`: reading into a [`csv::Table`] (records, header, missing cells, text dictionaries),
//!   with `number` (what a number is, parsed exactly) and `lines` (the file's own line numbers);
//! - `encode`: the table to a data set, step by step: `columns` (the columns the user named),
//!   `levels` (a column's distinct values), `plan` (what each column is), `missing` (the
//!   missing-value policy), `target` (the label), `matrix` (the feature matrix, built in the
//!   table's buffer) and `scale` (standardisation);
//! - `dataset` and `summary`: what the loader hands on, and what it says it made of the file;
//! - `split` (a held-out validation set) and `batches` (shuffled mini-batches), used by training.

pub mod batches;
mod columns;
pub mod csv;
mod dataset;
pub mod encode;
mod levels;
mod lines;
mod matrix;
mod missing;
mod number;
mod options;
mod plan;
pub mod scale;
mod sniff;
pub mod split;
mod summary;
mod target;
#[cfg(test)]
mod testing;

use std::path::Path;

use crate::error::Result;

pub use self::columns::{Selection, TargetColumn};
pub use self::dataset::{Dataset, Target, MIN_ROWS};
pub use self::encode::encode;
pub use self::missing::median;
pub use self::options::{EncodeOptions, MissingPolicy, ReadOptions, Task, DEFAULT_MAX_CATEGORIES};
pub use self::plan::{MAX_STRAY_WORDS, MIN_IDENTIFIER_LEVELS, MISSING_CATEGORY};
pub use self::sniff::DELIMITERS;
pub use self::summary::{
    batch_note, delimiter_name, ClassCount, ColumnKind, ColumnSummary, DataSummary, MissingSummary,
};
pub use self::target::{MAX_CLASSES, MAX_INTEGER_CLASSES};

/// Reads the CSV at `path` (`-`: standard input; `.gz`: decompressed) and encodes it: the whole
/// loader in one call.
pub fn load(path: &Path, read: &ReadOptions, encode_options: &EncodeOptions) -> Result<Dataset> {
    let table = csv::read_path(path, read)?;
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
