//! Helpers shared by the loader's unit tests.

use std::path::Path;

use super::csv::{read, ReadOptions, Table};
use super::dataset::{Dataset, MIN_ROWS};
use super::encode::encode;
use super::options::EncodeOptions;
use crate::error::{Result, Setting};

/// Names settings as command-line flags (`--missing drop`), the way the binary does, so tests can
/// check what a person reads.
pub fn flags(setting: Setting, value: Option<&str>) -> String {
    let name = format!("--{}", setting.key().replace('_', "-"));
    match value {
        Some(v) => format!("{name} {v}"),
        None => name,
    }
}

/// The header, then the body lines repeated until there are at least [`MIN_ROWS`] rows.
pub fn csv(header: &str, body: &[&str]) -> String {
    let mut s = format!("{header}\n");
    for i in 0..MIN_ROWS.max(body.len()) {
        s.push_str(body[i % body.len()]);
        s.push('\n');
    }
    s
}

/// The table read from `s` with the default options.
pub fn table(s: &str) -> Table {
    read(s.as_bytes(), Path::new("t.csv"), &ReadOptions::default()).expect("the CSV reads")
}

/// The data set encoded from `s` with `options`.
pub fn dataset(s: &str, options: &EncodeOptions) -> Result<Dataset> {
    dataset_with(s, &ReadOptions::default(), options)
}

/// The data set read from `s` with `read` and encoded with `options`.
pub fn dataset_with(
    s: &str,
    read_options: &ReadOptions,
    options: &EncodeOptions,
) -> Result<Dataset> {
    let table = read(s.as_bytes(), Path::new("t.csv"), read_options)?;
    encode(table, options)
}

/// The default encode options.
pub fn defaults() -> EncodeOptions {
    EncodeOptions::default()
}
