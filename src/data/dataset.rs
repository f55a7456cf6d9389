//! What the loader hands to training: the standardised feature matrix, the label, and the names
//! of the model's inputs.

use ndarray::Array2;

use super::options::Task;
use super::summary::DataSummary;

/// The fewest usable rows a range test is run on: fewer cannot give a loss curve worth reading.
pub const MIN_ROWS: usize = 10;

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

/// What one column of the file became among the model's inputs: what a model that reads columns
/// rather than the one-hot matrix (the tabular model) needs to rebuild its own inputs.
#[derive(Debug, Clone, PartialEq)]
pub enum InputColumn {
    /// A number (or a boolean as 0/1) in input `index`, standardised: the value read is
    /// `x sd + mean` (`sd` 0 for a constant column). When it was filled, input `flag` holds its
    /// standardised missing indicator (positive where the cell was missing).
    Number {
        /// The column's name.
        name: String,
        /// The input holding it.
        index: usize,
        /// Its mean before standardisation.
        mean: f64,
        /// Its standard deviation before standardisation.
        sd: f64,
        /// The input holding its missing indicator, when it was filled.
        flag: Option<usize>,
    },
    /// A category, one-hot in the matrix.
    Category {
        /// The column's name.
        name: String,
        /// Its levels, in lrfind's order.
        levels: Vec<String>,
        /// Each row's level index into `levels`; [`MISSING_CODE`] where the cell was missing.
        codes: Vec<u32>,
    },
}

/// The level code of a missing categorical cell in [`InputColumn::Category`].
pub const MISSING_CODE: u32 = u32::MAX;

/// An encoded, standardised data set ready for training.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Inputs, rows by features, each column standardised.
    pub x: Array2<f32>,
    /// Labels.
    pub target: Target,
    /// Names of the model inputs (`island=Dream` for a one-hot column).
    pub feature_names: Vec<String>,
    /// What each used column became among the inputs, in the file's order (empty: every input is
    /// a standardised number of its own).
    pub inputs: Vec<InputColumn>,
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
