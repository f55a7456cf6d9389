//! Every choice a user can make about reading and encoding a CSV, with its default. The defaults
//! live here and nowhere else: the command line and library users start from
//! [`ReadOptions::default`] and [`EncodeOptions::default`].

use serde::Serialize;

/// Text feature columns with more distinct values than this are dropped (by default).
pub const DEFAULT_MAX_CATEGORIES: usize = 50;

/// How to read the file.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Field delimiter; `None` picks one of [`DELIMITERS`](super::sniff::DELIMITERS) from the
    /// first lines.
    pub delimiter: Option<u8>,
    /// Whether the first row is a header; `None` decides from the first row (a row of numbers
    /// only is data).
    pub header: Option<bool>,
    /// Extra spellings of a missing value, beyond
    /// [`DEFAULT_NA_VALUES`](super::csv::DEFAULT_NA_VALUES).
    pub na_values: Vec<String>,
}

/// Whether the label is a class or a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Predict one of a fixed set of classes (softmax cross-entropy).
    Classification,
    /// Predict a number (mean squared error on the standardised target).
    Regression,
}

impl std::fmt::Display for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Task::Classification => "classification",
            Task::Regression => "regression",
        })
    }
}

/// What to do with a row that has a missing value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum MissingPolicy {
    /// Fill a numeric feature with its median (plus a `<name>_missing` indicator), keep a missing
    /// category as a level of its own; drop rows whose label is missing.
    #[default]
    Fill,
    /// Drop every row with a missing value in a used column.
    Drop,
    /// Refuse the file at the first missing value in a used column.
    Error,
}

impl std::fmt::Display for MissingPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MissingPolicy::Fill => "fill",
            MissingPolicy::Drop => "drop",
            MissingPolicy::Error => "error",
        })
    }
}

/// How to turn the table into a data set.
#[derive(Debug, Clone, Serialize)]
pub struct EncodeOptions {
    /// The label column: a header name, or a 0-based index. `None`: the last column.
    pub target: Option<String>,
    /// Forces the task; `None` infers it from the label.
    pub task: Option<Task>,
    /// Text feature columns with more distinct values than this are dropped.
    pub max_categories: usize,
    /// What to do with missing values.
    pub missing: MissingPolicy,
    /// Columns never used as features.
    pub ignore: Vec<String>,
    /// When not empty, the only columns used as features.
    pub features: Vec<String>,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            target: None,
            task: None,
            max_categories: DEFAULT_MAX_CATEGORIES,
            missing: MissingPolicy::Fill,
            ignore: Vec::new(),
            features: Vec::new(),
        }
    }
}
