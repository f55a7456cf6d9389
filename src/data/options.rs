//! Every choice a user can make about reading and encoding a CSV, with its default. The defaults
//! live here and nowhere else: the command line and library users start from
//! [`ReadOptions::default`] and [`EncodeOptions::default`].

use serde::Serialize;

/// Text feature columns with more distinct values than this are dropped (by default).
pub const DEFAULT_MAX_CATEGORIES: usize = 50;

/// The most data rows read from a file (by default): a larger file is sampled. A range test uses
/// at most 200 steps of 64 rows (12,800 rows), so 100,000 rows is several times what it can use,
/// while their f32 matrix stays small (8 MB for 20 features) and a sample this size puts column
/// means, spreads and class shares within about 1% of the whole file's.
pub const DEFAULT_MAX_ROWS: usize = 100_000;

/// How to read the file.
#[derive(Debug, Clone)]
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
    /// The decimal separator; `None` reads a point, or a comma when the first lines show one
    /// (only when the delimiter is not a comma).
    pub decimal: Option<Decimal>,
    /// The most data rows kept: a file with more is sampled, `max_rows` of its rows picked at
    /// random (seeded by `seed`). `None` keeps every row.
    pub max_rows: Option<usize>,
    /// Seeds the choice of rows when a file is sampled.
    pub seed: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            delimiter: None,
            header: None,
            na_values: Vec::new(),
            decimal: None,
            max_rows: Some(DEFAULT_MAX_ROWS),
            seed: 0,
        }
    }
}

/// The character between a number's whole part and its fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Decimal {
    /// `1.5`
    #[serde(rename = ".")]
    Point,
    /// `1,5`, as European spreadsheets write it.
    #[serde(rename = ",")]
    Comma,
}

impl Decimal {
    /// The separator's name: `point` or `comma`.
    pub fn name(self) -> &'static str {
        match self {
            Decimal::Point => "point",
            Decimal::Comma => "comma",
        }
    }

    /// The separator's byte.
    pub fn byte(self) -> u8 {
        match self {
            Decimal::Point => b'.',
            Decimal::Comma => b',',
        }
    }
}

impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Decimal::Point => ".",
            Decimal::Comma => ",",
        })
    }
}

impl std::str::FromStr for Decimal {
    type Err = String;

    /// `.` or `point`, `,` or `comma`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "." | "point" => Ok(Decimal::Point),
            "," | "comma" => Ok(Decimal::Comma),
            other => Err(format!(
                "'{other}' is not a decimal separator; give . (point) or , (comma)"
            )),
        }
    }
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
