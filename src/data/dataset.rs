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
