//! From a CSV file to a [`Dataset`] the model can train on: read (`csv`), decide and encode each
//! column (`encode`), standardise (`scale`), and cut into shuffled mini-batches (`batches`).

pub mod batches;
pub mod csv;
pub mod encode;
pub mod scale;
pub mod split;

use std::path::Path;

use ndarray::Array2;
use serde::Serialize;

use crate::error::Result;

pub use self::encode::{encode, EncodeOptions, MissingPolicy, TargetColumn};

/// Reads the CSV at `path` (`-`: standard input; `.gz`: decompressed) and encodes it: the whole
/// loader in one call.
pub fn load(
    path: &Path,
    read: &csv::ReadOptions,
    encode_options: &EncodeOptions,
) -> Result<Dataset> {
    let table = csv::read_path(path, read)?;
    encode(table, encode_options)
}

/// [`load`] from any reader; `name` is used in messages.
pub fn load_reader<R: std::io::Read>(
    input: R,
    name: &Path,
    read: &csv::ReadOptions,
    encode_options: &EncodeOptions,
) -> Result<Dataset> {
    let table = csv::read(input, name, read)?;
    encode(table, encode_options)
}

/// The note to show when the batch size asked for is more than the usable rows: the range test
/// shrinks the batch to the rows and cycles over them for its minimum number of steps.
pub fn batch_note(batch_size: usize, rows: usize) -> Option<String> {
    (batch_size > rows).then(|| {
        format!(
            "batch size {batch_size} is more than the {rows} usable rows: each batch holds all {rows} rows, and the range test cycles over them for its steps"
        )
    })
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

/// The label the model learns, one entry per row.
#[derive(Debug, Clone)]
pub enum Target {
    /// Class indices into `names`.
    Classes {
        /// One class index per row.
        labels: Vec<u32>,
        /// Class names, in index order.
        names: Vec<String>,
    },
    /// Standardised numeric targets: `(raw - mean) / std`.
    Values {
        /// One standardised value per row.
        values: Vec<f32>,
        /// Mean of the raw target.
        mean: f64,
        /// Standard deviation of the raw target (1 when the target is constant).
        std: f64,
    },
}

impl Target {
    /// The task this target implies.
    pub fn task(&self) -> Task {
        match self {
            Target::Classes { .. } => Task::Classification,
            Target::Values { .. } => Task::Regression,
        }
    }

    /// Number of classes, for classification.
    pub fn classes(&self) -> Option<usize> {
        match self {
            Target::Classes { names, .. } => Some(names.len()),
            Target::Values { .. } => None,
        }
    }

    /// Number of model outputs: one per class, or one for regression.
    pub fn outputs(&self) -> usize {
        match self {
            Target::Classes { names, .. } => names.len(),
            Target::Values { .. } => 1,
        }
    }
}

/// How one CSV column was used.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ColumnKind {
    /// A numeric feature, standardised.
    Numeric,
    /// A yes/no or true/false feature, encoded as 0/1 then standardised.
    Boolean,
    /// A text feature, one-hot encoded with one column per level.
    Categorical {
        /// Number of distinct values.
        levels: usize,
    },
    /// The label.
    Label,
    /// Not used, with the reason.
    Dropped {
        /// Why the column was left out.
        reason: String,
    },
}

/// One CSV column and what was made of it.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnSummary {
    /// Header name.
    pub name: String,
    /// How it was used.
    #[serde(flatten)]
    pub kind: ColumnKind,
    /// Missing cells among the rows read.
    pub missing: usize,
    /// The median that filled missing cells (numeric and boolean features under `--missing fill`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fill: Option<f64>,
}

/// What the missing-value policy did.
#[derive(Debug, Clone, Serialize)]
pub struct MissingSummary {
    /// The policy (`--missing`).
    pub policy: MissingPolicy,
    /// Rows dropped because their label was missing.
    pub label_rows_dropped: usize,
    /// Rows dropped because a used feature was missing (`--missing drop`).
    pub incomplete_rows_dropped: usize,
    /// Numeric or boolean values filled with their column's median (`--missing fill`).
    pub filled: usize,
    /// Categorical values encoded as a level of their own (`--missing fill`).
    pub as_level: usize,
}

/// A class and how many rows hold it.
#[derive(Debug, Clone, Serialize)]
pub struct ClassCount {
    /// Class name as it appears in the CSV.
    pub name: String,
    /// Number of rows.
    pub count: usize,
}

/// What lrfind made of the CSV, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct DataSummary {
    /// The file as the user named it.
    pub file: String,
    /// Data rows used (read, less those dropped).
    pub rows: usize,
    /// Data rows read.
    pub rows_read: usize,
    /// Data rows dropped for missing values.
    pub rows_dropped: usize,
    /// Whether the first row was a header.
    pub header: bool,
    /// Whether `header` was decided by looking at the first row (no `--no-header`).
    pub header_detected: bool,
    /// The delimiter (`tab` for a tab).
    pub delimiter: String,
    /// Model inputs after encoding.
    pub features: usize,
    /// Name of the label column.
    pub target: String,
    /// Classification or regression.
    pub task: Task,
    /// Classes with their counts (classification only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<ClassCount>>,
    /// Every CSV column and how it was used.
    pub columns: Vec<ColumnSummary>,
    /// What the missing-value policy did.
    pub missing: MissingSummary,
    /// One-line notes on what was decided (dropped columns, imbalanced classes, ...).
    pub notes: Vec<String>,
    /// The options the columns were decided with (`--target`, `--missing`, ...).
    pub options: EncodeOptions,
}

/// An encoded, standardised data set ready for training.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Inputs, rows by features, each column standardised.
    pub x: Array2<f32>,
    /// Labels.
    pub target: Target,
    /// Names of the model inputs (`island=Dream` for a one-hot column).
    pub feature_names: Vec<String>,
    /// What was made of the CSV.
    pub summary: DataSummary,
}

impl Dataset {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.x.nrows()
    }

    /// Number of model inputs.
    pub fn features(&self) -> usize {
        self.x.ncols()
    }
}
