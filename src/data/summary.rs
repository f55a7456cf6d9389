//! What lrfind made of the CSV, for the report: each column's use, what the missing-value policy
//! did, the classes, and one-line notes. Notes and reasons are [`Message`]s, so that whoever
//! shows them names the settings in its own way (the JSON report carries them as text).

use serde::{Serialize, Serializer};

use super::input::FileKind;
use super::options::{Decimal, EncodeOptions, MissingPolicy, Task};
use crate::error::{Message, Part};

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
        #[serde(serialize_with = "as_text")]
        reason: Message,
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
    /// The median that filled missing cells (numeric and boolean features, `missing` = fill).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fill: Option<f64>,
}

/// What the missing-value policy did.
#[derive(Debug, Clone, Serialize)]
pub struct MissingSummary {
    /// The policy (the `missing` setting).
    pub policy: MissingPolicy,
    /// Rows dropped because their label was missing.
    pub label_rows_dropped: usize,
    /// Rows dropped because a used feature was missing (`missing` = drop).
    pub incomplete_rows_dropped: usize,
    /// Numeric or boolean values filled with their column's median (`missing` = fill).
    pub filled: usize,
    /// Categorical values encoded as a level of their own (`missing` = fill).
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

/// Why a label taken by default (no `target` setting) may not be what the user means to
/// predict. A model rarely learns such a column from the others, and a suggested LR found on it
/// says little about the real task.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LabelDoubt {
    /// Its name says identifier (`id`, `sample_id`, `PassengerId`).
    Identifier,
    /// Its integers go up by one per row: a row number.
    RowNumber,
    /// Integers from 1800 to 2100: years.
    Year {
        /// The earliest year.
        first: i64,
        /// The latest year.
        last: i64,
    },
    /// Dates (`2021-03-04`, `04/03/2021`, `20210304`).
    Date {
        /// One of them, or how they are written (`yyyymmdd integers`).
        example: String,
    },
    /// Nearly a class per row: a name or a code.
    Unique {
        /// Distinct values.
        distinct: usize,
        /// Rows used.
        rows: usize,
    },
}

/// What lrfind made of the CSV, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct DataSummary {
    /// The file as the user named it.
    pub file: String,
    /// Data rows used (read, less those dropped).
    pub rows: usize,
    /// Data rows read (kept from the file).
    pub rows_read: usize,
    /// Data rows dropped for missing values.
    pub rows_dropped: usize,
    /// Data rows in the file: more than `rows_read` when the file was sampled.
    pub rows_in_file: usize,
    /// Whether `rows_read` are a random sample of the file's rows (the `max_rows` setting).
    pub sampled: bool,
    /// What kind of file it is (`csv`, `parquet`, `arrow_file`, `arrow_stream`). For a Parquet
    /// or Arrow file, `header`, `delimiter` and `decimal` are those of a CSV of the same table.
    pub format: FileKind,
    /// Whether the first row was a header.
    pub header: bool,
    /// Whether `header` was decided by looking at the first row (no `header` setting).
    pub header_detected: bool,
    /// The delimiter (`tab` for a tab).
    pub delimiter: String,
    /// The decimal separator (`.` or `,`).
    pub decimal: Decimal,
    /// Model inputs after encoding.
    pub features: usize,
    /// Name of the label column.
    pub target: String,
    /// Classification or regression.
    pub task: Task,
    /// Classes with their counts (classification only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<ClassCount>>,
    /// A regression label's standard deviation in its own units (the models train on it
    /// standardised, the tabular model on it as it is).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_sd: Option<f64>,
    /// Why the label, taken by default, may not be what the user means to predict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_doubt: Option<LabelDoubt>,
    /// Every CSV column and how it was used.
    pub columns: Vec<ColumnSummary>,
    /// What the missing-value policy did.
    pub missing: MissingSummary,
    /// One-line notes on what was decided (dropped columns, imbalanced classes, ...).
    #[serde(serialize_with = "all_as_text")]
    pub notes: Vec<Message>,
    /// The options the columns were decided with (`target`, `missing`, ...).
    pub options: EncodeOptions,
}

/// The note to show when the batch size asked for is more than the usable rows: the range test
/// shrinks the batch to the rows and cycles over them for its minimum number of steps.
pub fn batch_note(batch_size: usize, rows: usize) -> Option<Message> {
    (batch_size > rows).then(|| {
        Message::new(format!(
            "batch size {batch_size} is more than the {rows} usable rows: each batch holds all {rows} rows, and the range test cycles over them for its steps"
        ))
    })
}

/// How a delimiter is shown to a person.
pub fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".into(),
        b' ' => "space".into(),
        d => char::from(d).to_string(),
    }
}

/// `message` after the words `text`.
pub fn prefixed(text: impl Into<String>, message: &Message) -> Message {
    let mut parts = vec![Part::Text(text.into())];
    parts.extend(message.0.iter().cloned());
    Message(parts)
}

/// A message in the JSON report: its text, settings by their library names.
fn as_text<S: Serializer>(message: &Message, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(message)
}

fn all_as_text<S: Serializer>(messages: &[Message], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(messages.iter().map(ToString::to_string))
}
